import ChainstoreCore

extension ModelSpec {
    /// Contacts and companies: consumers, franchise merchants, suppliers. A contact under a
    /// company is shown as "Company, Contact", as Odoo does.
    public static let resPartner = ModelSpec(
        name: "res.partner", label: "Contact",
        fields: [
            .char("name", "Name", index: true),
            // "Company, Contact" for a contact under a company, else the name: kept by the database.
            .char("complete_name", "Complete Name", readonly: true),
            // Odoo leaves partners shared by default; in a franchise a store's customers are the
            // store's own, so new partners belong to the current company unless told otherwise.
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .companyBranch,
            .many2one("parent_id", "Related Company", to: "res.partner"),
            .one2many("child_ids", "Contact", to: "res.partner", inverse: "parent_id"),
            .boolean("is_company", "Is a Company"),
            .char("ref", "Reference", index: true),
            .char("email", "Email"),
            .char("phone", "Phone"),
            .char("street", "Street"),
            .char("city", "City"),
            .char("zip", "Zip"),
            .char("vat", "Tax ID"),
            .char("company_registry", "Unified Social Credit Code").checked(SocialCreditCode.check),
            .char("mobile", "Mobile"),
            .char("barcode", "Barcode"),
            .integer("customer_rank", "Customer Rank", default: .value(0)),
            .integer("supplier_rank", "Supplier Rank", default: .value(0)),
            .one2many("bank_ids", "Banks", to: "res.partner.bank", inverse: "partner_id"),
            .text("comment", "Notes"),
            .date("date", "Date"),
            .decimal("credit_limit", "Credit Limit", precision: 16, scale: 2),
            .selection("type", "Address Type", [
                SelectionOption("contact", "Contact"), SelectionOption("invoice", "Invoice Address"),
                SelectionOption("delivery", "Delivery Address"), SelectionOption("other", "Other Address"),
            ], default: .value("contact")),
            .many2many("category_id", "Tags", to: "res.partner.category",
                relation: "res_partner_res_partner_category_rel", column1: "partner_id", column2: "category_id"),
            .binary("image_1920", "Image"),
            .boolean("active", "Active", default: .value(.true)),
            .char("street2", "Street2"),
            .char("website", "Website Link"),
            .char("function", "Job Position"),
            .char("lang", "Language"),
            .char("tz", "Timezone"),
            .integer("color", "Color Index", default: .value(0)),
            .many2one("country_id", "Country", to: "res.country", onDelete: .restrict),
            .many2one("state_id", "State", to: "res.country.state", onDelete: .restrict),
            .many2one("user_id", "Salesperson", to: "res.users"),
            FieldSpec("country_code", "Country Code", kind: .char(size: nil), readonly: true)
                .computed(sql: "(SELECT c.code FROM res_country c WHERE c.id = $t.country_id)"),
            // Odoo's person/company switch, read from is_company (write is_company to change it).
            FieldSpec("company_type", "Company Type", kind: .selection([SelectionOption("person", "Individual"), SelectionOption("company", "Company")]),
                      readonly: true)
                .computed(sql: "CASE WHEN $t.is_company THEN 'company' ELSE 'person' END"),
            // The partner that invoices and contracts are addressed to: the nearest company up the
            // parent chain (or the partner itself).
            FieldSpec("commercial_partner_id", "Commercial Entity", kind: .many2one(comodel: "res.partner", onDelete: .setNull), readonly: true)
                .computed(sql: """
                    (WITH RECURSIVE up(id, parent, co, depth) AS (SELECT p.id, p.parent_id, p.is_company, 0 FROM res_partner p WHERE p.id = $t.id \
                    UNION ALL SELECT q.id, q.parent_id, q.is_company, up.depth + 1 FROM res_partner q JOIN up ON q.id = up.parent \
                    WHERE NOT coalesce(up.co, false) AND up.depth < 32) SELECT id FROM up ORDER BY depth DESC LIMIT 1)
                    """),
        ],
        order: "name, id",
        displayNameSQL: "$t.complete_name",
        companyScoped: true, parentField: "parent_id", nameSearchFields: ["email", "ref"])

    public static let resPartnerCategory = ModelSpec(
        name: "res.partner.category", label: "Partner Tags",
        fields: [
            .char("name", "Tag Name", required: true),
            .integer("color", "Color"),
            .many2one("parent_id", "Parent Category", to: "res.partner.category", onDelete: .cascade),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "name", parentField: "parent_id")

    public static let resBank = ModelSpec(
        name: "res.bank", label: "Bank",
        fields: [
            .char("name", "Name", required: true),
            .char("bic", "Bank Identifier Code"),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "name")

    /// A supplier's (or merchant's) bank account.
    public static let resPartnerBank = ModelSpec(
        name: "res.partner.bank", label: "Bank Accounts",
        fields: [
            .char("acc_number", "Account Number", required: true),
            .char("acc_holder_name", "Account Holder Name"),
            .many2one("partner_id", "Account Holder", to: "res.partner", required: true, onDelete: .cascade),
            .many2one("bank_id", "Bank", to: "res.bank"),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "id", recName: "acc_number", companyScoped: true)
}
