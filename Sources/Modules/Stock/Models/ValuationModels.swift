import ChainstoreCore

extension ModelSpec {
    /// What a move into or out of a company's stock was worth; written only by the ledger.
    public static let stockValuationLayer = ModelSpec(
        name: "stock.valuation.layer", label: "Stock Valuation Layer",
        fields: [
            layerColumn(.many2one(comodel: "res.company", onDelete: .restrict), "company_id", "Company"),
            layerColumn(.many2one(comodel: "product.product", onDelete: .restrict), "product_id", "Product"),
            layerColumn(.many2one(comodel: "product.category", onDelete: .setNull), "categ_id", "Product Category"),
            layerColumn(.many2one(comodel: "stock.move", onDelete: .restrict), "stock_move_id", "Stock Move"),
            layerColumn(.decimal(precision: 16, scale: 3), "quantity", "Quantity"),
            layerColumn(.decimal(precision: 16, scale: 4), "unit_cost", "Unit Value"),
            layerColumn(.decimal(precision: 16, scale: 2), "value", "Total Value"),
            layerColumn(.decimal(precision: 16, scale: 3), "remaining_qty", "Remaining Qty"),
            layerColumn(.decimal(precision: 16, scale: 2), "remaining_value", "Remaining Value"),
            layerColumn(.char(size: nil), "description", "Description"),
        ],
        order: "create_date, id", displayNameSQL: "coalesce($t.description, '')", companyScoped: true)

    private static func layerColumn(_ kind: FieldKind, _ name: String, _ label: String) -> FieldSpec {
        var index = false
        if case .many2one = kind { index = true }
        return FieldSpec(name, label, kind: kind, index: index, computedInDatabase: true)
    }
}
