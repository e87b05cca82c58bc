import Barcode
import Base
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import Stock
import Synchronization

/// `chainstore bench stock`: the inventory hot paths on this machine, with the raw-PostgreSQL
/// figure for the same row writes beside them where it fits. Prints medians; never pass/fail.
public enum StockBenchmark {
    public struct Options: Sendable {
        public var lines = 100
        public var repeats = 5
        public var concurrency = 32
        public var reservations = 2_000
        public var rfidReads = 100_000
        public var quants = 1_000_000
        public init() {}
    }

    static let stock: Int64 = 9, receipts: Int64 = 1, deliveries: Int64 = 2

    public static func run(_ database: Database, options: Options, logger: Logger, print: @Sendable (String) -> Void) async throws {
        let registry = try Modules.registry()
        print("Chainstore stock benchmark — medians of \(options.repeats) runs unless said; as the admin user over the Odoo methods")
        print("")
        let products = try await admin(database, registry, logger) { store in
            try await store.create("product.product", (0..<options.lines).map { ["name": .string("Bench item \($0)"), "type": "product", "standard_price": 3] })
        }

        // 1. Validating a receipt of N lines: with its audit rows, then with the ledger's audit
        // triggers switched off for a moment (the price of auditing every change), and raw SQL.
        var validate: [Double] = []
        var unaudited: [Double] = []
        var raw: [Double] = []
        for run in 0..<options.repeats {
            validate.append(try await validateReceipt(database, registry, logger, products: products))
            try await auditTriggers(database, enabled: false, logger: logger)
            unaudited.append(try await validateReceipt(database, registry, logger, products: products))
            try await auditTriggers(database, enabled: true, logger: logger)
            raw.append(try await CoreBenchmark.timed { try await rawReceipt(database, products: products, run: run, logger: logger) })
        }
        let lines = Double(options.lines)
        print(String(format: "validate a %d-line receipt     %8.1f ms  %8.0f lines/s | raw SQL, same rows (lines, balances, layers, costs) %6.1f ms %8.0f lines/s | ratio %.2fx",
                     options.lines, CoreBenchmark.median(validate) * 1000, lines / CoreBenchmark.median(validate),
                     CoreBenchmark.median(raw) * 1000, lines / CoreBenchmark.median(raw), CoreBenchmark.median(validate) / CoreBenchmark.median(raw)))
        print(String(format: "  of which auditing every move, line and balance change  %6.1f ms (without the audit triggers %.1f ms: +%.0f %%)",
                     (CoreBenchmark.median(validate) - CoreBenchmark.median(unaudited)) * 1000, CoreBenchmark.median(unaudited) * 1000,
                     (CoreBenchmark.median(validate) / CoreBenchmark.median(unaudited) - 1) * 100))

        // 2. Concurrent reservations: one hot product, then many.
        for (label, pool) in [("one hot product", [products[0]]), ("\(products.count) products", products)] {
            let pickings = try await admin(database, registry, logger) { store in
                var ids: [Int64] = []
                for index in 0..<options.reservations {
                    ids += try await store.create("stock.picking", [[
                        "picking_type_id": .int(deliveries), "move_ids": [[0, 0, ["product_id": .int(pool[index % pool.count]), "product_uom_qty": 1]]],
                    ]])
                }
                return ids
            }
            let (seconds, retries, reserved) = try await reserveConcurrently(database, registry, logger, pickings: pickings, concurrency: options.concurrency)
            print(String(format: "reserve %5d deliveries, %2d at once, %@  %8.0f reservations/s, %d retries, %d reserved",
                         pickings.count, options.concurrency, label as NSString, Double(pickings.count) / seconds, retries, reserved))
            try await admin(database, registry, logger) { store in _ = try await call(store, "stock.picking", "action_cancel", pickings) }
        }

        // 3. RFID ingestion with deduplication.
        try await rfid(database, registry, logger, options: options, print: print)

        // 4 and 5. The ledger check and the value at a past date over many balances.
        try await atScale(database, registry, logger, options: options, print: print)
    }

    /// Confirms a receipt of one line per product and times its validation.
    static func validateReceipt(_ database: Database, _ registry: Registry, _ logger: Logger, products: [Int64]) async throws -> Double {
        let picking = try await admin(database, registry, logger) { store in
            let moves: [Value] = products.map { [0, 0, .dict(["product_id": .int($0), "product_uom_qty": 12, "price_unit": 3.5])] }
            let picking = try await store.create("stock.picking", [["picking_type_id": .int(receipts), "move_ids": .array(moves)]])[0]
            _ = try await call(store, "stock.picking", "action_confirm", [picking])
            return picking
        }
        return try await CoreBenchmark.timed {
            try await admin(database, registry, logger) { store in _ = try await call(store, "stock.picking", "button_validate", [picking]) }
        }
    }

    /// Switches the stock ledger's audit triggers on or off (the benchmark's own database only).
    static func auditTriggers(_ database: Database, enabled: Bool, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            for table in ["stock_picking", "stock_move", "stock_move_line", "stock_quant"] {
                for event in ["insert", "update", "delete"] {
                    try await tx.execute("ALTER TABLE \(table) \(enabled ? "ENABLE" : "DISABLE") TRIGGER \(table)_audit_\(event)")
                }
            }
        }
    }

    static func admin<T: Sendable>(_ database: Database, _ registry: Registry, _ logger: Logger, _ body: @Sendable (RecordStore) async throws -> T) async throws -> T {
        try await database.transaction(logger: logger) { tx in
            let env = try await EnvLoader.load(tx, uid: 2, logger: logger)
            return try await body(RecordStore(registry: registry, tx: tx, env: env))
        }
    }

    @discardableResult
    static func call(_ store: RecordStore, _ model: String, _ name: String, _ ids: [Int64], args: [Value] = []) async throws -> Value {
        guard let method = (try Modules.registry()).methods.method(model, name) else {
            throw ChainstoreError.missing("no method \(model).\(name)")
        }
        return try await method.handler(MethodCall(store: store, ids: ids, args: args, kwargs: [:]))
    }

    /// The same row writes as a validated receipt, by hand: done lines, balances upserted,
    /// layers and running costs, in one transaction.
    static func rawReceipt(_ database: Database, products: [Int64], run: Int, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("WITH d AS (SELECT * FROM unnest(")
            sql.bind(.intArray(products), cast: "bigint[]")
            sql += ") AS d(p)), lines AS (INSERT INTO stock_move_line (product_id, product_uom_id, quantity, quantity_product_uom, location_id, "
            sql += "location_dest_id, state, date, company_id, reference) SELECT p, 1, 12, 12, 2, 9, 'done', now(), 1, 'RAW' FROM d), "
            sql += "quants AS (INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity, in_date) "
            sql += "SELECT p, 9, 1, 12, 0, now() FROM d ORDER BY p ON CONFLICT ON CONSTRAINT stock_quant_key DO UPDATE SET quantity = stock_quant.quantity + 12), "
            sql += "layers AS (INSERT INTO stock_valuation_layer (company_id, product_id, quantity, unit_cost, value, create_date) "
            sql += "SELECT 1, p, 12, 3.5, 42, now() FROM d) INSERT INTO stock_product_cost (company_id, product_id, quantity, value) "
            sql += "SELECT 1, p, 12, 42 FROM d ORDER BY p ON CONFLICT (company_id, product_id) DO UPDATE SET quantity = stock_product_cost.quantity + 12, "
            sql += "value = stock_product_cost.value + 42"
            try await tx.query(sql)
            // The rows stay: they balance (lines in, balances, layers and costs up by the same amounts).
        }
    }

    /// `action_confirm` (which reserves) on each transfer, `concurrency` at a time, each in its
    /// own transaction; retries on deadlock or serialization failure are counted, not hidden.
    static func reserveConcurrently(
        _ database: Database, _ registry: Registry, _ logger: Logger, pickings: [Int64], concurrency: Int
    ) async throws -> (Double, Int, Int) {
        // Enough stock for everything, received first.
        let products = try await admin(database, registry, logger) { store in
            var sql = SQLBuilder("SELECT product_id, sum(product_uom_qty) FROM stock_move WHERE picking_id = ANY(")
            sql.bind(.intArray(pickings), cast: "bigint[]")
            sql += ") GROUP BY product_id ORDER BY product_id"
            return try await store.tx.query(sql).map { try $0.decode((Int64, Decimal).self) }
        }
        try await admin(database, registry, logger) { store in
            let moves: [Value] = products.map { [0, 0, .dict(["product_id": .int($0.0), "product_uom_qty": .double(Double("\($0.1)")!)])] }
            let picking = try await store.create("stock.picking", [["picking_type_id": .int(receipts), "move_ids": .array(moves)]])[0]
            _ = try await call(store, "stock.picking", "button_validate", [picking])
        }
        let strict = {
            var noRetries = database
            noRetries.maxRetries = 0
            return noRetries
        }()
        let queue = Queue(pickings)
        let start = ContinuousClock.now
        let retries = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var retried = 0
                    while let picking = queue.next() {
                        while true {
                            do {
                                try await strict.transaction(logger: logger) { tx in
                                    let env = try await EnvLoader.load(tx, uid: 2, logger: logger)
                                    _ = try await call(RecordStore(registry: registry, tx: tx, env: env), "stock.picking", "action_confirm", [picking])
                                }
                                break
                            } catch where DatabaseErrors.isRetryable(error) {
                                retried += 1
                            }
                        }
                    }
                    return retried
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = CoreBenchmark.seconds(ContinuousClock.now - start)
        let reserved = try await admin(database, registry, logger) { store in
            var sql = SQLBuilder("SELECT count(*) FROM stock_move WHERE state = 'assigned' AND picking_id = ANY(")
            sql.bind(.intArray(pickings), cast: "bigint[]")
            sql += ")"
            return try await store.tx.query(sql)[0].decode(Int.self)
        }
        return (seconds, retries, reserved)
    }

    final class Queue: Sendable {
        private let items: Mutex<[Int64]>
        init(_ items: [Int64]) { self.items = Mutex(items.reversed()) }
        func next() -> Int64? { items.withLock { $0.popLast() } }
    }

    static func rfid(_ database: Database, _ registry: Registry, _ logger: Logger, options: Options, print: @Sendable (String) -> Void) async throws {
        let readers = 4
        try await admin(database, registry, logger) { store in
            _ = try await store.create("stock.rfid.reader", (0..<readers).map {
                ["name": .string("Bench door \($0)"), "code": .string("BENCH-\($0)"), "role": "dock", "location_id": .int(stock), "dedup_seconds": 5]
            })
        }
        let batch = 2_000
        let batches = max(1, options.rfidReads / batch / readers)
        let base = Date()
        // Each batch: 1,000 tags read twice within the window (half the reads are duplicates).
        func reads(reader: Int, batchIndex: Int) throws -> [RFIDIngest.Read] {
            var reads: [RFIDIngest.Read] = []
            reads.reserveCapacity(batch)
            let time = base.addingTimeInterval(Double(batchIndex) * 60)
            for tag in 0..<(batch / 2) {
                let serial = reader * 10_000_000 + batchIndex * 10_000 + tag
                let hex = try EPC(pureIdentityURI: "urn:epc:id:sgtin:6901234.056789.\(serial)", scheme: .sgtin96, filter: 1).hex
                reads.append(RFIDIngest.Read(reader: "BENCH-\(reader)", antenna: 1, epc: hex, rssi: -50, time: time))
                reads.append(RFIDIngest.Read(reader: "BENCH-\(reader)", antenna: 2, epc: hex, rssi: -48, time: time.addingTimeInterval(0.5)))
            }
            return reads
        }
        let prepared = try (0..<readers).map { reader in try (0..<batches).map { try reads(reader: reader, batchIndex: $0) } }
        let start = ContinuousClock.now
        let seen = try await withThrowingTaskGroup(of: Int.self) { group in
            for reader in 0..<readers {
                group.addTask {
                    var sightings = 0
                    for reads in prepared[reader] {
                        sightings += try await admin(database, registry, logger) { store in try await RFIDIngest.ingest(store, reads: reads) }.sightings
                    }
                    return sightings
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = CoreBenchmark.seconds(ContinuousClock.now - start)
        let total = readers * batches * batch
        print(String(format: "RFID ingestion: %d reads from %d readers in batches of %d (half duplicates)  %8.0f reads/s, %d sightings kept",
                     total, readers, batch, Double(total) / seconds, seen))
    }

    static func atScale(_ database: Database, _ registry: Registry, _ logger: Logger, options: Options, print: @Sendable (String) -> Void) async throws {
        let side = Int(Double(options.quants).squareRoot().rounded())
        let generated = try await CoreBenchmark.timed {
            let products = try await admin(database, registry, logger) { store in
                try await store.create("product.product", (0..<side).map { ["name": .string("Scale item \($0)"), "type": "product", "standard_price": 2] })
            }
            let bins = try await admin(database, registry, logger) { store in
                try await store.create("stock.location", (0..<side).map { ["name": .string("Bin \($0)"), "location_id": .int(stock)] })
            }
            try await database.transaction(logger: logger) { tx in
                var sql = SQLBuilder("WITH p AS (SELECT unnest(")
                sql.bind(.intArray(products), cast: "bigint[]")
                sql += ") AS id), l AS (SELECT unnest("
                sql.bind(.intArray(bins), cast: "bigint[]")
                sql += ") AS id), lines AS (INSERT INTO stock_move_line (product_id, product_uom_id, quantity, quantity_product_uom, location_id, "
                sql += "location_dest_id, state, date, company_id, reference) SELECT p.id, 1, 5, 5, 2, l.id, 'done', now() - interval '30 days', 1, 'SCALE' "
                sql += "FROM p, l) INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity, in_date) "
                sql += "SELECT p.id, l.id, 1, 5, 0, now() - interval '30 days' FROM p, l"
                try await tx.query(sql)
                var costs = SQLBuilder("WITH p AS (SELECT unnest(")
                costs.bind(.intArray(products), cast: "bigint[]")
                costs += ") AS id), layers AS (INSERT INTO stock_valuation_layer (company_id, product_id, quantity, unit_cost, value, create_date) "
                costs += "SELECT 1, p.id, 5 * \(side), 2, 10 * \(side), now() - interval '30 days' FROM p) "
                costs += "INSERT INTO stock_product_cost (company_id, product_id, quantity, value) SELECT 1, p.id, 5 * \(side), 10 * \(side) FROM p"
                try await tx.query(costs)
            }
            try await database.withoutTransaction(logger: logger) { tx in try await tx.execute("ANALYZE") }
        }
        let count = try await database.transaction(logger: logger) { tx in try await tx.query(SQLBuilder("SELECT count(*) FROM stock_quant"))[0].decode(Int.self) }
        print(String(format: "generated %d balances with their move lines and layers in %.1f s", count, generated))
        var checks: [Double] = []
        var differences = 0
        for _ in 0..<3 {
            checks.append(try await CoreBenchmark.timed {
                differences = try await database.transaction(logger: logger, isolation: .repeatableRead) { tx in try await StockCheck.run(tx) }.count
            })
        }
        var scans: [Double] = []
        for _ in 0..<3 {
            scans.append(try await CoreBenchmark.timed {
                try await database.transaction(logger: logger) { tx in
                    _ = try await tx.query(SQLBuilder("SELECT (SELECT sum(quantity) FROM stock_quant), (SELECT sum(quantity_product_uom) FROM stock_move_line WHERE state = 'done')"))
                }
            })
        }
        print(String(format: "check stock over %d balances   %8.2f s (median of 3), %d differences | raw PostgreSQL reading both tables once %6.2f s",
                     count, CoreBenchmark.median(checks), differences, CoreBenchmark.median(scans)))
        for (label, date) in [("yesterday", "1 day"), ("60 days ago (everything after it taken back out)", "60 days")] {
            let moment = try await database.transaction(logger: logger) { tx in
                try await tx.query(SQLBuilder("SELECT to_char((now() - interval '\(unsafeRaw: date)') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"))[0].decode(String.self)
            }
            for grouping in StockValue.Grouping.allCases {
                var runs: [Double] = []
                var rows = 0
                for _ in 0..<3 {
                    runs.append(try await CoreBenchmark.timed {
                        rows = try await admin(database, registry, logger) { store in
                            try await StockValue.at(store, date: moment, groupBy: grouping)
                        }.count
                    })
                }
                print(String(format: "stock value at %@ by %@ over %d balances  %8.2f s (median of 3), %d rows",
                             label as NSString, grouping.rawValue as NSString, count, CoreBenchmark.median(runs), rows))
            }
        }
    }
}
