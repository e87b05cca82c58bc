import ChainstoreCore
import Logging
import Metrics
import PostgresNIO

/// One tenant database: a PostgresNIO pool (run as a `Service`) and closure-scoped transactions
/// retried as a whole on serialization failure or deadlock.
public struct Database: Sendable {
    public let name: String
    public let client: PostgresClient
    public var maxRetries = 4
    /// Statements parsed once per connection and reused (nil behind a transaction-mode pooler).
    public let statements: StatementCache?

    /// Statements kept per connection by default: the generic path's shapes (a model's search,
    /// read and rules for a kind of user) and the hot paths, with room to spare.
    public static let defaultStatementCacheCapacity = 256

    public init(name: String, client: PostgresClient, statements: StatementCache? = StatementCache(capacity: Database.defaultStatementCacheCapacity)) {
        self.name = name
        self.client = client
        self.statements = statements
    }

    /// Runs `body` in a transaction; the whole closure runs again (up to `maxRetries` times) when
    /// PostgreSQL reports a serialization failure or deadlock, so `body` must be safe to repeat.
    public func transaction<T: Sendable>(
        logger: Logger, isolation: IsolationLevel = .readCommitted, _ body: @Sendable (Transaction) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            do {
                let requested = ContinuousClock.now
                return try await client.withConnection { connection in
                    DatabaseMetrics.leaseWait.record(duration: ContinuousClock.now - requested)
                    DatabaseMetrics.inUse.increment()
                    defer { DatabaseMetrics.inUse.decrement() }
                    return try await releasing(connection, logger: logger) {
                        try await Self.run(
                            connection: connection, logger: logger, database: name, statements: statements, isolation: isolation, body)
                    }
                }
            } catch let error where DatabaseErrors.isRetryable(error) && attempt < maxRetries {
                attempt += 1
                DatabaseMetrics.retries.increment()
                logger.info("transaction retried", metadata: ["attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(10 << attempt))))
            }
        }
    }

    /// Runs `body` in a transaction, or statement by statement when `transaction` is false.
    public func run<T: Sendable>(logger: Logger, transaction: Bool, _ body: @Sendable (Transaction) async throws -> T) async throws -> T {
        transaction ? try await self.transaction(logger: logger, body) : try await withoutTransaction(logger: logger, body)
    }

    /// Runs `body` on a connection without a transaction (each statement commits by itself).
    public func withoutTransaction<T: Sendable>(logger: Logger, _ body: @Sendable (Transaction) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            DatabaseMetrics.inUse.increment()
            defer { DatabaseMetrics.inUse.decrement() }
            return try await releasing(connection, logger: logger) {
                try await body(Transaction(connection: connection, logger: logger, database: name, statements: statements))
            }
        }
    }

    /// Runs `body` on a leased connection, then closes the connection if the statement cache
    /// retired it (the pool replaces it).
    private func releasing<T: Sendable>(_ connection: PostgresConnection, logger: Logger, _ body: () async throws -> T) async throws -> T {
        guard let statements else { return try await body() }
        do {
            let result = try await body()
            await statements.closeIfRetired(connection, logger: logger)
            return result
        } catch {
            await statements.closeIfRetired(connection, logger: logger)
            throw error
        }
    }

    static func run<T: Sendable>(
        connection: PostgresConnection, logger: Logger, database: String, statements: StatementCache?, isolation: IsolationLevel,
        _ body: @Sendable (Transaction) async throws -> T
    ) async throws -> T {
        let tx = Transaction(connection: connection, logger: logger, database: database, statements: statements, inTransaction: true)
        let started = ContinuousClock.now
        try await tx.execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
        do {
            let result = try await body(tx)
            try await tx.execute("COMMIT")
            DatabaseMetrics.committed.record(duration: ContinuousClock.now - started)
            return result
        } catch {
            try? await tx.execute("ROLLBACK")
            DatabaseMetrics.rolledBack.record(duration: ContinuousClock.now - started)
            throw error
        }
    }

    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }
}
