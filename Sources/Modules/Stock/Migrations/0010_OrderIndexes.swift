import ChainstoreCore

extension Migration {
    /// Every model's default order is the start of an index (see base's order indexes).
    static let stockOrderIndexes = Migration("0010_order_indexes", sql: """
        DROP INDEX stock_location_complete_name;
        CREATE INDEX stock_location_order ON stock_location (complete_name, id);
        DROP INDEX stock_lot_name;
        CREATE INDEX stock_lot_order ON stock_lot (name, id);
        CREATE INDEX stock_move_order ON stock_move (sequence, id);
        CREATE INDEX stock_picking_order ON stock_picking (priority DESC, scheduled_date, id DESC);
        CREATE INDEX stock_picking_type_order ON stock_picking_type (sequence, id);
        CREATE INDEX stock_warehouse_order ON stock_warehouse (sequence, id);
        CREATE INDEX stock_quant_package_order ON stock_quant_package (name, id);
        CREATE INDEX stock_rfid_asset_order ON stock_rfid_asset (uri, id);
        CREATE INDEX stock_rfid_reader_order ON stock_rfid_reader (code, id);
        CREATE INDEX stock_rfid_sighting_order ON stock_rfid_sighting (last_seen DESC, id DESC);
        DROP INDEX stock_valuation_layer_create_date;
        CREATE INDEX stock_valuation_layer_order ON stock_valuation_layer (create_date, id);
        """)
}
