import ChainstoreCore

extension ModelSpec {
    /// The category tree; `complete_name` ("All / Food / Drinks") is kept by the database.
    public static let productCategory = ModelSpec(
        name: "product.category", label: "Product Category",
        fields: [
            .char("name", "Name", required: true, index: true),
            FieldSpec("complete_name", "Complete Name", kind: .char(size: nil), index: true, computedInDatabase: true),
            .many2one("parent_id", "Parent Category", to: "product.category", onDelete: .cascade),
            .one2many("child_id", "Child Categories", to: "product.category", inverse: "parent_id"),
        ],
        order: "complete_name", recName: "complete_name", parentField: "parent_id", hasParentPath: true)
}
