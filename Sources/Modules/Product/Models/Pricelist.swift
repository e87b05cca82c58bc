import ChainstoreCore

extension ModelSpec {
    /// A company's price list. A store is priced by the lists of its own company first, then
    /// its city's, then the group's: the nearest list with a matching rule wins.
    public static let productPricelist = ModelSpec(
        name: "product.pricelist", label: "Pricelist",
        fields: [
            .char("name", "Pricelist Name", required: true),
            .integer("sequence", "Sequence", default: .value(16)),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict,
                default: .compute { .int($0.companyId) }),
            .one2many("item_ids", "Pricelist Rules", to: "product.pricelist.item", inverse: "pricelist_id"),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "sequence, id", companyScoped: true, sharedWithBranches: true)

    /// One price rule: what it applies to, from which quantity and when, and how it computes.
    public static let productPricelistItem = ModelSpec(
        name: "product.pricelist.item", label: "Pricelist Rule",
        fields: [
            .many2one("pricelist_id", "Pricelist", to: "product.pricelist", required: true, onDelete: .cascade),
            FieldSpec("company_id", "Company", kind: .many2one(comodel: "res.company", onDelete: .restrict), index: true,
                computedInDatabase: true),
            .selection("applied_on", "Apply On", [
                SelectionOption("3_global", "All Products"), SelectionOption("2_product_category", "Product Category"),
                SelectionOption("1_product", "Product"), SelectionOption("0_product_variant", "Product Variant"),
            ], required: true, default: .value("3_global")),
            // Sorted by the category's name kept on the rule (`categ_name`): the default order is an index.
            .many2one("categ_id", "Product Category", to: "product.category", onDelete: .cascade).sorted(byColumn: "categ_name"),
            .many2one("product_tmpl_id", "Product", to: "product.template", onDelete: .cascade),
            .many2one("product_id", "Product Variant", to: "product.product", onDelete: .cascade),
            .decimal("min_quantity", "Min. Quantity", precision: 16, scale: 3, default: .value(0)),
            .datetime("date_start", "Start Date"),
            .datetime("date_end", "End Date"),
            .selection("compute_price", "Computation", [
                SelectionOption("fixed", "Fixed Price"), SelectionOption("percentage", "Discount"), SelectionOption("formula", "Formula"),
            ], required: true, default: .value("fixed")),
            .decimal("fixed_price", "Fixed Price", precision: 16, scale: 2, default: .value(0)),
            .decimal("percent_price", "Percentage Price", precision: 8, scale: 4, default: .value(0)),
            .selection("base", "Based on", [
                SelectionOption("list_price", "Sales Price"), SelectionOption("standard_price", "Cost"),
                SelectionOption("pricelist", "Other Pricelist"),
            ], required: true, default: .value("list_price")),
            .many2one("base_pricelist_id", "Other Pricelist", to: "product.pricelist", onDelete: .restrict),
            .decimal("price_discount", "Price Discount", precision: 8, scale: 4, default: .value(0)),
            .decimal("price_surcharge", "Price Surcharge", precision: 16, scale: 2, default: .value(0)),
            .decimal("price_round", "Price Rounding", precision: 16, scale: 4, default: .value(0)),
            .decimal("price_min_margin", "Min. Price Margin", precision: 16, scale: 2, default: .value(0)),
            .decimal("price_max_margin", "Max. Price Margin", precision: 16, scale: 2, default: .value(0)),
        ],
        order: "applied_on, min_quantity desc, categ_id desc, id desc",
        displayNameSQL: "(SELECT p.name FROM product_pricelist p WHERE p.id = $t.pricelist_id)",
        companyScoped: true, sharedWithBranches: true)
}
