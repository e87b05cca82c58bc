import ChainstoreDB

extension Product {
    /// Where the back office lists the catalogue.
    static let menus: [MenuItem] = [
        MenuItem(.catalogue, "product.template", "Products"),
        MenuItem(.catalogue, "product.product", "Product Variants"),
        MenuItem(.catalogue, "product.category", "Product Categories"),
        MenuItem(.catalogue, "product.pricelist", "Price Lists"),
        MenuItem(.catalogue, "product.pricelist.item", "Price List Rules"),
        MenuItem(.catalogue, "product.assortment", "Assortments"),
        MenuItem(.catalogue, "product.attribute", "Attributes"),
        MenuItem(.catalogue, "product.packaging", "Packagings"),
        MenuItem(.catalogue, "uom.uom", "Units of Measure"),
        MenuItem(.catalogue, "uom.category", "Unit Categories"),
        MenuItem(.catalogue, "barcode.nomenclature", "Barcode Nomenclatures"),
        MenuItem(.catalogue, "barcode.rule", "Barcode Rules"),
        MenuItem(.purchasing, "product.supplierinfo", "Vendor Prices"),
        MenuItem(.finance, "account.tax", "Taxes"),
    ]

    static let views: [ViewSpec] = [
        ViewSpec(model: "product.product", kind: .list, fields: ["default_code", "name", "barcode", "categ_id", "lst_price", "uom_id", "qty_available"]),
        ViewSpec(model: "product.product", kind: .search, fields: ["name", "default_code", "barcode", "categ_id"]),
        ViewSpec(model: "product.product", kind: .kanban, fields: ["name", "default_code", "barcode", "lst_price", "qty_available"]),
        ViewSpec(model: "product.template", kind: .list, fields: ["default_code", "name", "barcode", "categ_id", "list_price", "standard_price", "detailed_type"]),
        ViewSpec(model: "product.template", kind: .search, fields: ["name", "default_code", "barcode", "categ_id"]),
    ]
}
