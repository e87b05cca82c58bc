import ChainstoreCore

extension Migration {
    /// A putaway rule's order (`sequence, product_id, id`) starts with an index (the product is
    /// sorted by its name within a sequence).
    static let putawayOrderIndex = Migration("0017_putaway_order_index", sql: """
        CREATE INDEX stock_putaway_rule_order ON stock_putaway_rule (sequence, id);
        """)
}
