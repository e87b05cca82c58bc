import ChainstoreCore

extension ModelSpec {
    /// A sellable variant: its own codes and barcode; everything else read from its template.
    /// Shown as "[CODE] Name (Value, Value)".
    public static let productProduct = ModelSpec(
        name: "product.product", label: "Product Variant",
        fields: [
            .many2one("product_tmpl_id", "Product Template", to: "product.template", required: true, onDelete: .cascade),
            .char("default_code", "Internal Reference", index: true),
            .char("barcode", "Barcode", index: true).checked(Catalogue.checkBarcode),
            FieldSpec("combination_indices", "Combination Indices", kind: .char(size: nil), readonly: true),
            .many2many("product_template_attribute_value_ids", "Attribute Values", to: "product.template.attribute.value",
                relation: "product_variant_combination", column1: "product_product_id", column2: "product_template_attribute_value_id"),
            .one2many("packaging_ids", "Product Packages", to: "product.packaging", inverse: "product_id"),
            .one2many("variant_seller_ids", "Vendors", to: "product.supplierinfo", inverse: "product_id"),
            FieldSpec("price_extra", "Variant Price Extra", kind: .decimal(precision: 16, scale: 2)).computed(sql: Catalogue.priceExtraSQL),
            FieldSpec("lst_price", "Sales Price", kind: .decimal(precision: 16, scale: 2))
                .computed(sql: "((SELECT tt.list_price FROM product_template tt WHERE tt.id = $t.product_tmpl_id) + \(Catalogue.priceExtraSQL))"),
            FieldSpec("code", "Reference", kind: .char(size: nil)).computed(sql: "$t.default_code"),
            .boolean("active", "Active", default: .value(.true)),
        ] + templateFields.filter { !["active", "sequence"].contains($0.name) }
            .map { $0.delegated(via: "product_tmpl_id", mirrored: ["company_id", "name"].contains($0.name)) }
          + [FieldSpec("sequence", "Sequence", kind: .integer).delegated(via: "product_tmpl_id")],
        order: "default_code, id",
        displayNameSQL: Catalogue.variantDisplayNameSQL,
        companyScoped: true, sharedWithBranches: true, nameSearchFields: ["default_code", "barcode", "name"], nameSearchDisplay: false)
}
