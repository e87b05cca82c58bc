import ChainstoreCore

extension ModelSpec {
    /// An inventory count: everything in a place (a warehouse, a shelf), or only some products
    /// in it. Several counters add lines; applying it posts each difference between what was
    /// counted and what the books say as a move to or from the inventory-loss location, with
    /// the reason.
    public static let stockCount = ModelSpec(
        name: "stock.count", label: "Inventory Count",
        fields: [
            .char("name", "Reference", required: true),
            .many2one("location_id", "Counted Location", to: "stock.location", required: true, onDelete: .restrict),
            .many2many("product_ids", "Only These Products", to: "product.product", relation: "stock_count_product_rel",
                column1: "count_id", column2: "product_id"),
            FieldSpec("state", "Status", kind: .selection([
                SelectionOption("draft", "In Progress"), SelectionOption("done", "Applied"), SelectionOption("cancel", "Cancelled"),
            ]), computedInDatabase: true),
            .char("reason", "Reason", default: .value("Inventory count")),
            FieldSpec("date_done", "Applied On", kind: .datetime, computedInDatabase: true),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .one2many("line_ids", "Counted", to: "stock.count.line", inverse: "count_id"),
        ],
        order: "id desc", companyScoped: true)

    /// One counter's count of a product (lot, package) in a place.
    public static let stockCountLine = ModelSpec(
        name: "stock.count.line", label: "Inventory Count Line",
        fields: [
            .many2one("count_id", "Count", to: "stock.count", required: true, onDelete: .cascade),
            .many2one("product_id", "Product", to: "product.product", required: true, onDelete: .restrict),
            .many2one("location_id", "Location", to: "stock.location", required: true, onDelete: .restrict),
            .many2one("lot_id", "Lot/Serial Number", to: "stock.lot", onDelete: .restrict),
            .many2one("package_id", "Package", to: "stock.quant.package", onDelete: .restrict),
            .decimal("quantity", "Counted Quantity", precision: 16, scale: 3, default: .value(0)),
            .many2one("user_id", "Counted By", to: "res.users", default: .compute { .int($0.uid) }),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
        ],
        order: "id", displayNameSQL: "(SELECT pt.name FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id WHERE pp.id = $t.product_id)",
        companyScoped: true)
}
