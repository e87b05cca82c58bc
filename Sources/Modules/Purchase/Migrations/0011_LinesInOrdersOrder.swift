import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// A purchase order line keeps its order's priority (`order_priority`), so Odoo's default
    /// order of lines (`order_id, sequence, id`, the order sorted by its own order: priority
    /// desc, id desc) is read from an index. Sorted through the order instead, an
    /// administrator's first page of 2,964,019 lines took 4.9 s. The line's fill trigger copies
    /// the priority when a line is made (the reordering run gives it) or moved to another order;
    /// an order whose priority changes copies it to its lines (`KeptSortKey`).
    static let linesInOrdersOrder = Migration("0011_lines_in_orders_order", sql: KeptSortKey.add(
        table: "purchase_order_line", column: "order_priority", type: "text", link: "order_id", parent: "purchase_order", key: "priority",
        required: true, index: "order_priority DESC, order_id DESC, sequence, id") + """
        CREATE OR REPLACE FUNCTION purchase_line_fill() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            SELECT o.company_id, o.priority INTO NEW.company_id, NEW.order_priority FROM purchase_order o WHERE o.id = NEW.order_id;
            RETURN NEW;
        END
        $fn$;
        DROP TRIGGER purchase_order_line_fill ON purchase_order_line;
        CREATE TRIGGER purchase_order_line_fill BEFORE INSERT ON purchase_order_line
            FOR EACH ROW WHEN (NEW.company_id IS NULL OR NEW.order_priority IS NULL) EXECUTE FUNCTION purchase_line_fill();
        """ + KeptSortKey.follow(
            table: "purchase_order_line", column: "order_priority", link: "order_id", parent: "purchase_order", key: "priority", watching: ["priority"]))
}
