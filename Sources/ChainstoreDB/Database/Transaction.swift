import ChainstoreCore
import Logging
import NIOCore
import PostgresNIO

/// A connection inside an open transaction, lent to a closure by `Database.transaction`.
/// Never escapes the closure; business code does not commit — the edge does.
public struct Transaction: Sendable {
    let connection: PostgresConnection
    public let logger: Logger
    /// Name of the database (tenant) the transaction runs in: the scope of per-database caches.
    public let database: String
    /// Statements already parsed on this connection (nil: every statement is parsed anew).
    let statements: StatementCache?
    /// Inside BEGIN … COMMIT: a failed statement aborts the transaction, so it cannot be retried alone.
    let inTransaction: Bool

    init(connection: PostgresConnection, logger: Logger, database: String, statements: StatementCache? = nil, inTransaction: Bool = false) {
        self.connection = connection
        self.logger = logger
        self.database = database
        self.statements = statements
        self.inTransaction = inTransaction
    }

    /// Runs `sql` and returns all rows. SQL text is logged at debug level with its bind count,
    /// never the bind values. A statement with values goes through the connection's statement
    /// cache when the database has one: parsed once, then only bound and executed.
    @discardableResult
    public func query(_ sql: SQLBuilder) async throws -> [PostgresRow] {
        logger.debug("sql", metadata: ["sql": "\(sql.text)", "binds": "\(sql.binds.count)"])
        do {
            try ensureOpen()
            if let statements, StatementCache.isPreparable(sql) { return try await prepared(sql, statements) }
            return try await connection.query(sql.postgresQuery, logger: logger).collect()
        } catch {
            throw DatabaseErrors.translate(error)
        }
    }

    /// The one row a statement answers (a row locked or made just before): none is a missing
    /// record, never an index out of range.
    public func one(_ sql: SQLBuilder) async throws -> PostgresRow {
        guard let row = try await query(sql).first else { throw ChainstoreError.missing("The record this needs does not exist (any more).") }
        return row
    }

    private func prepared(_ sql: SQLBuilder, _ statements: StatementCache) async throws -> [PostgresRow] {
        do {
            return try await statements.execute(sql, on: connection, logger: logger)
        } catch {
            guard let lost = StatementCache.lostStatement(error) else { throw error }
            switch lost {
            case .connectionLost:
                // The server forgot this connection's statements: it is closed when released.
                statements.retire(connection)
            case .shapeChanged:
                // The schema changed under every connection: statements are parsed again.
                statements.invalidate()
            }
            logger.info("prepared statement lost on the server", metadata: ["inTransaction": "\(inTransaction)"])
            // Inside a transaction the failure aborted it: the whole transaction runs again.
            guard !inTransaction else {
                throw ChainstoreError(.concurrency, "The database schema changed during the operation; please retry.", underlying: error)
            }
            return try await connection.query(sql.postgresQuery, logger: logger).collect()
        }
    }

    /// Runs `sql` and hands each row to `body` as it arrives, without holding them all: for
    /// results too large to keep twice (a node's whole product index).
    public func forEachRow(_ sql: SQLBuilder, _ body: (PostgresRow) throws -> Void) async throws {
        logger.debug("sql", metadata: ["sql": "\(sql.text)", "binds": "\(sql.binds.count)"])
        do {
            try ensureOpen()
            for try await row in try await connection.query(sql.postgresQuery, logger: logger) { try body(row) }
        } catch let error as ChainstoreError {
            throw error
        } catch {
            throw DatabaseErrors.translate(error)
        }
    }

    /// Refuses to send on a connection that is already closed (the server ended the session, a
    /// primary went away between two statements): PostgresNIO drops a statement written to a
    /// closed channel without ever answering it, so its caller would wait for ever. The error is
    /// a lost connection (`CommitSafety`): nothing more is sent on it, and it is not lent again.
    func ensureOpen() throws {
        if connection.isClosed { throw ChannelError.ioOnClosedChannel }
    }

    /// Runs a statement with no bind values (DDL, `SET LOCAL`, …).
    public func execute(_ sql: String) async throws {
        try await query(SQLBuilder(sql))
    }
}

extension SQLBuilder {
    var postgresQuery: PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
        appendBinds(to: &bindings)
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }

    func appendBinds(to bindings: inout PostgresBindings) {
        for bind in binds {
            switch bind {
            case .int(let i): bindings.append(i)
            case .double(let d): bindings.append(d)
            case .text(let s): bindings.append(s)
            case .bool(let b): bindings.append(b)
            case .intArray(let a): bindings.append(a)
            case .textArray(let a): bindings.append(a)
            case .bytes(let b): bindings.append(ByteBuffer(bytes: b))
            case .null: bindings.appendNull()
            }
        }
    }
}

extension Transaction {
    /// Runs a named prepared statement (parsed and planned once per connection): for the hot
    /// paths whose SQL is fixed.
    public func execute<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        logger.debug("sql", metadata: ["prepared": "\(Statement.name)"])
        do {
            try ensureOpen()
            var rows: [Statement.Row] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return rows
        } catch {
            throw DatabaseErrors.translate(error)
        }
    }
}
