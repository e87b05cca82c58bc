import ChainstoreCore

extension ModelSpec {
    /// What a group of stores sells: a store format ("community 2,000", "fresh market"). A store
    /// that some active assortment names — directly or through a parent company — sells the
    /// products of those assortments; a store that none names sells the whole catalogue.
    public static let productAssortment = ModelSpec(
        name: "product.assortment", label: "Assortment",
        fields: [
            .char("name", "Assortment", required: true),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict,
                default: .compute { .int($0.companyId) }),
            .many2many("product_tmpl_ids", "Products", to: "product.template",
                relation: "product_assortment_template_rel", column1: "assortment_id", column2: "template_id"),
            .many2many("store_ids", "Stores", to: "res.company",
                relation: "product_assortment_company_rel", column1: "assortment_id", column2: "company_id"),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "name, id", companyScoped: true, sharedWithBranches: true)
}
