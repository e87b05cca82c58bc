import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import Base
import Purchase

/// `chainstore bench reorder`: the reordering run over the stores of a generated group
/// (`chainstore demo`), for growing numbers of stores, beside one hand-written SQL statement
/// computing the same forecasts and quantities. Prints figures; never pass/fail.
///
/// It adds what the run needs to the generated group, once: each city's distribution centre
/// as a vendor (its own partner, a price for every product listed in the stores, from the
/// city's company, so it comes before the group's suppliers), every store's delivery days from
/// it (two a week, orders closing the day before at 18:00), and `skus` min/max rules per store
/// (one in ten below its minimum on an average day).
public enum ReorderBenchmark {
    public struct Options: Sendable {
        public var stores = [2_000, 20_000]
        public var skus = 500
        public init() {}
    }

    public static func run(_ database: Database, options: Options, logger: Logger, print: @Sendable (String) -> Void) async throws {
        let registry = try Modules.registry()
        let largest = options.stores.max() ?? 0
        let prepared = try await prepare(database, stores: largest, skus: options.skus, logger: logger)
        print("Chainstore reordering run — \(prepared.stores) stores with \(options.skus) rules each generated (\(prepared.rules) rules in all), "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("")
        print("stores      rules   run s    rules/s   lines   orders | 2nd run s (orders) | raw SQL s  rules/s | run/raw")
        for count in options.stores.sorted() where count <= prepared.stores {
            let companies = Array(prepared.companies.prefix(count))
            try await clear(database, companies: companies, logger: logger)
            let node = NodeContext(registry: registry, databases: RuntimeBenchmark.OneDatabase(main: database), identity: BaseIdentity(), logger: logger)
            let context = JobContext(database: database, node: node, logger: logger)
            var first = Reordering.Outcome()
            let run = try await CoreBenchmark.timed { first = try await Reordering.runAll(context, companies: companies) }
            var second = Reordering.Outcome()
            let again = try await CoreBenchmark.timed { second = try await Reordering.runAll(context, companies: companies) }
            let raw = try await CoreBenchmark.timed { try await rawProposals(database, companies: companies, logger: logger) }
            print(String(format: "%6d %10d %7.1f %10.0f %7d %8d | %9.1f (%d)       | %9.1f %8.0f | %.2fx",
                         count, first.rules, run, Double(first.rules) / run, first.lines, first.orders, again, second.orders,
                         raw, Double(first.rules) / raw, run / raw))
        }
        print("")
        print("run: every rule's proposal in set-based SQL (balances, open moves, open requests for quotation, vendor and price), then one")
        print("request for quotation per vendor, receipt type and day, one line per rule, in batches of whole companies (\(Reordering.batchSize) rules).")
        print("Before each run the requests for quotation of the last are removed, their tables vacuumed and a checkpoint taken (not timed).")
        print("2nd run: the same day again (idempotent: the requests for quotation are in the forecast). raw SQL: one statement computing the")
        print("same forecasts and quantities over all the rules at once, choosing no vendor and writing nothing.")
    }

    struct Prepared {
        let stores: Int
        let rules: Int
        let companies: [Int64]
    }

    /// The stores (first `stores` by id), their city DCs as vendors, and their rules.
    static func prepare(_ database: Database, stores: Int, skus: Int, logger: Logger) async throws -> Prepared {
        try await database.transaction(logger: logger) { tx in
            // Generation only: no audit rows, no per-row checks (the rules are right by construction).
            try await tx.execute("SET LOCAL session_replication_role = replica")
            try await tx.execute("SET LOCAL synchronous_commit = off")
            try await tx.query("""
                WITH dc AS (SELECT c.id, c.name FROM res_company c WHERE c.company_kind = 'warehouse' AND c.partner_id IS NULL),
                made AS (INSERT INTO res_partner (name, complete_name, is_company, active, type, company_id, supplier_rank, customer_rank, create_uid, create_date, write_uid, write_date)
                         SELECT dc.name, dc.name, true, true, 'contact', NULL, 1, 0, 1, now(), 1, now() FROM dc ORDER BY dc.id RETURNING id, name)
                UPDATE res_company c SET partner_id = made.id FROM made WHERE c.name = made.name AND c.company_kind = 'warehouse' AND c.partner_id IS NULL
                """)
            try await tx.query("""
                INSERT INTO product_supplierinfo (partner_id, product_tmpl_id, product_code, sequence, min_qty, price, delay, company_id,
                                                  create_uid, create_date, write_uid, write_date)
                SELECT dc.partner_id, t.id, 'DC', 0, 0, round(t.standard_price * 1.05, 4), 1, dc.parent_id, 1, now(), 1, now()
                FROM res_company dc
                CROSS JOIN (SELECT p.product_tmpl_id AS id, tm.standard_price FROM product_product p JOIN product_template tm ON tm.id = p.product_tmpl_id
                            WHERE tm.type = 'product' ORDER BY p.id LIMIT \(skus)) t
                WHERE dc.company_kind = 'warehouse'
                  AND NOT EXISTS (SELECT 1 FROM product_supplierinfo s WHERE s.partner_id = dc.partner_id AND s.product_tmpl_id = t.id)
                """)
            try await tx.query("""
                INSERT INTO stock_warehouse_orderpoint (warehouse_id, location_id, location_name, product_id, company_id, company_branch, product_min_qty,
                                                        product_max_qty, qty_multiple, create_uid, create_date, write_uid, write_date)
                SELECT w.id, w.lot_stock_id, w.location_name, p.id, w.company_id, w.branch_id, CASE WHEN (w.id + p.id) % 10 = 0 THEN 4 ELSE 0 END, 12, 6,
                       1, now(), 1, now()
                FROM (SELECT w.*, l.complete_name AS location_name, c.branch_id FROM stock_warehouse w JOIN res_company c ON c.id = w.company_id
                      JOIN stock_location l ON l.id = w.lot_stock_id WHERE c.company_kind = 'store' ORDER BY c.id LIMIT \(stores)) w
                CROSS JOIN (SELECT p.id FROM product_product p JOIN product_template tm ON tm.id = p.product_tmpl_id WHERE tm.type = 'product'
                            ORDER BY p.id LIMIT \(skus)) p
                -- Stores given their rules by an earlier run are left alone (10 million conflicts took 7 minutes).
                WHERE (SELECT count(*) FROM stock_warehouse_orderpoint x WHERE x.company_id = w.company_id) < \(skus)
                ON CONFLICT (product_id, location_id, company_id) DO NOTHING
                """)
            // Every store's delivery days from its city's DC: two weekdays three or four days
            // apart, orders closing the day before at 18:00, one of twenty routes per city.
            try await tx.query("""
                INSERT INTO replenishment_delivery_schedule (name, company_id, partner_id, monday, tuesday, wednesday, thursday, friday, saturday, sunday,
                                                             cutoff_days, cutoff_hour, route, sequence, create_uid, create_date, write_uid, write_date)
                SELECT 'Weekly', s.id, dc.partner_id, d.days[1], d.days[2], d.days[3], d.days[4], d.days[5], d.days[6], d.days[7],
                       1, 18, city.name || '-' || lpad((s.id % 20)::text, 2, '0'), 10, 1, now(), 1, now()
                FROM (SELECT c.* FROM res_company c WHERE c.company_kind = 'store' ORDER BY c.id LIMIT \(stores)) s
                JOIN res_company dc ON dc.parent_id = s.parent_id AND dc.company_kind = 'warehouse' AND dc.partner_id IS NOT NULL
                JOIN res_company city ON city.id = s.parent_id
                CROSS JOIN LATERAL (SELECT array_agg(w = s.id % 7 OR w = (s.id + 3) % 7 ORDER BY w) AS days FROM generate_series(0, 6) w) d
                WHERE NOT EXISTS (SELECT 1 FROM replenishment_delivery_schedule x WHERE x.company_id = s.id AND x.partner_id = dc.partner_id)
                """)
            try await tx.execute("ANALYZE stock_warehouse_orderpoint")
            try await tx.execute("ANALYZE product_supplierinfo")
            let companies = try await tx.query("""
                SELECT c.id FROM res_company c WHERE c.company_kind = 'store'
                  AND EXISTS (SELECT 1 FROM stock_warehouse_orderpoint o WHERE o.company_id = c.id) ORDER BY c.id LIMIT \(stores)
                """).map { try $0.decode(Int64.self) }
            let rules = try await tx.query("SELECT count(*) FROM stock_warehouse_orderpoint WHERE company_id = ANY(\(companies))")[0].decode(Int64.self)
            return Prepared(stores: companies.count, rules: Int(rules), companies: companies)
        }
    }

    /// Removes the requests for quotation earlier runs made for these stores, then settles the
    /// database as pgbench does before a run: the tables the removal emptied are vacuumed and a
    /// checkpoint is taken, so the timed run neither pays for vacuuming the last run's million
    /// deleted lines nor for the checkpoint their WAL would force.
    static func clear(_ database: Database, companies: [Int64], logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            _ = try await tx.query("DELETE FROM purchase_order WHERE company_id = ANY(\(companies)) AND reorder_date IS NOT NULL AND state = 'draft'")
        }
        try await database.withoutTransaction(logger: logger) { tx in
            try await tx.execute("VACUUM (ANALYZE) purchase_order, purchase_order_line, account_tax_purchase_order_line_rel, stock_warehouse_orderpoint")
            try await tx.execute("CHECKPOINT")
        }
    }

    /// The forecasts and quantities of the same rules in one hand-written statement: balances
    /// and open moves of each rule's place, open requests for quotation, min/max and multiple.
    static func rawProposals(_ database: Database, companies: [Int64], logger: Logger) async throws {
        _ = try await database.withoutTransaction(logger: logger) { tx in
            try await tx.query("""
                WITH op AS (
                    SELECT o.id, o.location_id, o.product_id, o.product_min_qty, o.product_max_qty, o.qty_multiple FROM stock_warehouse_orderpoint o
                    WHERE o.company_id = ANY(\(companies)) AND o.active AND o.trigger = 'auto'),
                places AS (SELECT DISTINCT location_id FROM op),
                q AS (SELECT q.location_id, q.product_id, sum(q.quantity) AS qty FROM stock_quant q JOIN places USING (location_id) GROUP BY 1, 2),
                m AS (SELECT m.location_dest_id AS location_id, m.product_id, sum(m.product_qty) AS qty FROM stock_move m JOIN places p ON p.location_id = m.location_dest_id
                      WHERE m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned') GROUP BY 1, 2
                      UNION ALL
                      SELECT m.location_id, m.product_id, -sum(m.product_qty) FROM stock_move m JOIN places p ON p.location_id = m.location_id
                      WHERE m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned') GROUP BY 1, 2),
                r AS (SELECT pt.default_location_dest_id AS location_id, l.product_id, sum(l.product_qty) AS qty FROM purchase_order po
                      JOIN stock_picking_type pt ON pt.id = po.picking_type_id JOIN places p ON p.location_id = pt.default_location_dest_id
                      JOIN purchase_order_line l ON l.order_id = po.id WHERE po.state IN ('draft', 'sent', 'to approve') GROUP BY 1, 2),
                mm AS (SELECT location_id, product_id, sum(qty) AS qty FROM m GROUP BY 1, 2),
                f AS (SELECT op.*, coalesce(q.qty, 0) + coalesce(mm.qty, 0) + coalesce(r.qty, 0) AS forecast
                      FROM op LEFT JOIN q ON q.location_id = op.location_id AND q.product_id = op.product_id
                      LEFT JOIN mm ON mm.location_id = op.location_id AND mm.product_id = op.product_id
                      LEFT JOIN r ON r.location_id = op.location_id AND r.product_id = op.product_id)
                SELECT count(*) FILTER (WHERE forecast < product_min_qty),
                       sum(CASE WHEN forecast < product_min_qty THEN ceil((greatest(product_min_qty, product_max_qty) - forecast) / qty_multiple) * qty_multiple END)
                FROM f
                """)
        }
    }
}
