import ChainstoreCore

extension ModelSpec {
    /// What is sold and bought, shared by its variants (`product.product`). The group's catalogue
    /// belongs to the head office and is readable by every company under it.
    public static let productTemplate = ModelSpec(
        name: "product.template", label: "Product",
        fields: templateFields + [
            .one2many("product_variant_ids", "Products", to: "product.product", inverse: "product_tmpl_id"),
            .one2many("attribute_line_ids", "Product Attributes", to: "product.template.attribute.line", inverse: "product_tmpl_id"),
            .one2many("seller_ids", "Vendors", to: "product.supplierinfo", inverse: "product_tmpl_id"),
            // The single variant's codes, as Odoo shows them on the template; written through to it.
            FieldSpec("default_code", "Internal Reference", kind: .char(size: nil))
                .computed(sql: "(SELECT min(v.default_code) FROM product_product v WHERE v.product_tmpl_id = $t.id AND v.active HAVING count(*) = 1)"),
            FieldSpec("barcode", "Barcode", kind: .char(size: nil))
                .computed(sql: "(SELECT min(v.barcode) FROM product_product v WHERE v.product_tmpl_id = $t.id AND v.active HAVING count(*) = 1)"),
            FieldSpec("product_variant_count", "# Product Variants", kind: .integer)
                .computed(sql: "(SELECT count(*) FROM product_product v WHERE v.product_tmpl_id = $t.id AND v.active)"),
        ],
        order: "priority desc, name", companyScoped: true, sharedWithBranches: true)

    /// Template fields a variant reads through `product_tmpl_id` (Odoo's `_inherits`).
    static let templateFields: [FieldSpec] = [
        .char("name", "Name", required: true, index: true),
        .integer("sequence", "Sequence", default: .value(1)),
        .text("description", "Description"),
        .text("description_sale", "Sales Description"),
        .text("description_purchase", "Purchase Description"),
        .selection("detailed_type", "Product Type", ProductType.options, required: true, default: .value("consu")),
        .selection("type", "Type", ProductType.options, required: true, default: .value("consu")),
        .many2one("categ_id", "Product Category", to: "product.category", required: true, onDelete: .restrict, default: .value(1)),
        .decimal("list_price", "Sales Price", precision: 16, scale: 2, required: true, default: .value(1)),
        .decimal("standard_price", "Cost", precision: 16, scale: 4, required: true, default: .value(0)),
        .many2one("uom_id", "Unit of Measure", to: "uom.uom", required: true, onDelete: .restrict, default: .value(1)),
        .many2one("uom_po_id", "Purchase Unit of Measure", to: "uom.uom", required: true, onDelete: .restrict, default: .value(1)),
        .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
        .boolean("sale_ok", "Can be Sold", default: .value(.true)),
        .boolean("purchase_ok", "Can be Purchased", default: .value(.true)),
        .boolean("available_in_pos", "Available in POS", default: .value(.true)),
        .boolean("to_weight", "To Weigh With Scale"),
        .selection("priority", "Favorite", [SelectionOption("0", "Normal"), SelectionOption("1", "Favorite")], default: .value("0")),
        .decimal("weight", "Weight", precision: 16, scale: 3),
        .decimal("volume", "Volume", precision: 16, scale: 4),
        .selection("tracking", "Tracking", [
            SelectionOption("serial", "By Unique Serial Number"), SelectionOption("lot", "By Lots"),
            SelectionOption("none", "No Tracking"),
        ], required: true, default: .value("none")),
        .many2many("taxes_id", "Customer Taxes", to: "account.tax", relation: "product_taxes_rel", column1: "prod_id", column2: "tax_id"),
        .many2many("supplier_taxes_id", "Vendor Taxes", to: "account.tax",
            relation: "product_supplier_taxes_rel", column1: "prod_id", column2: "tax_id"),
        .boolean("active", "Active", default: .value(.true)),
    ]
}

/// Stocked goods, consumables and services (`detailed_type` / `type`).
public enum ProductType: String, CaseIterable, Sendable {
    case consu, service, product

    static let options = [
        SelectionOption("consu", "Consumable"), SelectionOption("service", "Service"), SelectionOption("product", "Storable Product"),
    ]
}
