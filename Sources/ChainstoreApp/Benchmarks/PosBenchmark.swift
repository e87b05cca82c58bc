import AsyncHTTPClient
import ChainstoreCore
import ChainstoreDB
import Foundation
import Glibc
import Logging

/// `chainstore bench pos`: POS sales on a running node, beside raw PostgreSQL in the same run.
///
/// Sets up `tills` tills over the Odoo API (one per store, each with its own session, cash method
/// and five products of its own, priced by the server for that store), then, round after round:
/// - each till (one connection each) sends 5-line cash sales through
///   `pos.order.create_from_ui` for `seconds`, one order a request and then batches of 20, every
///   order under a key no other uses; sales per second, p50 and p99 per request;
/// - pgbench, `tills` clients, runs one transaction per sale doing the same row writes (receipt
///   counter, order and its register row, lines, payment and their audit rows, moves, move lines, balances and their
///   audit rows, valuation layers, running costs) on scratch tables with the same columns and
///   indexes, without the foreign keys and triggers.
/// Prints figures and their medians, never pass/fail.
public enum PosBenchmark {
    public struct Options: Sendable {
        public var url = "http://127.0.0.1:8069"
        public var databaseName = "demo"
        public var login = "admin"
        public var password = "admin"
        public var tills = 64
        public var seconds = 15
        public var batches = [1, 20]
        public var rounds = 3
        public var lines = 5
        /// Rates (sales/s) offered on a fixed schedule after the closed-loop rounds: latency at a
        /// given load, measured from each sale's planned start (a late start counts as waiting).
        public var rates: [Double] = []
        /// pgbench's connection arguments (`-h socketdir -U user db`, or a URL); nil: no raw figure.
        public var pgbench: [String]?
        public init() {}
    }

    struct Product: Sendable {
        let id: Int64
        let price: Decimal
    }

    struct Till: Sendable {
        let session: Int64, cash: Int64, company: Int64
        let products: [Product]
    }

    /// JSON-RPC `execute_kw` as one user.
    struct RPC: Sendable {
        let client: HTTPClient
        let options: Options
        let uid: Int64

        func call(_ model: String, _ method: String, _ args: [Value], _ kwargs: RecordValues = [:], company: Int64? = nil) async throws -> Value {
            var keywords = kwargs
            if let company { keywords["context"] = .dict(["allowed_company_ids": .array([.int(company)])]) }
            let body: Value = .dict(["jsonrpc": "2.0", "method": "call", "id": 1, "params": .dict([
                "service": "object", "method": "execute_kw",
                "args": .array([.string(options.databaseName), .int(uid), .string(options.password), .string(model), .string(method),
                                .array(args), .dict(keywords)]),
            ])])
            let answer = try await GenericBenchmark.post(options.url + "/jsonrpc", body: GenericBenchmark.json(body), contentType: "application/json",
                                                         client: client)
            guard case .dict(let object) = try JSONReader.parse(answer), let result = object["result"] else {
                throw ChainstoreError.userError("\(model).\(method): \(String(decoding: answer.prefix(400), as: UTF8.self))")
            }
            return result
        }
    }

    public static func run(_ database: Database, options: Options, logger: Logger, print: @Sendable (String) -> Void) async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = options.tills + 2
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await measure(database, client: client, options: options, logger: logger, print: print)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func measure(_ database: Database, client: HTTPClient, options: Options, logger: Logger, print: @Sendable (String) -> Void) async throws {
        let user = GenericBenchmark.User(label: "bench", login: options.login, password: options.password)
        var generic = GenericBenchmark.Options()
        generic.url = options.url
        generic.databaseName = options.databaseName
        guard let uid = try await GenericBenchmark.login(user, options: generic) else {
            throw ChainstoreError.accessError("\(options.login) cannot sign in to \(options.databaseName) at \(options.url)")
        }
        let rpc = RPC(client: client, options: options, uid: uid)
        let existing = try await database.transaction(logger: logger) { tx in
            try await tx.query("SELECT count(*) FROM pos_order").first?.decode(Int64.self) ?? 0
        }
        let tills = try await setUp(rpc, count: options.tills)
        print("Chainstore POS sales — \(ProcessInfo.processInfo.activeProcessorCount) cores, node at \(options.url), \(tills.count) tills, "
              + "\(options.lines)-line cash sales, \(existing) orders stored before the run, \(options.seconds) s per figure")
        // Warm-up: statement caches, the catalogue cache, the connections.
        _ = try await load(rpc, tills: tills, batch: 1, lines: options.lines, seconds: 3)
        if options.pgbench != nil { try await makeScratchTables(database, tills: options.tills, logger: logger) }
        var ours: [Int: [Double]] = [:]
        var raw: [Double] = []
        for round in 1...options.rounds {
            for batch in options.batches {
                let result = try await load(rpc, tills: tills, batch: batch, lines: options.lines, seconds: options.seconds)
                ours[batch, default: []].append(result.salesPerSecond)
                print(String(format: "  round %d, chainstore, %2d order(s) a request: sales/s %6.0f  p50 %6.1f ms  p99 %7.1f ms  (%d requests, %d errors)",
                             round, batch, result.salesPerSecond, result.p50 * 1000, result.p99 * 1000, result.requests, result.errors))
                if let error = result.firstError { print("    first error: \(error)") }
            }
            if let connection = options.pgbench {
                let (tps, latency) = try pgbench(connection, tills: options.tills, seconds: options.seconds)
                raw.append(tps)
                print(String(format: "  round %d, raw PostgreSQL (pgbench, %d clients, same row writes): sales/s %6.0f  latency average %.1f ms",
                             round, options.tills, tps, latency))
            }
        }
        if options.pgbench != nil { try await dropScratchTables(database, logger: logger) }
        for rate in options.rates {
            let result = try await load(rpc, tills: tills, batch: 1, lines: options.lines, seconds: options.seconds, rate: rate)
            print(String(format: "  offered %5.0f sales/s on a schedule: done %6.0f sales/s  p50 %6.1f ms  p99 %7.1f ms  (%d requests, %d errors)",
                         rate, result.salesPerSecond, result.p50 * 1000, result.p99 * 1000, result.requests, result.errors))
            if let error = result.firstError { print("    first error: \(error)") }
        }
        let rawMedian = CoreBenchmark.median(raw)
        for batch in options.batches {
            let median = CoreBenchmark.median(ours[batch] ?? [])
            print(String(format: "median of %d rounds, %2d order(s) a request: chainstore %.0f sales/s", options.rounds, batch, median)
                  + (raw.isEmpty ? "" : String(format: ", raw PostgreSQL %.0f sales/s, ratio %.0f %%", rawMedian, median / rawMedian * 100)))
        }
    }

    /// One till per store (stores are companies with a parent and no children), a second per
    /// store when there are fewer stores than tills.
    static func setUp(_ rpc: RPC, count: Int) async throws -> [Till] {
        let run = String(UUID().uuidString.prefix(6))
        let companies = try await rpc.call("res.company", "search_read", [.array([])], ["fields": ["parent_id"], "order": "id", "limit": .int(20_000)])
        var parents = Set<Int64>()
        var children: [(id: Int64, parent: Int64)] = []
        for company in companies.arrayValue ?? [] {
            guard let id = company.dictValue?["id"]?.intValue, let parent = company.dictValue?["parent_id"]?.arrayValue?.first?.intValue else { continue }
            parents.insert(parent)
            children.append((id, parent))
        }
        let stores = children.map(\.id).filter { !parents.contains($0) }.prefix(count)
        guard !stores.isEmpty else { throw ChainstoreError.missing("No store companies in this database") }
        let templates = try await rpc.call("product.template", "create", [.array((0..<(count * 5)).map { index -> Value in
            .dict(["name": .string("Bench \(run) \(index)"), "list_price": .int(Int64(10 + index % 7)), "type": "product"])
        })]).arrayValue?.compactMap(\.intValue) ?? []
        let variants = try await rpc.call("product.product", "search_read", [.array([.array(["product_tmpl_id", "in", .array(templates.map(Value.int))])])],
                                          ["fields": ["product_tmpl_id"]])
        var byTemplate: [Int64: Int64] = [:]
        for variant in variants.arrayValue ?? [] {
            if let id = variant.dictValue?["id"]?.intValue, let template = variant.dictValue?["product_tmpl_id"]?.arrayValue?.first?.intValue {
                byTemplate[template] = id
            }
        }
        let products = templates.compactMap { byTemplate[$0] }
        var tills: [Till] = []
        for index in 0..<count {
            let store = stores[stores.startIndex + index % stores.count]
            if try await rpc.call("stock.warehouse", "search", [.array([.array(["company_id", "=", .int(store)])])], company: store).arrayValue?.isEmpty ?? true {
                _ = try await rpc.call("stock.warehouse", "create", [.dict(["name": .string("Bench \(store)"), "code": .string("B" + String(store, radix: 36).uppercased()),
                                                                           "company_id": .int(store)])], company: store)
            }
            let cash = try await rpc.call("pos.payment.method", "create", [.dict(["name": .string("Cash \(run) \(index)"), "type": "cash",
                                                                                  "company_id": .int(store)])], company: store)
            guard let cashID = cash.intValue ?? cash.arrayValue?.first?.intValue else { throw ChainstoreError.missing("No cash method made") }
            let till = try await rpc.call("pos.config", "create", [.dict(["name": .string("Bench \(run) \(index)"), "company_id": .int(store),
                                                                          "payment_method_ids": .array([.array([6, 0, .array([.int(cashID)])])])])],
                                          company: store)
            guard let tillID = till.intValue ?? till.arrayValue?.first?.intValue else { throw ChainstoreError.missing("No till made") }
            let session = try await rpc.call("pos.session", "create", [.array([.dict(["config_id": .int(tillID)])])], company: store)
            guard let sessionID = session.arrayValue?.first?.intValue ?? session.intValue else { throw ChainstoreError.missing("No session made") }
            _ = try await rpc.call("pos.session", "set_cashbox_pos", [.array([.int(sessionID)]), 0], company: store)
            let own = products[(index * 5)..<min(products.count, index * 5 + 5)]
            let priced = try await rpc.call("product.pricelist", "price_lines", [.array(own.map { .array([.int($0), 1]) }), .int(store)], company: store)
            tills.append(Till(session: sessionID, cash: cashID, company: store, products: (priced.arrayValue ?? []).compactMap { line in
                guard let fields = line.dictValue, let id = fields["product_id"]?.intValue, let price = fields["price_subtotal_incl"]?.doubleValue else { return nil }
                return Product(id: id, price: Decimal(string: String(format: "%.2f", price)) ?? 0)
            }))
        }
        return tills
    }

    struct LoadResult: Sendable {
        var requests = 0, errors = 0
        var salesPerSecond = 0.0, p50 = 0.0, p99 = 0.0
        var firstError: String?
    }

    /// Every till sends, one request after the other, on its own connection, until `seconds` pass.
    /// With a `rate` (sales/s for all tills), each till's sales are planned at even intervals
    /// (tills staggered) and each latency is counted from the planned start, so a slow answer
    /// that delays the next sale shows in the figures instead of lowering the load.
    static func load(_ rpc: RPC, tills: [Till], batch: Int, lines: Int, seconds: Int, rate: Double? = nil) async throws -> LoadResult {
        let prefix = String(UUID().uuidString.prefix(8)).lowercased()
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .seconds(seconds)
        let outcomes = try await withThrowingTaskGroup(of: (latencies: [Double], sales: Int, errors: Int, error: String?).self) { group in
            for (index, till) in tills.enumerated() {
                group.addTask {
                    var latencies: [Double] = []
                    var sales = 0, errors = 0, counter = 0
                    var first: String?
                    let interval = rate.map { Duration.seconds(Double(tills.count) / $0) }
                    var planned = start + (interval.map { $0 * (Double(index) / Double(tills.count)) } ?? .zero)
                    while clock.now < deadline {
                        counter += 1
                        let orders = (1...batch).map { order(till, key: "\(prefix)-\(index)-\(counter)-\($0)", lines: lines) }
                        let began: ContinuousClock.Instant
                        if let interval {
                            if planned >= deadline { break }
                            try await Task.sleep(until: planned, clock: clock)
                            began = planned
                            planned += interval
                        } else {
                            began = clock.now
                        }
                        do {
                            let answer = try await rpc.call("pos.order", "create_from_ui", [.array(orders), false], company: till.company)
                            let created = (answer.arrayValue ?? []).filter { $0.dictValue?["status"]?.stringValue == "created" }.count
                            sales += created
                            if created != batch {
                                errors += 1
                                if first == nil { first = String(describing: answer).prefix(300).description }
                            }
                        } catch {
                            errors += 1
                            if first == nil { first = "\(error)".prefix(300).description }
                        }
                        let elapsed = clock.now - began
                        latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    }
                    return (latencies, sales, errors, first)
                }
            }
            var all: [(latencies: [Double], sales: Int, errors: Int, error: String?)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let elapsed = clock.now - start
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let latencies = outcomes.flatMap(\.latencies).sorted()
        var result = LoadResult()
        result.requests = latencies.count
        result.errors = outcomes.reduce(0) { $0 + $1.errors }
        result.salesPerSecond = Double(outcomes.reduce(0) { $0 + $1.sales }) / wall
        result.p50 = RuntimeBenchmark.percentile(latencies, 0.5)
        result.p99 = RuntimeBenchmark.percentile(latencies, 0.99)
        result.firstError = outcomes.compactMap(\.error).first
        return result
    }

    /// One paid cash sale in Odoo's `create_from_ui` envelope, priced as the server prices it.
    static func order(_ till: Till, key: String, lines: Int) -> Value {
        var total = Decimal(0)
        var sent: [Value] = []
        for index in 0..<lines {
            let product = till.products[index % till.products.count]
            total += product.price
            let price = Value.double(NSDecimalNumber(decimal: product.price).doubleValue)
            sent.append(.array([0, 0, .dict(["uuid": .string("\(key)-\(index + 1)"), "product_id": .int(product.id), "qty": 1, "price_unit": price,
                                             "discount": 0, "price_subtotal_incl": price])]))
        }
        let amount = Value.double(NSDecimalNumber(decimal: total).doubleValue)
        return .dict(["id": .string(key), "data": .dict([
            "name": .string("Order \(key)"), "uid": .string(key), "pos_session_id": .int(till.session), "amount_total": amount, "amount_tax": 0,
            "amount_paid": amount, "amount_return": 0, "lines": .array(sent),
            "statement_ids": .array([.array([0, 0, .dict(["payment_method_id": .int(till.cash), "amount": amount])])]), "access_token": .string(key),
        ])])
    }

    // MARK: raw PostgreSQL

    static let scratchTables = ["bench_counter", "bench_order", "bench_register", "bench_line", "bench_payment", "bench_audit", "bench_move",
                                "bench_move_line", "bench_quant", "bench_layer", "bench_cost"]

    /// Scratch tables with the same columns and indexes as the tables a sale writes, without
    /// foreign keys or triggers.
    static func makeScratchTables(_ database: Database, tills: Int, logger: Logger) async throws {
        let statements = [
            "DROP TABLE IF EXISTS " + scratchTables.joined(separator: ", "),
            "CREATE TABLE bench_counter (id integer PRIMARY KEY, n integer NOT NULL DEFAULT 0)",
            "INSERT INTO bench_counter SELECT g, 0 FROM generate_series(1, \(tills)) g",
            "CREATE TABLE bench_order (LIKE pos_order INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)",
            "CREATE TABLE bench_register (LIKE pos_order_register INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)",
            "CREATE TABLE bench_line (LIKE pos_order_line INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)",
            "CREATE TABLE bench_payment (LIKE pos_payment INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)",
            "CREATE TABLE bench_audit (LIKE audit_log INCLUDING DEFAULTS)",
            "ALTER TABLE bench_audit ADD PRIMARY KEY (id, at)",
            "CREATE INDEX ON bench_audit (model, record_id)",
            "CREATE INDEX ON bench_audit (txid, id) WHERE txid IS NOT NULL",
            "CREATE TABLE bench_move (LIKE stock_move INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)",
            "CREATE TABLE bench_move_line (LIKE stock_move_line INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)",
            "CREATE TABLE bench_quant (LIKE stock_quant INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)",
            "CREATE TABLE bench_layer (LIKE stock_valuation_layer INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)",
            "CREATE TABLE bench_cost (LIKE stock_product_cost INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS)",
            "INSERT INTO bench_cost (company_id, product_id, quantity, value) SELECT 1, g, 100, 600 FROM generate_series(1, \(tills * 5 + 5)) g",
        ]
        try await database.transaction(logger: logger) { tx in
            for statement in statements { try await tx.execute(statement) }
        }
    }

    static func dropScratchTables(_ database: Database, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in try await tx.execute("DROP TABLE IF EXISTS " + scratchTables.joined(separator: ", ")) }
    }

    /// pgbench's script: one sale of five lines as one transaction, statement by statement.
    static func saleScript(tills: Int) -> String {
        """
        \\set till random(1, \(tills))
        BEGIN;
        UPDATE bench_counter SET n = n + 1 WHERE id = :till;
        WITH o AS (
            INSERT INTO bench_order (name, session_id, company_id, access_token, content_hash, amount_total, amount_tax, amount_paid, state, date_order, create_uid, create_date, write_uid, write_date)
            VALUES ('POS/00001-0001', :till, 1, md5(random()::text), md5(random()::text), 50, 0, 50, 'paid', now(), 2, now(), 2, now()) RETURNING *),
        r AS (
            INSERT INTO bench_register (order_id, create_date, company_id, access_token, session_id, session_seq)
            SELECT id, create_date, company_id, access_token, session_id, id FROM o),
        l AS (
            INSERT INTO bench_line (order_id, product_id, qty, price_unit, price_subtotal, price_subtotal_incl, company_id, uuid, create_uid, create_date, write_uid, write_date)
            SELECT o.id, :till * 5 + g, 1, 10, 10, 10, 1, md5(random()::text), 2, now(), 2, now() FROM o, generate_series(1, 5) g RETURNING *),
        p AS (
            INSERT INTO bench_payment (pos_order_id, payment_method_id, amount, session_id, company_id, create_uid, create_date, write_uid, write_date)
            SELECT o.id, 1, 50, :till, 1, 2, now(), 2, now() FROM o RETURNING *)
        INSERT INTO bench_audit (uid, model, record_id, operation, company_id, new_values)
        SELECT 2, 'pos.order', id, 'create', 1, to_jsonb(o) FROM o UNION ALL SELECT 2, 'pos.order.line', id, 'create', 1, to_jsonb(l) FROM l UNION ALL SELECT 2, 'pos.payment', id, 'create', 1, to_jsonb(p) FROM p;
        WITH m AS (
            INSERT INTO bench_move (name, reference, origin, product_id, product_uom_qty, product_uom, product_qty, quantity, picked, location_id, location_dest_id, picking_type_id, company_id, state, date, create_uid, create_date, write_uid, write_date)
            SELECT 'POS/00001-0001', 'POS/00001-0001', 'POS/00001-0001', :till * 5 + g, 1, 1, 1, 1, true, :till, 3, 1, 1, 'done', now(), 2, now(), 2, now() FROM generate_series(1, 5) g RETURNING *),
        ml AS (
            INSERT INTO bench_move_line (move_id, product_id, product_uom_id, quantity, quantity_product_uom, picked, location_id, location_dest_id, state, reference, company_id, date, create_uid, create_date, write_uid, write_date)
            SELECT m.id, m.product_id, 1, 1, 1, true, m.location_id, 3, 'done', m.reference, 1, now(), 2, now(), 2, now() FROM m RETURNING *),
        q AS (
            INSERT INTO bench_quant (product_id, location_id, company_id, quantity, reserved_quantity, in_date, create_uid, create_date, write_uid, write_date)
            SELECT :till * 5 + g, :till, 1, -1, 0, now(), 2, now(), 2, now() FROM generate_series(1, 5) g ORDER BY 1
            ON CONFLICT (product_id, location_id, lot_id, package_id, owner_id) DO UPDATE SET quantity = bench_quant.quantity + excluded.quantity, write_date = now()
            RETURNING *)
        INSERT INTO bench_audit (uid, model, record_id, operation, company_id, new_values)
        SELECT 2, 'stock.move', id, 'create', 1, to_jsonb(m) FROM m UNION ALL SELECT 2, 'stock.move.line', id, 'create', 1, to_jsonb(ml) FROM ml UNION ALL SELECT 2, 'stock.quant', id, 'write', 1, to_jsonb(q) FROM q;
        INSERT INTO bench_layer (company_id, product_id, stock_move_id, quantity, unit_cost, value, description, create_uid, create_date, write_uid, write_date)
        SELECT 1, :till * 5 + g, g, -1, 6, -6, 'POS/00001-0001', 2, now(), 2, now() FROM generate_series(1, 5) g;
        UPDATE bench_cost SET quantity = quantity - 1, value = value - 6 WHERE company_id = 1 AND product_id BETWEEN :till * 5 + 1 AND :till * 5 + 5;
        COMMIT;

        """
    }

    /// Runs pgbench on the sale script; (transactions per second, average latency in ms).
    static func pgbench(_ connection: [String], tills: Int, seconds: Int) throws -> (Double, Double) {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("chainstore-bench-pos-\(UUID().uuidString).sql")
        try saleScript(tills: tills).write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let (status, text) = try Subprocess.run(["pgbench", "-n", "-c", "\(tills)", "-j", "2", "-T", "\(seconds)", "-M", "prepared", "-f", script.path] + connection)
        func figure(after prefix: String) -> Double? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
            return line.dropFirst(prefix.count).split(separator: " ").first.flatMap { Double($0) }
        }
        guard status == 0, let tps = figure(after: "tps = ") else {
            throw ChainstoreError.userError("pgbench failed (is it installed? apt-get install postgresql-contrib): \(text.suffix(400))")
        }
        return (tps, figure(after: "latency average = ") ?? 0)
    }

}
