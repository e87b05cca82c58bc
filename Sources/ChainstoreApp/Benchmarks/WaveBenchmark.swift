import Base
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import Purchase

/// `chainstore bench waves`: the centre's side of a round of store orders, on the group that
/// `chainstore bench reorder` left (each store's request for quotation to its city's DC):
/// - the stores' orders approved (`button_confirm`): each mirrored as its DC's sales order, the
///   DC's delivery through transit and the store's receipt made;
/// - the DCs' purchasing: one rule per product the DCs now deliver, run by the reordering run, so
///   the stores' orders become the DCs' purchase orders to the suppliers, one per supplier;
/// - the delivery waves of the stores' delivery day, built at once, and the largest wave's pick
///   list, reservation and shipment on pallets.
/// Prints figures; never pass/fail. Setting up (delivery schedules, the DCs' rules and GS1
/// prefixes) is done in SQL and not timed.
public enum WaveBenchmark {
    public struct Options: Sendable {
        public var stores = 2_000
        public var batch = 20
        public init() {}
    }

    public static func run(_ database: Database, options: Options, logger: Logger, print: @Sendable (String) -> Void) async throws {
        let registry = try Modules.registry()
        let orders = try await prepareSchedules(database, stores: options.stores, logger: logger)
        guard !orders.isEmpty else {
            print("No store has a request for quotation to its distribution centre: run `chainstore bench reorder` on this group first.")
            return
        }
        let lines = try await database.withoutTransaction(logger: logger) { tx in
            try await tx.query("SELECT count(*) FROM purchase_order_line WHERE order_id = ANY(\(orders))")[0].decode(Int64.self)
        }
        print("Chainstore: the centre's side of \(orders.count) stores' orders (\(lines) lines), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("")
        func call(_ model: String, _ method: String, ids: [Int64], args: [Value] = []) async throws -> Value {
            try await database.transaction(logger: logger) { tx in
                let store = RecordStore(registry: registry, tx: tx, env: Env.system(reason: "benchmark", logger: logger))
                return try await registry.methods.method(model, method)!.handler(MethodCall(store: store, ids: ids, args: args, kwargs: [:]))
            }
        }

        // 1. The stores' orders approved, `batch` per transaction, two at once.
        let batches = stride(from: 0, to: orders.count, by: options.batch).map { Array(orders[$0..<min($0 + options.batch, orders.count)]) }
        let confirm = try await CoreBenchmark.timed {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var pending = batches.makeIterator()
                for _ in 0..<2 { if let next = pending.next() { group.addTask { _ = try await call("purchase.order", "button_confirm", ids: next) } } }
                while try await group.next() != nil {
                    if let next = pending.next() { group.addTask { _ = try await call("purchase.order", "button_confirm", ids: next) } }
                }
            }
        }
        let (sales, deliveries, receipts) = try await database.withoutTransaction(logger: logger) { tx in
            try await tx.query("""
                SELECT count(DISTINCT o.auto_sale_order_id), count(DISTINCT d.id), count(DISTINCT r.id) FROM purchase_order o
                LEFT JOIN stock_picking d ON d.sale_id = o.auto_sale_order_id LEFT JOIN stock_picking r ON r.purchase_id = o.id
                WHERE o.id = ANY(\(orders)) AND o.state = 'purchase'
                """)[0].decode((Int64, Int64, Int64).self)
        }
        print(String(format: "store orders approved   %7d orders %9d lines %8.1f s %8.1f orders/s %8.0f lines/s", orders.count, lines, confirm,
                     Double(orders.count) / confirm, Double(lines) / confirm))
        print("    → \(sales) DC sales orders, \(deliveries) DC deliveries through transit, \(receipts) store receipts")

        // 2. The DCs buy what they now deliver: one rule per product, from its first supplier.
        let dcs = try await prepareDCRules(database, orders: orders, logger: logger)
        let node = NodeContext(registry: registry, databases: RuntimeBenchmark.OneDatabase(main: database), identity: BaseIdentity(), logger: logger)
        var bought = Reordering.Outcome()
        let purchasing = try await CoreBenchmark.timed {
            bought = try await Reordering.runAll(JobContext(database: database, node: node, logger: logger), companies: dcs)
        }
        let (requests, suppliers) = try await database.withoutTransaction(logger: logger) { tx in
            try await tx.query("""
                SELECT count(*), count(DISTINCT partner_id) FROM purchase_order
                WHERE company_id = ANY(\(dcs)) AND state = 'draft' AND reorder_date IS NOT NULL
                """)[0].decode((Int64, Int64).self)
        }
        print(String(format: "DC purchasing run       %7d rules  %9d lines %8.1f s → %d new requests for quotation (%d open, to %d suppliers)",
                     bought.rules, bought.lines, purchasing, bought.orders, requests, suppliers))

        // 3. The delivery waves of each delivery day, then the largest wave picked and shipped.
        let days = try await database.withoutTransaction(logger: logger) { tx in
            try await tx.query("""
                SELECT DISTINCT to_char((d.scheduled_date AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') FROM purchase_order o
                JOIN stock_picking d ON d.sale_id = o.auto_sale_order_id WHERE o.id = ANY(\(orders)) AND d.batch_id IS NULL ORDER BY 1
                """).map { try $0.decode(String.self) }
        }
        var waves: [Int64] = []
        let building = try await CoreBenchmark.timed {
            for day in days {
                waves += (try await call("replenishment.delivery.schedule", "build_waves", ids: [], args: [.string(day)])).arrayValue?.compactMap(\.intValue) ?? []
            }
        }
        let made = waves
        let (batched, largest, largestSize) = try await database.withoutTransaction(logger: logger) { tx -> (Int64, Int64, Int64) in
            guard let row = try await tx.query("""
                SELECT (SELECT count(*) FROM stock_picking WHERE batch_id = ANY(\(made))), b.batch_id, b.n
                FROM (SELECT batch_id, count(*) AS n FROM stock_picking WHERE batch_id = ANY(\(made)) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1) b
                """).first else { return (0, 0, 0) }
            return try row.decode((Int64, Int64, Int64).self)
        }
        print(String(format: "waves built             %7d deliveries → %d waves (%d days) %8.2f s", batched, waves.count, days.count, building))
        guard largest > 0 else { return }
        var picks = 0
        let listing = try await CoreBenchmark.timed { picks = (try await call("stock.picking.batch", "pick_list", ids: [largest])).arrayValue?.count ?? 0 }
        let reserving = try await CoreBenchmark.timed { _ = try await call("stock.picking.batch", "action_confirm", ids: [largest]) }
        let shipping = try await CoreBenchmark.timed { _ = try await call("stock.picking.batch", "action_done", ids: [largest]) }
        let (pallets, ready) = try await database.withoutTransaction(logger: logger) { tx in
            try await tx.query("""
                SELECT (SELECT count(DISTINCT ml.result_package_id) FROM stock_move_line ml JOIN stock_picking p ON p.id = ml.picking_id WHERE p.batch_id = \(largest)),
                       (SELECT count(*) FROM stock_picking r JOIN stock_picking s ON s.id = r.shipment_id
                        WHERE s.batch_id = \(largest) AND r.state = 'assigned')
                """)[0].decode((Int64, Int64).self)
        }
        print(String(format: "largest wave (%d stores) pick list %d lines %.2f s · reserve %.2f s · ship %.2f s → %d pallets, %d store receipts ready",
                     largestSize, picks, listing, reserving, shipping, pallets, ready))
        print("")
        print("approved: button_confirm per \(options.batch) orders in a transaction, two transactions at once (delivery days planned, the DC's sales")
        print("order made and confirmed, its delivery reserved, the store's receipt made). DC purchasing: the reordering run over the DCs' rules")
        print("(forecast = on hand − what the stores ordered). Waves: build_waves(day) for each delivery day, one wave per DC, truck run and day.")
    }

    /// The first `stores` stores with a request for quotation to their DC get a delivery
    /// schedule with it (every day, 40 stores per truck run); returns those orders.
    static func prepareSchedules(_ database: Database, stores: Int, logger: Logger) async throws -> [Int64] {
        try await database.transaction(logger: logger) { tx in
            let orders = try await tx.query("""
                SELECT DISTINCT ON (o.company_id) o.id FROM purchase_order o JOIN res_company dc ON dc.partner_id = o.partner_id AND dc.company_kind = 'warehouse'
                WHERE o.state = 'draft' AND o.reorder_date IS NOT NULL ORDER BY o.company_id, o.id LIMIT \(Int64(stores))
                """).map { try $0.decode(Int64.self) }
            try await tx.query("""
                INSERT INTO replenishment_delivery_schedule (company_id, partner_id, monday, tuesday, wednesday, thursday, friday, saturday, sunday,
                                                             cutoff_days, cutoff_hour, route, sequence, create_uid, create_date, write_uid, write_date)
                SELECT o.company_id, o.partner_id, true, true, true, true, true, true, true, 0, 23.5,
                       'R' || lpad((((row_number() OVER (PARTITION BY o.partner_id ORDER BY o.company_id)) - 1) / 40)::text, 3, '0'),
                       row_number() OVER (PARTITION BY o.partner_id ORDER BY o.company_id), 1, now(), 1, now()
                FROM purchase_order o WHERE o.id = ANY(\(orders))
                  AND NOT EXISTS (SELECT 1 FROM replenishment_delivery_schedule s WHERE s.company_id = o.company_id AND s.partner_id = o.partner_id)
                """)
            return orders
        }
    }

    /// Each DC that sells to those stores gets a GS1 prefix and one rule (min 0, max 0) per
    /// product it delivers, from the product's first supplier outside the group; returns the DCs.
    /// The generated DCs hold little of what stores order, and their suppliers' goods are not
    /// received here, so they may ship below zero (`allow_negative_stock`).
    static func prepareDCRules(_ database: Database, orders: [Int64], logger: Logger) async throws -> [Int64] {
        try await database.transaction(logger: logger) { tx in
            let dcs = try await tx.query("""
                SELECT DISTINCT dc.id FROM purchase_order o JOIN res_company dc ON dc.partner_id = o.partner_id WHERE o.id = ANY(\(orders)) ORDER BY 1
                """).map { try $0.decode(Int64.self) }
            try await tx.query("""
                UPDATE res_company SET gs1_company_prefix = coalesce(gs1_company_prefix, '69' || lpad(id::text, 7, '0')), allow_negative_stock = true
                WHERE id = ANY(\(dcs))
                """)
            try await tx.query("""
                INSERT INTO stock_warehouse_orderpoint (warehouse_id, location_id, product_id, company_id, product_min_qty, product_max_qty, qty_multiple,
                                                        supplier_id, create_uid, create_date, write_uid, write_date)
                SELECT DISTINCT ON (w.id, m.product_id) w.id, w.lot_stock_id, m.product_id, w.company_id, 0, 0, 1,
                       (SELECT s.id FROM product_supplierinfo s
                        WHERE s.product_tmpl_id = p.product_tmpl_id AND s.partner_id NOT IN (SELECT partner_id FROM res_company WHERE partner_id IS NOT NULL)
                        ORDER BY s.sequence, s.id LIMIT 1), 1, now(), 1, now()
                FROM stock_move m JOIN stock_warehouse w ON w.lot_stock_id = m.location_id AND w.company_id = ANY(\(dcs))
                JOIN product_product p ON p.id = m.product_id
                WHERE m.state NOT IN ('done', 'cancel', 'draft')
                ON CONFLICT (product_id, location_id, company_id) DO NOTHING
                """)
            try await tx.execute("ANALYZE stock_warehouse_orderpoint")
            return dcs
        }
    }
}
