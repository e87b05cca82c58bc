import ChainstoreCore

extension ModelSpec {
    /// Sales and purchase taxes. Chinese retail prices include VAT (13%, 9%, 6%, 0%).
    public static let accountTax = ModelSpec(
        name: "account.tax", label: "Tax",
        fields: [
            .char("name", "Tax Name", required: true),
            .char("description", "Label on Invoices"),
            .integer("sequence", "Sequence", default: .value(1)),
            .decimal("amount", "Amount", precision: 16, scale: 4, required: true, default: .value(0)),
            .selection("amount_type", "Tax Computation", [
                SelectionOption("percent", "Percentage of Price"), SelectionOption("fixed", "Fixed"),
            ], required: true, default: .value("percent")),
            .selection("type_tax_use", "Tax Type", [
                SelectionOption("sale", "Sales"), SelectionOption("purchase", "Purchases"), SelectionOption("none", "None"),
            ], required: true, default: .value("sale")),
            .boolean("price_include", "Included in Price"),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict,
                default: .compute { .int($0.companyId) }),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "sequence, id", companyScoped: true, sharedWithBranches: true)
}
