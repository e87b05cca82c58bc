import ChainstoreCore

extension Migration {
    /// A product's incoming and outgoing quantities read its open moves, and its quantity at a past
    /// date the moves done since: both found through the product without reading its history.
    static let quantityIndexes = Migration("0011_quantity_indexes", sql: """
        CREATE INDEX stock_move_open_product ON stock_move (product_id)
            WHERE state IN ('waiting', 'confirmed', 'partially_available', 'assigned');
        CREATE INDEX stock_move_done_product_date ON stock_move (product_id, date) WHERE state = 'done';
        """)
}
