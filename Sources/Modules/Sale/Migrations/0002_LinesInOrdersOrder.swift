import ChainstoreCore

extension Migration {
    /// A sale order line keeps its order's date (`order_date`), so Odoo's default order of
    /// lines (`order_id, sequence, id`, the order sorted by its own order: date_order desc,
    /// id desc) is read from an index, not sorted through every line's order. The line's fill
    /// trigger copies the date when a line is made or moved to another order; an order whose
    /// date changes copies it to its lines. The existing lines are filled by rewriting the table.
    static let saleLinesInOrdersOrder = Migration("0002_lines_in_orders_order", sql: """
        ALTER TABLE sale_order_line ADD COLUMN order_date timestamptz;
        CREATE FUNCTION pg_temp.order_date_of(sale bigint) RETURNS timestamptz LANGUAGE sql STABLE AS $fn$
            SELECT date_order FROM sale_order WHERE id = sale
        $fn$;
        ALTER TABLE sale_order_line ALTER COLUMN order_date TYPE timestamptz USING pg_temp.order_date_of(order_id),
            ALTER COLUMN order_date SET NOT NULL;
        DROP FUNCTION pg_temp.order_date_of(bigint);
        CREATE INDEX sale_order_line_order ON sale_order_line (order_date DESC, order_id DESC, sequence, id);

        CREATE OR REPLACE FUNCTION sale_line_fill() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            SELECT o.company_id, o.date_order INTO NEW.company_id, NEW.order_date FROM sale_order o WHERE o.id = NEW.order_id;
            RETURN NEW;
        END
        $fn$;

        CREATE FUNCTION sale_order_date_to_lines() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            UPDATE sale_order_line SET order_date = NEW.date_order WHERE order_id = NEW.id;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER sale_order_date_to_lines AFTER UPDATE OF date_order ON sale_order
            FOR EACH ROW WHEN (OLD.date_order IS DISTINCT FROM NEW.date_order) EXECUTE FUNCTION sale_order_date_to_lines();
        """)
}
