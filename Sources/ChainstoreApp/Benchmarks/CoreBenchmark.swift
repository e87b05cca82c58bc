import Base
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// `chainstore bench core`: the model layer against hand-written SQL on the same data, same
/// connection pool, same machine. Prints medians of repeated runs; never pass/fail.
public enum CoreBenchmark {
    public struct Options: Sendable {
        public var rows = 10_000
        public var reads = 1_000
        public var searchRows = 100_000
        public var repeats = 5
        public init() {}
    }

    public static func run(_ database: Database, options: Options, logger: Logger, print: @Sendable (String) -> Void) async throws {
        let registry = try Modules.registry()
        let storeUser = try await prepareUser(database, registry: registry, logger: logger)
        print("Chainstore core benchmark — medians of \(options.repeats) runs; model layer = RecordStore as an ordinary store user (rules + audit)")
        print("")

        // 1. Create N records.
        var modelCreate: [Double] = []
        var rawCreate: [Double] = []
        var rawRowByRow: [Double] = []
        var rawAudited: [Double] = []
        for run in 0..<options.repeats {
            let rows = (0..<options.rows).map { i -> RecordValues in
                ["name": .string("Bench \(run)-\(i)"), "ref": .string("R\(run)-\(i)"), "email": .string("b\(i)@example.cn"),
                 "credit_limit": .double(Double(i % 1000)), "is_company": .bool(i % 7 == 0)]
            }
            modelCreate.append(try await timed {
                try await asUser(database, registry, storeUser, logger) { store in _ = try await store.create("res.partner", rows) }
            })
            rawCreate.append(try await timed { try await rawInsert(database, run: run, count: options.rows, company: storeUser.company, audited: false, logger: logger) })
            rawAudited.append(try await timed { try await rawInsert(database, run: run + 1000, count: options.rows, company: storeUser.company, audited: true, logger: logger) })
            if run == 0 {
                rawRowByRow.append(try await timed { try await rawInsertRowByRow(database, count: options.rows, company: storeUser.company, logger: logger) })
            }
        }
        let createModel = Double(options.rows) / median(modelCreate)
        let createRaw = Double(options.rows) / median(rawCreate)
        print(String(format: "create %6d records   model layer %9.0f rows/s | raw SQL (one unnest INSERT) %9.0f rows/s | ratio %.2fx", options.rows, createModel, createRaw, createRaw / createModel))
        let createAudited = Double(options.rows) / median(rawAudited)
        print(String(format: "                        raw SQL writing the same audit rows in the same statement %9.0f rows/s | ratio %.2fx", createAudited, createAudited / createModel))
        print(String(format: "                        raw SQL row by row in one transaction %9.0f rows/s", Double(options.rows) / rawRowByRow[0]))

        // 2. Fill up to the search size, then read 1,000 × 5 fields.
        try await fill(database, to: options.searchRows, company: storeUser.company, logger: logger)
        let ids = try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("SELECT id FROM res_partner WHERE company_id = ")
            sql.bind(.int(storeUser.company))
            sql += " ORDER BY id LIMIT "
            sql.bind(.int(Int64(options.reads)))
            return try await tx.query(sql).map { try $0.decode(Int64.self) }
        }
        let fields = ["name", "ref", "email", "credit_limit", "is_company"]
        var modelRead: [Double] = []
        var rawRead: [Double] = []
        for _ in 0..<(options.repeats * 4) {
            modelRead.append(try await timed {
                try await asUser(database, registry, storeUser, logger) { store in
                    let rows = try await store.read("res.partner", ids: ids, fields: fields)
                    precondition(rows.count == ids.count)
                }
            })
            rawRead.append(try await timed { try await Self.rawRead(database, ids: ids, logger: logger) })
        }
        print(String(format: "read   %6d × 5 fields  model layer %9.2f ms     | raw SQL %9.2f ms | ratio %.2fx", ids.count, median(modelRead) * 1000, median(rawRead) * 1000, median(modelRead) / median(rawRead)))

        // 3. Search with a 3-term domain.
        let total = try await database.transaction(logger: logger) { tx in
            try await tx.query(SQLBuilder("SELECT count(*) FROM res_partner")).first!.decode(Int64.self)
        }
        let domain = try Domain.parse([["name", "ilike", "99"], ["credit_limit", ">=", 500], ["is_company", "=", false]])
        var modelSearch: [Double] = []
        var rawSearch: [Double] = []
        var found = 0
        for _ in 0..<(options.repeats * 4) {
            modelSearch.append(try await timed {
                found = try await asUser(database, registry, storeUser, logger) { store in
                    try await store.search("res.partner", domain: domain, limit: 80).count
                }
            })
            rawSearch.append(try await timed { try await rawSearchQuery(database, company: storeUser.company, logger: logger) })
        }
        print(String(format: "search 3-term domain on %d rows (%d found, limit 80)  model layer %7.2f ms | raw SQL %7.2f ms | ratio %.2fx", total, found, median(modelSearch) * 1000, median(rawSearch) * 1000, median(modelSearch) / median(rawSearch)))

        // 4. Audit sealing throughput (the cron role's step).
        let sealStart = ContinuousClock.now
        var sealed = 0
        while case let n = try await AuditChain.sealPending(database, logger: logger, batch: 10_000), n > 0 { sealed += n }
        let sealSeconds = seconds(ContinuousClock.now - sealStart)
        print(String(format: "audit sealing: %d rows in %.2f s = %.0f rows/s (one sealer; writers never wait for it)", sealed, sealSeconds, Double(sealed) / max(sealSeconds, 0.000_001)))
    }

    struct BenchUser: Sendable { let uid: Int64; let company: Int64 }

    static func prepareUser(_ database: Database, registry: Registry, logger: Logger) async throws -> BenchUser {
        try await database.transaction(logger: logger) { tx in
            let env = try await EnvLoader.load(tx, uid: 2, logger: logger).asSystem(reason: "benchmark set-up")
            let store = RecordStore(registry: registry, tx: tx, env: env)
            let company = try await store.create("res.company", [["name": "Bench Store", "parent_id": 1]])[0]
            let uid = try await store.create("res.users", [[
                "name": "Bench Cashier", "login": .string("bench.\(company)"), "company_id": .int(company),
                "company_ids": [[6, 0, [.int(company)]]], "groups_id": [[6, 0, [1]]],
            ]])[0]
            return BenchUser(uid: uid, company: company)
        }
    }

    static func asUser<T: Sendable>(
        _ database: Database, _ registry: Registry, _ user: BenchUser, _ logger: Logger, _ body: @Sendable (RecordStore) async throws -> T
    ) async throws -> T {
        try await database.transaction(logger: logger) { tx in
            let env = try await EnvLoader.load(tx, uid: user.uid, logger: logger)
            return try await body(RecordStore(registry: registry, tx: tx, env: env))
        }
    }

    /// The fastest hand-written batch insert; with `audited`, it also writes the audit rows the
    /// model layer writes, in the same statement.
    static func rawInsert(_ database: Database, run: Int, count: Int, company: Int64, audited: Bool, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder(audited ? "WITH ins AS (" : "")
            sql += "INSERT INTO res_partner (name, ref, email, credit_limit, is_company, company_id, type, active, create_date, write_date) SELECT n, r, e, c, i, "
            sql.bind(.int(company), cast: "bigint")
            sql += ", 'contact', true, now(), now() FROM unnest("
            sql.bind(.textArray((0..<count).map { "Raw \(run)-\($0)" }), cast: "text[]")
            sql += ", "
            sql.bind(.textArray((0..<count).map { "RR\(run)-\($0)" }), cast: "text[]")
            sql += ", "
            sql.bind(.textArray((0..<count).map { "r\($0)@example.cn" }), cast: "text[]")
            sql += ", "
            sql.bind(.textArray((0..<count).map { String($0 % 1000) }), cast: "numeric[]")
            sql += ", "
            sql.bind(.textArray((0..<count).map { $0 % 7 == 0 ? "true" : "false" }), cast: "boolean[]")
            sql += ") AS x(n, r, e, c, i)"
            if audited {
                sql += " RETURNING *) INSERT INTO audit_log (uid, model, record_id, operation, company_id, new_values) "
                sql += "SELECT 2, 'res.partner', id, 'create', company_id, jsonb_build_object('name', name, 'ref', ref, 'email', email, "
                sql += "'credit_limit', credit_limit, 'is_company', is_company, 'company_id', company_id, 'type', type, 'active', active) FROM ins"
            }
            try await tx.query(sql)
        }
    }

    static func rawInsertRowByRow(_ database: Database, count: Int, company: Int64, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            for i in 0..<count {
                var sql = SQLBuilder("INSERT INTO res_partner (name, ref, email, credit_limit, is_company, company_id, active, create_date, write_date) VALUES (")
                sql.bind(.text("Row \(i)"))
                sql += ", "
                sql.bind(.text("RW\(i)"))
                sql += ", "
                sql.bind(.text("w\(i)@example.cn"))
                sql += ", "
                sql.bind(.text(String(i % 1000)), cast: "numeric")
                sql += ", "
                sql.bind(.bool(i % 7 == 0))
                sql += ", "
                sql.bind(.int(company))
                sql += ", true, now(), now())"
                try await tx.query(sql)
            }
        }
    }

    static func fill(_ database: Database, to target: Int, company: Int64, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("INSERT INTO res_partner (name, ref, email, credit_limit, is_company, company_id, active) SELECT 'Fill ' || g || '-' || (g % 97), 'F' || g, 'f' || g || '@example.cn', g % 1000, g % 7 = 0, ")
            sql.bind(.int(company), cast: "bigint")
            sql += ", true FROM generate_series(1, greatest(0, "
            sql.bind(.int(Int64(target)), cast: "bigint")
            sql += " - (SELECT count(*) FROM res_partner))) g"
            try await tx.query(sql)
            try await tx.execute("ANALYZE res_partner")
        }
    }

    static func rawRead(_ database: Database, ids: [Int64], logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("SELECT id, name, ref, email, credit_limit::float8, is_company FROM res_partner WHERE id = ANY(")
            sql.bind(.intArray(ids), cast: "bigint[]")
            sql += ")"
            var rows: [RecordValues] = []
            for row in try await tx.query(sql) {
                let (id, name, ref, email, credit, company) = try row.decode((Int64, String?, String?, String?, Double?, Bool).self)
                rows.append(["id": .int(id), "name": name.map(Value.string) ?? .false, "ref": ref.map(Value.string) ?? .false,
                             "email": email.map(Value.string) ?? .false, "credit_limit": .double(credit ?? 0), "is_company": .bool(company)])
            }
            precondition(rows.count == ids.count)
        }
    }

    static func rawSearchQuery(_ database: Database, company: Int64, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("SELECT id FROM res_partner WHERE name ILIKE ")
            sql.bind(.text("%99%"))
            sql += " AND credit_limit >= 500 AND (is_company IS NULL OR NOT is_company) AND active AND company_id = "
            sql.bind(.int(company))
            sql += " ORDER BY name, id LIMIT 80"
            _ = try await tx.query(sql).map { try $0.decode(Int64.self) }
        }
    }

    static func timed(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return seconds(ContinuousClock.now - start)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
