import ChainstoreCore
import Crypto
import Logging
import PostgresNIO
import Synchronization

/// Statements PostgreSQL has parsed once on a connection, kept by SQL text so later executions
/// only bind and run (no parse, no analysis, and a plan PostgreSQL may reuse).
///
/// Statements are PostgresNIO's own named prepared statements (`PostgresPreparedStatement`),
/// named after a digest of their SQL text and the cache's generation: PostgresNIO prepares a name
/// on a connection the first time it runs there and only binds and executes it afterwards. Its
/// statements cannot be deallocated one by one, so this cache bounds them per connection and
/// retires the connection (closes it when its lease ends; the pool opens a fresh one) when:
/// - it holds more than `capacity` statements (a node that runs many shapes of query);
/// - the server lost its statements (`DISCARD ALL`).
/// `invalidate()` moves every connection to new names, so nothing parsed before is used again:
/// after a migration here, and when a schema change made elsewhere changed a statement's result
/// ("cached plan must not change result type"). A statement that failed for either reason is run
/// again unprepared outside a transaction; inside one, the transaction is run again.
///
/// Never used through a pooler in transaction mode (pgbouncer `pool_mode = transaction`), where
/// the next transaction may run on a server connection that never saw the statement: the database
/// URL says so with `pool_mode=transaction`, and the node runs without a cache.
public final class StatementCache: Sendable {
    public let capacity: Int

    private struct Connection {
        var names: Set<String> = []
        var retire = false
    }

    private struct State {
        var connections: [PostgresConnection.ID: Connection] = [:]
        var generation = 0
    }

    private let state = Mutex(State())

    public init(capacity: Int) {
        precondition(capacity > 0, "a statement cache holds at least one statement")
        self.capacity = capacity
    }

    /// The number of statements prepared on open connections (for tests and metrics).
    public var count: Int { state.withLock { $0.connections.values.reduce(0) { $0 + $1.names.count } } }

    /// Stops using every statement parsed so far: statements are parsed again under new names.
    public func invalidate() {
        state.withLock { $0.generation += 1 }
    }

    /// Whether `sql` can be prepared (PostgreSQL prepares queries and data changes only).
    static func isPreparable(_ sql: SQLBuilder) -> Bool {
        guard !sql.binds.isEmpty else { return false }
        let head = sql.text.drop { $0 == " " || $0 == "\n" || $0 == "(" }.prefix(7).uppercased()
        return ["SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "VALUES"].contains { head.hasPrefix($0) }
    }

    /// Runs `sql` as a prepared statement on `connection` (PostgresNIO prepares it on first use).
    func execute(_ sql: SQLBuilder, on connection: PostgresConnection, logger: Logger) async throws -> [PostgresRow] {
        let text = sql.text
        let digest = Self.digest(text)
        let (name, isNew): (String, Bool) = state.withLock { state in
            let name = "cs\(state.generation)_" + digest
            let isNew = state.connections[connection.id] == nil
            var held = state.connections[connection.id] ?? Connection()
            held.names.insert(name)
            if held.names.count > capacity { held.retire = true }
            state.connections[connection.id] = held
            return (name, isNew)
        }
        // Outside the lock: a connection already closed runs the callback at once.
        if isNew { connection.closeFuture.whenComplete { [weak self] _ in self?.forget(connection) } }
        var bindings = PostgresBindings(capacity: sql.binds.count)
        sql.appendBinds(to: &bindings)
        let shape = CachedStatement.Shape(name: name, sql: text, types: sql.binds.map(\.dataType))
        return try await CachedStatement.$shape.withValue(shape) {
            var rows: [PostgresRow] = []
            for try await row in try await connection.execute(CachedStatement(bindings: bindings), logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// Marks `connection` to be closed when its lease ends (its statements no longer match the
    /// server's).
    func retire(_ connection: PostgresConnection) {
        state.withLock { $0.connections[connection.id]?.retire = true }
    }

    /// Closes `connection` if it was marked to retire; called as its lease ends.
    func closeIfRetired(_ connection: PostgresConnection, logger: Logger) async {
        guard state.withLock({ $0.connections[connection.id]?.retire ?? false }) else { return }
        forget(connection)
        logger.info("connection closed to drop its prepared statements")
        try? await connection.close()
    }

    private func forget(_ connection: PostgresConnection) {
        _ = state.withLock { $0.connections.removeValue(forKey: connection.id) }
    }

    /// The first 128 bits of the SQL's SHA-256, in hex: statements are named
    /// `cs<generation>_<digest>`, so the same text has the same name on every connection and two
    /// texts never share one. Computed outside the cache's lock.
    static func digest(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).prefix(16).hexDigits()
    }

    enum LostStatement {
        /// The server session no longer has the statement (`DISCARD ALL`, `DEALLOCATE`).
        case connectionLost
        /// A table the statement reads changed its shape ("cached plan must not change result type").
        case shapeChanged
    }

    /// Whether `error` says the server's copy of a statement no longer matches what PostgresNIO
    /// believes it prepared, and how.
    static func lostStatement(_ error: any Error) -> LostStatement? {
        guard let server = ServerError(error) else { return nil }
        if server.sqlState == "26000" { return .connectionLost }
        if server.sqlState == "0A000", (server.message ?? "").contains("cached plan must not change result type") { return .shapeChanged }
        return nil
    }
}

/// One statement of the cache as PostgresNIO's prepared-statement type: its name and SQL are
/// those of the call in progress (a task-local value, read by PostgresNIO as the call starts).
struct CachedStatement: PostgresPreparedStatement {
    struct Shape: Sendable {
        let name: String
        let sql: String
        let types: [PostgresDataType]
    }

    @TaskLocal static var shape = Shape(name: "", sql: "", types: [])

    static var name: String { shape.name }
    static var sql: String { shape.sql }
    static var bindingDataTypes: [PostgresDataType] { shape.types }

    typealias Row = PostgresRow

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension SQLBind {
    /// The type the value is sent as (unspecified for NULL: the statement's context decides).
    var dataType: PostgresDataType {
        switch self {
        case .int: return .int8
        case .double: return .float8
        case .text: return .text
        case .bool: return .bool
        case .intArray: return .int8Array
        case .textArray: return .textArray
        case .bytes: return .bytea
        case .null: return PostgresDataType(0)
        }
    }
}
