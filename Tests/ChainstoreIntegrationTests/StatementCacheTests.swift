import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

@Suite("Statement cache", .enabled(if: TestDatabase.isAvailable))
struct StatementCacheTests {
    /// Named statements the server holds for this session (read without values, so not cached).
    static func held(_ tx: Transaction) async throws -> Int {
        try await tx.query("SELECT count(*)::bigint FROM pg_prepared_statements")[0].decode(Int64.self).asInt
    }

    static func answer(_ tx: Transaction, _ value: Int64) async throws -> Int64 {
        let sql: SQLBuilder = "SELECT \(value) + 1"
        return try await tx.query(sql)[0].decode(Int64.self)
    }

    /// Runs `body` in a session of another pool on the same database.
    static func elsewhere(_ database: Database, _ body: @escaping @Sendable (Transaction) async throws -> Void) async throws {
        let location = try await TestDatabase.location(database: database.name)
        try await location.withDatabase(logger: TestDatabase.logger, create: false) { other in
            try await other.withoutTransaction(logger: TestDatabase.logger, body)
        }
    }

    static func pid(_ tx: Transaction) async throws -> Int64 {
        try await tx.query("SELECT pg_backend_pid()::bigint")[0].decode(Int64.self)
    }

    @Test func aStatementIsParsedOncePerConnectionAndSurvivesDiscardAll() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let first: Int64 = try await database.withoutTransaction(logger: TestDatabase.logger) { tx in
                let before = try await Self.held(tx)
                #expect(try await Self.answer(tx, 1) == 2)
                #expect(try await Self.answer(tx, 41) == 42)
                // One statement for two executions with different values.
                #expect(try await Self.held(tx) == before + 1)

                // The server forgets every statement (a pooler's reset does this): the call still
                // answers, and the connection is retired when released.
                try await tx.execute("DISCARD ALL")
                #expect(try await Self.held(tx) == 0)
                #expect(try await Self.answer(tx, 2) == 3)
                return try await Self.pid(tx)
            }
            for _ in 0..<3 {
                let (pid, value): (Int64, Int64) = try await database.withoutTransaction(logger: TestDatabase.logger) { tx in
                    (try await Self.pid(tx), try await Self.answer(tx, 5))
                }
                #expect(pid != first)
                #expect(value == 6)
            }
        }
    }

    @Test func aConnectionHoldingTooManyStatementsIsReplaced() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let small = Database(name: database.name, client: database.client, statements: StatementCache(capacity: 2))
            let (first, held): (Int64, Int) = try await small.withoutTransaction(logger: TestDatabase.logger) { tx in
                for value in 0..<3 {
                    let sql: SQLBuilder = "SELECT \(Int64(value)) + \(unsafeRaw: String(value))"
                    #expect(try await tx.query(sql)[0].decode(Int64.self) == Int64(2 * value))
                }
                return (try await Self.pid(tx), try await Self.held(tx))
            }
            #expect(held >= 3)
            let second = try await small.withoutTransaction(logger: TestDatabase.logger) { try await Self.pid($0) }
            #expect(second != first)
        }
    }

    @Test func aSchemaChangeMadeElsewhereIsSurvivedInsideAndOutsideATransaction() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            try await database.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.execute("CREATE TABLE cache_probe (a bigint)")
                try await tx.execute("INSERT INTO cache_probe VALUES (7)")
            }
            let read: @Sendable (Transaction) async throws -> Int = { tx in
                let sql: SQLBuilder = "SELECT * FROM cache_probe WHERE a = \(Int64(7))"
                return try await tx.query(sql)[0].makeRandomAccess().count
            }
            // Every pooled connection parses the statement.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask { _ = try await database.transaction(logger: TestDatabase.logger) { try await read($0) } }
                }
                try await group.waitForAll()
            }
            // Another session changes the table's shape: the held plans no longer fit.
            try await Self.elsewhere(database) { tx in try await tx.execute("ALTER TABLE cache_probe ADD COLUMN b text") }
            for _ in 0..<8 {
                #expect(try await database.transaction(logger: TestDatabase.logger) { try await read($0) } == 2)
                #expect(try await database.withoutTransaction(logger: TestDatabase.logger) { try await read($0) } == 2)
            }
        }
    }

    @Test func aMigrationMovesToNewStatementsAndAReconnectStartsAfresh() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let cache = try #require(database.statements)
            let pid: Int64 = try await database.withoutTransaction(logger: TestDatabase.logger) { tx in
                _ = try await Self.answer(tx, 1)
                let held = try await Self.held(tx)
                cache.invalidate()
                // The same text is parsed again under a new name.
                #expect(try await Self.answer(tx, 1) == 2)
                #expect(try await Self.held(tx) == held + 1)
                return try await Self.pid(tx)
            }
            // The connection dies; the pool opens another, where statements are parsed anew.
            try await Self.elsewhere(database) { tx in
                let kill: SQLBuilder = "SELECT pg_terminate_backend(\(pid)::integer)"
                try await tx.query(kill)
            }
            var answered = false
            for _ in 0..<20 where !answered {
                do {
                    answered = try await database.withoutTransaction(logger: TestDatabase.logger) { try await Self.answer($0, 9) } == 10
                } catch {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(answered)
        }
    }

    @Test func valuesOfEveryKindTravelThroughAPreparedStatement() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            try await database.withoutTransaction(logger: TestDatabase.logger) { tx in
                let amount = Decimal(string: "12.345")!
                let names = ["零", "x'y"]
                let sql: SQLBuilder = """
                    SELECT \(amount) * 2, \(names)::text[] @> ARRAY['零'], \([Int64(3), 4]) || 5::bigint, \(true) AND true, \(2.5) * 2, \(Optional<Int64>.none) IS NULL
                    """
                for _ in 0..<7 {  // past the point where PostgreSQL may switch to a generic plan
                    let row = try await tx.query(sql)[0].makeRandomAccess()
                    #expect(try row[0].decode(Decimal.self) == Decimal(string: "24.690")!)
                    #expect(try row[1].decode(Bool.self))
                    #expect(try row[2].decode([Int64].self) == [3, 4, 5])
                    #expect(try row[3].decode(Bool.self))
                    #expect(try row[4].decode(Double.self) == 5)
                    #expect(try row[5].decode(Bool.self))
                }
            }
        }
    }
}

private extension Int64 {
    var asInt: Int { Int(self) }
}
