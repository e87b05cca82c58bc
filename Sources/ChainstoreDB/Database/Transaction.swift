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

    init(connection: PostgresConnection, logger: Logger, database: String) {
        self.connection = connection
        self.logger = logger
        self.database = database
    }

    /// Runs `sql` and returns all rows. SQL text is logged at debug level with its bind count,
    /// never the bind values.
    @discardableResult
    public func query(_ sql: SQLBuilder) async throws -> [PostgresRow] {
        logger.debug("sql", metadata: ["sql": "\(sql.text)", "binds": "\(sql.binds.count)"])
        do {
            return try await connection.query(sql.postgresQuery, logger: logger).collect()
        } catch {
            throw DatabaseErrors.translate(error)
        }
    }

    /// Runs `sql` and hands each row to `body` as it arrives, without holding them all: for
    /// results too large to keep twice (a node's whole product index).
    public func forEachRow(_ sql: SQLBuilder, _ body: (PostgresRow) throws -> Void) async throws {
        logger.debug("sql", metadata: ["sql": "\(sql.text)", "binds": "\(sql.binds.count)"])
        do {
            for try await row in try await connection.query(sql.postgresQuery, logger: logger) { try body(row) }
        } catch let error as ChainstoreError {
            throw error
        } catch {
            throw DatabaseErrors.translate(error)
        }
    }

    /// Runs a statement with no bind values (DDL, `SET LOCAL`, …).
    public func execute(_ sql: String) async throws {
        try await query(SQLBuilder(sql))
    }
}

extension SQLBuilder {
    var postgresQuery: PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
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
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }
}

extension Transaction {
    /// Runs a named prepared statement (parsed and planned once per connection): for the hot
    /// paths whose SQL is fixed.
    public func execute<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        logger.debug("sql", metadata: ["prepared": "\(Statement.name)"])
        do {
            var rows: [Statement.Row] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return rows
        } catch {
            throw DatabaseErrors.translate(error)
        }
    }
}
