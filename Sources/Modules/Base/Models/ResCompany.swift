import ChainstoreCore

extension ModelSpec {
    /// Companies form one tree: group → city subsidiary → store. `parent_path` ("1/4/17/") is kept
    /// by the database, so "this company and everything under it" is one index range scan.
    public static let resCompany = ModelSpec(
        name: "res.company", label: "Companies",
        fields: [
            .char("name", "Company Name", required: true, index: true),
            .many2one("parent_id", "Parent Company", to: "res.company", onDelete: .restrict),
            .one2many("child_ids", "Branches", to: "res.company", inverse: "parent_id"),
            .integer("sequence", "Sequence", default: .value(10)),
            .char("email", "Email"),
            .char("phone", "Phone"),
            .char("vat", "Tax ID"),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "sequence, name", parentField: "parent_id", hasParentPath: true)
}
