import ChainstoreCore

extension ModelSpec {
    /// What the scheduler measures and the threshold above which it alerts (one per probe).
    public static let chainstoreAlertRule = ModelSpec(
        name: "chainstore.alert.rule", label: "Alert Rules",
        fields: [
            .char("name", "Name", required: true, readonly: true),
            .char("kind", "Measures", required: true, readonly: true),
            .float("threshold", "Alert Above", required: true),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "name")

    /// An alert a rule fired: open (`firing`) while the value stays above the threshold.
    public static let chainstoreAlert = ModelSpec(
        name: "chainstore.alert", label: "Alerts",
        fields: [
            .many2one("rule_id", "Rule", to: "chainstore.alert.rule", required: true, onDelete: .cascade),
            .char("kind", "Measures", required: true),
            .selection("state", "State", [SelectionOption("firing", "Firing"), SelectionOption("resolved", "Resolved")], required: true),
            .float("value", "Value", required: true),
            .float("threshold", "Alert Above", required: true),
            .datetime("fired_at", "Fired", required: true),
            .datetime("last_seen", "Last Seen", required: true),
            .datetime("resolved_at", "Resolved"),
        ],
        order: "fired_at desc, id desc", recName: "kind")
}
