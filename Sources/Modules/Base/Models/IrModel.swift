import ChainstoreCore

extension ModelSpec {
    /// Every model served, kept in step with the registry at start-up: clients such as odooly
    /// read `ir.model` before anything else.
    public static let irModel = ModelSpec(
        name: "ir.model", label: "Models",
        fields: [
            .char("name", "Model Description", required: true),
            .char("model", "Model", required: true, index: true),
            .char("info", "Information"),
            .selection("state", "Type", [SelectionOption("base", "Base Object"), SelectionOption("manual", "Custom Object")], default: .value("base")),
            .boolean("transient", "Transient Model"),
            .one2many("field_id", "Fields", to: "ir.model.fields", inverse: "model_id"),
        ],
        order: "model")

    public static let irModelFields = ModelSpec(
        name: "ir.model.fields", label: "Fields",
        fields: [
            .char("name", "Field Name", required: true, index: true),
            .char("model", "Model Name", required: true, index: true),
            .many2one("model_id", "Model", to: "ir.model", required: true, onDelete: .cascade),
            .char("field_description", "Field Label", required: true),
            .char("ttype", "Field Type", required: true),
            .char("relation", "Related Model"),
            .char("relation_field", "Relation Field"),
            .boolean("required", "Required"),
            .boolean("readonly", "Readonly"),
            .boolean("store", "Stored", default: .value(.true)),
            .boolean("index", "Indexed"),
            .selection("state", "Type", [SelectionOption("base", "Base Field"), SelectionOption("manual", "Custom Field")], default: .value("base")),
        ],
        order: "model, name")
}

extension ModelSpec {
    /// External ids (`module.name` → record): what `env.ref` resolves and imports match on.
    public static let irModelData = ModelSpec(
        name: "ir.model.data", label: "Model Data",
        fields: [
            .char("module", "Module", required: true),
            .char("name", "External Identifier", required: true),
            .char("model", "Model Name", required: true),
            FieldSpec("res_id", "Record ID", kind: .integer, required: true),
            .boolean("noupdate", "Non Updatable"),
        ],
        order: "module, name", displayNameSQL: "$t.module || '.' || $t.name")
}
