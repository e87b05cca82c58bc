import ChainstoreCore

extension ModelSpec {
    /// Companies form one tree: group → city subsidiary → store. `parent_path` ("1/4/17/") is kept
    /// by the database, so "this company and everything under it" is one index range scan.
    public static let resCompany = ModelSpec(
        name: "res.company", label: "Companies",
        fields: [
            .char("name", "Company Name", required: true, index: true),
            // A company made with only a name (as Odoo scripts do) goes under the maker's company:
            // a new root would be outside everyone's reach.
            .many2one("parent_id", "Parent Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .one2many("child_ids", "Branches", to: "res.company", inverse: "parent_id"),
            .integer("sequence", "Sequence", default: .value(10)),
            .char("email", "Email"),
            .char("phone", "Phone"),
            .char("vat", "Tax ID"),
            .selection("company_kind", "Kind", CompanyKind.self, required: true, default: .value("group")),
            .char("code", "Code", index: true),
            .many2one("partner_id", "Legal Entity", to: "res.partner", onDelete: .restrict),
            .char("company_registry", "Unified Social Credit Code").checked(SocialCreditCode.check),
            .char("street", "Street"),
            .char("city", "City"),
            .char("zip", "Zip"),
            .boolean("active", "Active", default: .value(.true)),
            .char("street2", "Street2"),
            .char("website", "Website Link"),
            .char("mobile", "Mobile"),
            // Filled by the database when not given: the parent's currency (the group's is CNY).
            .many2one("currency_id", "Currency", to: "res.currency", onDelete: .restrict),
            .many2one("country_id", "Country", to: "res.country", onDelete: .restrict),
            .many2one("state_id", "Fed. State", to: "res.country.state", onDelete: .restrict),
        ],
        order: "sequence, name", parentField: "parent_id", hasParentPath: true)
}

/// What a company is in the franchise group: the head office, a city subsidiary, a franchise
/// store, or a distribution centre.
public enum CompanyKind: String, CaseIterable, Sendable {
    case group, city, store, warehouse
}
