import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// A purchase order line's company is its order's, and the database now says so with one
    /// key: `(order_id, company_id)` references the order's `(id, company_id)`, deleted with the
    /// order and following it when the order changes company. It replaces the line's two keys
    /// (to the order, to the company), each checked by PostgreSQL row by row (about 10 µs a check):
    /// the reordering run writes a million lines for 20,000 stores, so one check fewer a line is
    /// about ten seconds of the run's CPU. A line's company still cannot be removed from under it:
    /// the order's own key to its company refuses that.
    static let linesKeyedByOrderAndCompany = Migration("0013_lines_keyed_by_order_and_company", sql: """
        ALTER TABLE purchase_order ADD CONSTRAINT purchase_order_id_company UNIQUE (id, company_id);
        UPDATE purchase_order_line l SET company_id = o.company_id FROM purchase_order o
        WHERE o.id = l.order_id AND l.company_id IS DISTINCT FROM o.company_id;
        ALTER TABLE purchase_order_line ALTER COLUMN company_id SET NOT NULL,
            DROP CONSTRAINT purchase_order_line_order_id_fkey,
            DROP CONSTRAINT purchase_order_line_company_id_fkey,
            ADD CONSTRAINT purchase_order_line_order_company_fkey FOREIGN KEY (order_id, company_id)
                REFERENCES purchase_order (id, company_id) MATCH FULL ON DELETE CASCADE ON UPDATE CASCADE;
        """)
}
