import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// A sale order line keeps its order's date (`order_date`), so Odoo's default order of
    /// lines (`order_id, sequence, id`, the order sorted by its own order: date_order desc,
    /// id desc) is read from an index, not sorted through every line's order. The line's fill
    /// trigger copies the date when a line is made or moved to another order; an order whose
    /// date changes copies it to its lines (`KeptSortKey`).
    static let saleLinesInOrdersOrder = Migration("0002_lines_in_orders_order", sql: KeptSortKey.add(
        table: "sale_order_line", column: "order_date", type: "timestamptz", link: "order_id", parent: "sale_order", key: "date_order",
        required: true, index: "order_date DESC, order_id DESC, sequence, id") + """
        CREATE OR REPLACE FUNCTION sale_line_fill() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            SELECT o.company_id, o.date_order INTO NEW.company_id, NEW.order_date FROM sale_order o WHERE o.id = NEW.order_id;
            RETURN NEW;
        END
        $fn$;
        """ + KeptSortKey.follow(
            table: "sale_order_line", column: "order_date", link: "order_id", parent: "sale_order", key: "date_order", watching: ["date_order"]))
}
