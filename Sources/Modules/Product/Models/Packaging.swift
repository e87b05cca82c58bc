import ChainstoreCore

extension ModelSpec {
    /// A case or pallet of a product, with its own barcode (an ITF-14 / GTIN-14 on the carton).
    public static let productPackaging = ModelSpec(
        name: "product.packaging", label: "Product Packaging",
        fields: [
            .char("name", "Product Packaging", required: true),
            .integer("sequence", "Sequence", default: .value(1)),
            .many2one("product_id", "Product", to: "product.product", required: true, onDelete: .cascade),
            .decimal("qty", "Contained Quantity", precision: 16, scale: 3, required: true),
            .char("barcode", "Barcode", index: true).checked(Catalogue.checkBarcode),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict),
        ],
        order: "product_id, sequence, id", companyScoped: true, sharedWithBranches: true)

    /// What a supplier charges for a product: minimum quantity, lead time, validity.
    public static let productSupplierinfo = ModelSpec(
        name: "product.supplierinfo", label: "Supplier Pricelist",
        fields: [
            .many2one("partner_id", "Vendor", to: "res.partner", required: true, onDelete: .cascade),
            .char("product_name", "Vendor Product Name"),
            .char("product_code", "Vendor Product Code"),
            .integer("sequence", "Sequence", default: .value(1)),
            .many2one("product_tmpl_id", "Product Template", to: "product.template", onDelete: .cascade),
            .many2one("product_id", "Product Variant", to: "product.product", onDelete: .cascade),
            .decimal("min_qty", "Quantity", precision: 16, scale: 3, required: true, default: .value(0)),
            .decimal("price", "Price", precision: 16, scale: 4, required: true, default: .value(0)),
            .integer("delay", "Delivery Lead Time", required: true, default: .value(1)),
            .date("date_start", "Start Date"),
            .date("date_end", "End Date"),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
        ],
        order: "sequence, min_qty desc, price, id",
        displayNameSQL: "(SELECT p.name FROM res_partner p WHERE p.id = $t.partner_id)",
        companyScoped: true, sharedWithBranches: true)
}
