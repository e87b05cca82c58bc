import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// Open moves by the place they arrive at and the place they leave: what a batch of stores'
    /// reordering rules has on its way, read from its own places, not from every open move of the
    /// group's products.
    static let openMoveIndexes = Migration("0016_open_move_indexes", sql: #"""
        CREATE INDEX stock_move_open_destination ON stock_move (location_dest_id)
            WHERE state IN ('waiting', 'confirmed', 'partially_available', 'assigned');
        CREATE INDEX stock_move_open_source ON stock_move (location_id)
            WHERE state IN ('waiting', 'confirmed', 'partially_available', 'assigned');
        """#)
}
