import ChainstoreCore
import Logging
import Metrics
import NIOCore
import PostgresNIO
import Synchronization

/// One tenant database: a PostgresNIO pool (run as a `Service`) and closure-scoped transactions
/// retried as a whole on serialization failure or deadlock.
public struct Database: Sendable {
    public let name: String
    public let client: PostgresClient
    public var maxRetries = 4
    /// Statements parsed once per connection and reused (nil behind a transaction-mode pooler).
    public let statements: StatementCache?
    /// Standbys for reads that may be a moment old (`read(logger:caller:_:)`); nil: none.
    public var replicas: ReplicaSet?
    /// Whether a COMMIT the server acknowledged with "canceling wait for synchronous
    /// replication" is reported as a failure (`CommitSafety`): on for servers named by URL,
    /// which may have a synchronous standby; the private cluster has none.
    public var watchesSynchronousCommit = false

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
                        let watcher = watchesSynchronousCommit ? await SyncRepWatch.shared.watcher(for: connection) : nil
                        let result = try await Self.run(
                            connection: connection, logger: logger, database: name, statements: statements, isolation: isolation,
                            watcher: watcher, body)
                        await noteCommit(connection, logger: logger)
                        return result
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

    /// After a write committed for a caller (`ReplicaSet.writer`), the primary's WAL position:
    /// that caller's reads go to a replica only once it has replayed this far.
    private func noteCommit(_ connection: PostgresConnection, logger: Logger) async {
        guard let replicas, let caller = ReplicaSet.writer?.uid.withLock({ $0 }) else { return }
        let tx = Transaction(connection: connection, logger: logger, database: name)
        let position = try? await tx.query("SELECT pg_current_wal_lsn()::text").first?.decode(String.self)
        if let position, let lsn = try? ReplicaSet.parseLSN(position) { replicas.noteWrite(caller: caller, lsn: lsn) }
    }

    /// Read-only work where a moment's staleness is acceptable (searches and reads of the generic
    /// API, reports): on a replica that is up, lags less than its bound and has replayed
    /// `caller`'s own last write; otherwise, or when the replica fails, on the primary.
    /// Statement by statement (each takes its own snapshot, as under READ COMMITTED).
    public func read<T: Sendable>(logger: Logger, caller: Int64?, _ body: @Sendable (Transaction) async throws -> T) async throws -> T {
        guard let replicas, let replica = replicas.choose(caller: caller) else { return try await withoutTransaction(logger: logger, body) }
        do {
            return try await replica.database.withoutTransaction(logger: logger, leaseWithin: Self.replicaLeaseLimit, body)
        } catch where CommitSafety.isConnectionLost(error) || DatabaseErrors.isReadOnly(error) || error is LeaseTimedOut {
            // A replica that went away, or work that turned out to write: the primary does it.
            if !DatabaseErrors.isReadOnly(error) {
                replicas.failed(replica)
                logger.warning("replica failed a read; reading from the primary", metadata: ["replica": "\(replica.name)"])
            }
            do { return try await withoutTransaction(logger: logger, body) } catch { throw CommitSafety.beforeCommit(error) }
        }
    }

    /// How long a read waits for a replica's connection before it goes to the primary: a pool
    /// whose server went away keeps its requests waiting while it retries.
    static let replicaLeaseLimit: Duration = .seconds(1)

    /// No connection was lent within the limit (nothing was run).
    struct LeaseTimedOut: Error {}

    /// `withoutTransaction`, unless no connection is lent within `limit`: then `LeaseTimedOut`,
    /// and `body` never runs (a connection lent just after is handed straight back).
    func withoutTransaction<T: Sendable>(
        logger: Logger, leaseWithin limit: Duration, _ body: @Sendable (Transaction) async throws -> T
    ) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let first = OnceFlag()
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await withoutTransaction(logger: logger) { tx in
                        guard first.claim() else { throw LeaseTimedOut() }
                        return try await body(tx)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    if first.claim() { throw LeaseTimedOut() }
                    return nil
                }
                while let next = try await group.next() {
                    if let value = next {
                        group.cancelAll()
                        return value
                    }
                }
                throw LeaseTimedOut()
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

    /// BEGIN, `body`, COMMIT, with the outcome told apart as `CommitSafety` says: a connection
    /// lost before COMMIT saved nothing (`unavailable`); lost during COMMIT, or acknowledged
    /// with a cancelled wait for the synchronous standby, it is unknown (`commitUnknown`), never
    /// success and never retried here.
    static func run<T: Sendable>(
        connection: PostgresConnection, logger: Logger, database: String, statements: StatementCache?, isolation: IsolationLevel,
        watcher: SyncRepNoticeWatcher? = nil, _ body: @Sendable (Transaction) async throws -> T
    ) async throws -> T {
        let tx = Transaction(connection: connection, logger: logger, database: database, statements: statements, inTransaction: true)
        let started = ContinuousClock.now
        let result: T
        do {
            try await tx.execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
            result = try await body(tx)
        } catch {
            // A connection that is gone rolled back with it: nothing is sent on it any more, and it
            // is closed before the pool takes it back, so no other request is lent it.
            if CommitSafety.isConnectionLost(error) {
                await Self.close(connection)
            } else {
                try? await tx.execute("ROLLBACK")
            }
            DatabaseMetrics.rolledBack.record(duration: ContinuousClock.now - started)
            throw CommitSafety.beforeCommit(error)
        }
        _ = watcher?.takeCancelled()
        do {
            try await Self.commit(tx, connection: connection)
        } catch {
            DatabaseMetrics.rolledBack.record(duration: ContinuousClock.now - started)
            guard CommitSafety.isConnectionLost(error) else {
                // The server refused the COMMIT (a deferred constraint, a serialization failure): rolled back.
                try? await tx.execute("ROLLBACK")
                throw error
            }
            await Self.close(connection)
            logger.error("connection lost during COMMIT: outcome unknown", metadata: ["database": "\(database)"])
            throw CommitSafety.duringCommit(error)
        }
        if watcher?.takeCancelled() == true {
            logger.error("COMMIT acknowledged without the synchronous standby (wait cancelled): reported as failed", metadata: ["database": "\(database)"])
            DatabaseMetrics.unreplicatedCommits.increment()
            throw CommitSafety.notReplicated
        }
        DatabaseMetrics.committed.record(duration: ContinuousClock.now - started)
        return result
    }

    /// COMMIT, or the loss of its connection while it is pending, whichever comes first. A
    /// COMMIT whose session the server ended (a terminated backend, a primary gone) has been
    /// seen left unanswered, holding its request until the caller gave up; the connection's
    /// state, looked at every quarter second, is what tells. A COMMIT answered after the loss
    /// is reported lost all the same: an unknown outcome, never a false success.
    static func commit(_ tx: Transaction, connection: PostgresConnection) async throws {
        try await firstOf({ try await tx.execute("COMMIT") }, {
            while !connection.isClosed { try await Task.sleep(for: .milliseconds(250)) }
            throw ChannelError.ioOnClosedChannel
        })
    }

    /// Closes a connection that is gone, so the pool does not lend it again; waits a second at
    /// most (the close of a connection the server ended has been seen never to be answered).
    static func close(_ connection: PostgresConnection) async {
        try? await firstOf({ try await connection.close() }, { try await Task.sleep(for: .seconds(1)) })
    }

    /// The outcome of whichever of `one` and `other` ends first; the other is cancelled and not
    /// waited for (unlike a task group's child, which may never end: an unanswered COMMIT).
    static func firstOf(
        _ one: @escaping @Sendable () async throws -> Void, _ other: @escaping @Sendable () async throws -> Void
    ) async throws {
        let once = OnceFlag()
        let tasks = Mutex<[Task<Void, Never>]>([])
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let finish = { @Sendable (result: Result<Void, any Error>) in
                guard once.claim() else { return }
                continuation.resume(with: result)
                tasks.withLock { $0.forEach { $0.cancel() } }
            }
            // Made under the lock the winner takes to cancel them: a task that ends at once still
            // finds both to cancel.
            tasks.withLock { list in
                list = [one, other].map { work in
                    Task {
                        do {
                            try await work()
                            finish(.success(()))
                        } catch {
                            finish(.failure(error))
                        }
                    }
                }
            }
        }
    }

    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }
}

/// True for the first caller only: who wins a race (a connection lent or the wait given up, an
/// answer or the connection's loss).
private final class OnceFlag: Sendable {
    private let taken = Atomic<Bool>(false)
    func claim() -> Bool { !taken.exchange(true, ordering: .acquiringAndReleasing) }
}
