import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// Goods sent from one store (or DC) to another wait in transit as the sender's stock: each
    /// warehouse has its own transit place, and each shipment its own place under it, owned and
    /// valued by the sender and readable by the company it is addressed to. A receipt from
    /// transit names the shipment it receives. The one shared, company-less transit place is
    /// retired: anyone could read it, any store could take from it, and every shipment of a
    /// product waited on its one balance row.
    static let transitPerShipment = Migration("0009_transit_per_shipment", sql: Self.transitSQL + AuditTriggers.create(
        table: "stock_picking", model: "stock.picking", columns: [
            "name", "origin", "note", "partner_id", "picking_type_id", "location_id", "location_dest_id", "state", "move_type", "priority",
            "scheduled_date", "date_deadline", "date_done", "backorder_id", "user_id", "owner_id", "company_id", "dest_company_id", "shipment_id",
        ], replacing: true))

    private static let transitSQL = #"""
        ALTER TABLE stock_location ADD COLUMN dest_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT;
        CREATE INDEX stock_location_dest_company_id ON stock_location (dest_company_id) WHERE dest_company_id IS NOT NULL;
        ALTER TABLE stock_warehouse ADD COLUMN transit_location_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT;
        CREATE INDEX stock_warehouse_transit_location_id ON stock_warehouse (transit_location_id);
        ALTER TABLE stock_picking
            ADD COLUMN dest_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            ADD COLUMN shipment_id bigint REFERENCES stock_picking (id) ON DELETE RESTRICT;
        CREATE INDEX stock_picking_dest_company_id ON stock_picking (dest_company_id) WHERE dest_company_id IS NOT NULL;
        CREATE INDEX stock_picking_shipment_id ON stock_picking (shipment_id) WHERE shipment_id IS NOT NULL;

        WITH made AS (
            INSERT INTO stock_location (name, location_id, usage, company_id, create_date, write_date)
            SELECT w.code || ' Transit', 4, 'transit', w.company_id, now(), now() FROM stock_warehouse w ORDER BY w.id
            RETURNING id, name, company_id)
        UPDATE stock_warehouse w SET transit_location_id = made.id FROM made WHERE made.name = w.code || ' Transit' AND made.company_id = w.company_id;
        UPDATE stock_picking_type pt SET default_location_dest_id = w.transit_location_id
            FROM stock_warehouse w WHERE w.id = pt.warehouse_id AND pt.sequence_code = 'S2S';
        UPDATE stock_location SET active = false
            WHERE id = 7 AND NOT EXISTS (SELECT 1 FROM stock_quant WHERE location_id = 7 AND quantity <> 0);
        """#
}
