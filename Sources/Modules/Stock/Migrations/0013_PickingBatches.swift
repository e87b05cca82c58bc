import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// Batches and waves of transfers (Odoo 17's `stock.picking.batch`): a transfer belongs to at
    /// most one batch.
    static let pickingBatches = Migration("0013_picking_batches", sql: [#"""
        CREATE SEQUENCE stock_picking_batch_name_seq;
        CREATE TABLE stock_picking_batch (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'BATCH/' || lpad(nextval('stock_picking_batch_name_seq')::text, 5, '0'),
            description text,
            user_id bigint REFERENCES res_users (id) ON DELETE SET NULL,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'in_progress', 'done', 'cancel')),
            is_wave boolean NOT NULL DEFAULT false,
            picking_type_id bigint REFERENCES stock_picking_type (id) ON DELETE RESTRICT,
            scheduled_date timestamptz,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX stock_picking_batch_name ON stock_picking_batch (name);
        CREATE INDEX stock_picking_batch_company_id ON stock_picking_batch (company_id);
        CREATE INDEX stock_picking_batch_user_id ON stock_picking_batch (user_id);
        CREATE INDEX stock_picking_batch_picking_type_id ON stock_picking_batch (picking_type_id);
        CREATE INDEX stock_picking_batch_state ON stock_picking_batch (state);
        CREATE INDEX stock_picking_batch_order ON stock_picking_batch (id DESC);
        ALTER TABLE stock_picking ADD COLUMN batch_id bigint REFERENCES stock_picking_batch (id) ON DELETE SET NULL;
        CREATE INDEX stock_picking_batch_id ON stock_picking (batch_id);
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT 'stock.picking.batch user', 'stock.picking.batch', 1, true, false, false, false
            UNION ALL
            SELECT 'stock.picking.batch stock user', 'stock.picking.batch', g.id, true, true, true, false FROM res_groups g
                WHERE g.xmlid = 'stock.group_stock_user'
            UNION ALL
            SELECT 'stock.picking.batch manager', 'stock.picking.batch', g.id, true, true, true, true FROM res_groups g
                WHERE g.xmlid IN ('stock.group_stock_manager', 'base.group_system');
        """#,
        AuditTriggers.create(table: "stock_picking_batch", model: "stock.picking.batch", columns: [
            "name", "description", "user_id", "company_id", "state", "is_wave", "picking_type_id", "scheduled_date",
        ], hashJoin: true),
    ].joined(separator: "\n"))
}
