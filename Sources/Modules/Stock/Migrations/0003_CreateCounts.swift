import ChainstoreCore

extension Migration {
    /// Inventory counts: a count of a place (a whole warehouse, a shelf) or of some products in
    /// it, its lines by counter, and the differences it posts to the inventory-loss location.
    static let createCounts = Migration("0003_create_counts", sql: #"""
        CREATE TABLE stock_count (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            location_id bigint NOT NULL REFERENCES stock_location (id) ON DELETE RESTRICT,
            state text NOT NULL DEFAULT 'draft',
            reason text NOT NULL DEFAULT 'Inventory count',
            date_done timestamptz,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_count_state CHECK (state IN ('draft', 'done', 'cancel'))
        );
        CREATE INDEX stock_count_location_id ON stock_count (location_id);
        CREATE INDEX stock_count_company_id ON stock_count (company_id);
        CREATE TABLE stock_count_product_rel (
            count_id bigint NOT NULL REFERENCES stock_count (id) ON DELETE CASCADE,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE CASCADE,
            PRIMARY KEY (count_id, product_id)
        );
        CREATE INDEX stock_count_product_rel_product_id ON stock_count_product_rel (product_id);
        CREATE TABLE stock_count_line (
            id bigserial PRIMARY KEY,
            count_id bigint NOT NULL REFERENCES stock_count (id) ON DELETE CASCADE,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            location_id bigint NOT NULL REFERENCES stock_location (id) ON DELETE RESTRICT,
            lot_id bigint REFERENCES stock_lot (id) ON DELETE RESTRICT,
            package_id bigint REFERENCES stock_quant_package (id) ON DELETE RESTRICT,
            quantity numeric NOT NULL DEFAULT 0,
            user_id bigint REFERENCES res_users (id) ON DELETE SET NULL,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_count_line_quantity CHECK (quantity >= 0)
        );
        CREATE INDEX stock_count_line_count_id ON stock_count_line (count_id);
        CREATE INDEX stock_count_line_product_id ON stock_count_line (product_id);
        CREATE INDEX stock_count_line_location_id ON stock_count_line (location_id);
        CREATE INDEX stock_count_line_lot_id ON stock_count_line (lot_id);
        CREATE INDEX stock_count_line_package_id ON stock_count_line (package_id);
        CREATE INDEX stock_count_line_user_id ON stock_count_line (user_id);
        CREATE INDEX stock_count_line_company_id ON stock_count_line (company_id);
        ALTER TABLE stock_move ADD COLUMN is_inventory boolean NOT NULL DEFAULT false;
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false FROM unnest(ARRAY['stock.count', 'stock.count.line']) m
            UNION ALL
            SELECT m || ' stock user', m, g.id, true, true, true, true FROM unnest(ARRAY['stock.count', 'stock.count.line']) m, res_groups g
                WHERE g.xmlid IN ('stock.group_stock_user', 'stock.group_stock_manager', 'base.group_system');
        """#)
}
