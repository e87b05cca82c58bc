import ChainstoreCore

extension ModelSpec {
    public static let uomCategory = ModelSpec(
        name: "uom.category", label: "Product UoM Categories",
        fields: [.char("name", "Unit of Measure Category", required: true)],
        order: "name")

    /// A unit and its ratio to its category's reference unit: `factor` units per reference unit
    /// for smaller units (g: 1000), `factor_inv` reference units per unit for bigger ones (a case
    /// of 24). The one that fits the type is exact; the database derives the other.
    public static let uomUom = ModelSpec(
        name: "uom.uom", label: "Product Unit of Measure",
        fields: [
            .char("name", "Unit of Measure", required: true),
            .many2one("category_id", "Category", to: "uom.category", required: true, onDelete: .restrict),
            .selection("uom_type", "Type", [
                SelectionOption("bigger", "Bigger than the reference Unit of Measure"),
                SelectionOption("reference", "Reference Unit of Measure for this category"),
                SelectionOption("smaller", "Smaller than the reference Unit of Measure"),
            ], required: true, default: .value("reference")),
            .decimal("factor", "Ratio", precision: 30, scale: 12, required: true, default: .value(1)),
            .decimal("factor_inv", "Bigger Ratio", precision: 30, scale: 12, required: true, default: .value(1)),
            .decimal("rounding", "Rounding Precision", precision: 16, scale: 6, required: true, default: .value(0.01)),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "factor desc, id")
}
