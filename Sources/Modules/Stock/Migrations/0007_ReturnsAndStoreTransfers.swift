import ChainstoreCore

extension Migration {
    /// Every warehouse also gets returns (from customers back into stock) and store-to-store
    /// transfers (out to the inter-company transit location, received by the other store from
    /// there); a delivery type names its return type.
    static let returnsAndStoreTransfers = Migration("0007_returns_and_store_transfers", sql: #"""
        ALTER TABLE stock_picking_type ADD COLUMN return_picking_type_id bigint REFERENCES stock_picking_type (id) ON DELETE SET NULL;
        CREATE INDEX stock_picking_type_return_picking_type_id ON stock_picking_type (return_picking_type_id);
        INSERT INTO stock_picking_type (name, code, sequence_code, warehouse_id, default_location_src_id, default_location_dest_id, company_id,
                                        sequence, create_date, write_date)
            SELECT 'Returns', 'incoming', 'RET', w.id, 3, w.lot_stock_id, w.company_id, 4, now(), now() FROM stock_warehouse w
            UNION ALL
            SELECT 'Store Transfers', 'outgoing', 'S2S', w.id, w.lot_stock_id, 7, w.company_id, 5, now(), now() FROM stock_warehouse w;
        UPDATE stock_picking_type o SET return_picking_type_id = r.id FROM stock_picking_type r
            WHERE r.warehouse_id = o.warehouse_id AND r.sequence_code = 'RET' AND o.code = 'outgoing';
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'stock', CASE sequence_code WHEN 'RET' THEN 'picking_type_return' ELSE 'picking_type_store_transfer' END,
                   'stock.picking.type', id, true, now(), now()
            FROM stock_picking_type WHERE warehouse_id = 1 AND sequence_code IN ('RET', 'S2S');
        """#)
}
