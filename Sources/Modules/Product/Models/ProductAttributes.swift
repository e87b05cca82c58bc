import ChainstoreCore

extension ModelSpec {
    public static let productAttribute = ModelSpec(
        name: "product.attribute", label: "Product Attribute",
        fields: [
            .char("name", "Attribute", required: true),
            .integer("sequence", "Sequence", default: .value(20)),
            .selection("display_type", "Display Type", [
                SelectionOption("radio", "Radio"), SelectionOption("pills", "Pills"), SelectionOption("select", "Select"),
                SelectionOption("color", "Color"),
            ], required: true, default: .value("radio")),
            .selection("create_variant", "Variants Creation Mode", [
                SelectionOption("always", "Instantly"), SelectionOption("no_variant", "Never"),
            ], required: true, default: .value("always")),
            .one2many("value_ids", "Values", to: "product.attribute.value", inverse: "attribute_id"),
        ],
        order: "sequence, id")

    public static let productAttributeValue = ModelSpec(
        name: "product.attribute.value", label: "Attribute Value",
        fields: [
            .char("name", "Value", required: true),
            .many2one("attribute_id", "Attribute", to: "product.attribute", required: true, onDelete: .cascade),
            .integer("sequence", "Sequence", default: .value(10)),
            .char("html_color", "Color"),
        ],
        order: "attribute_id, sequence, id")

    /// The values of one attribute a template comes in; variants are their combinations.
    public static let productTemplateAttributeLine = ModelSpec(
        name: "product.template.attribute.line", label: "Product Template Attribute Line",
        fields: [
            .many2one("product_tmpl_id", "Product Template", to: "product.template", required: true, onDelete: .cascade),
            .many2one("attribute_id", "Attribute", to: "product.attribute", required: true, onDelete: .restrict),
            .integer("sequence", "Sequence", default: .value(10)),
            .many2many("value_ids", "Values", to: "product.attribute.value",
                relation: "product_attribute_value_product_template_attribute_line_rel",
                column1: "product_template_attribute_line_id", column2: "product_attribute_value_id"),
        ],
        order: "sequence, attribute_id, id",
        displayNameSQL: "(SELECT a.name FROM product_attribute a WHERE a.id = $t.attribute_id)")

    /// One value as it applies to one template, with its price extra.
    public static let productTemplateAttributeValue = ModelSpec(
        name: "product.template.attribute.value", label: "Product Template Attribute Value",
        fields: [
            .many2one("product_attribute_value_id", "Attribute Value", to: "product.attribute.value", required: true, onDelete: .cascade),
            .many2one("attribute_line_id", "Attribute Line", to: "product.template.attribute.line", required: true, onDelete: .cascade),
            .many2one("product_tmpl_id", "Product Template", to: "product.template", required: true, onDelete: .cascade),
            .many2one("attribute_id", "Attribute", to: "product.attribute", required: true, onDelete: .cascade),
            .decimal("price_extra", "Value Price Extra", precision: 16, scale: 2, default: .value(0)),
            .boolean("ptav_active", "Active", default: .value(.true)),
        ],
        order: "attribute_line_id, id",
        displayNameSQL: "(SELECT a.name || ': ' || v.name FROM product_attribute_value v JOIN product_attribute a ON a.id = v.attribute_id WHERE v.id = $t.product_attribute_value_id)")
}
