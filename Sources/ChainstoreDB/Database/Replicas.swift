import ChainstoreCore
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Standbys that take read-only work where a moment's staleness is acceptable (`serve
/// --replica-url`). A monitor asks every replica how far it has replayed the primary's WAL a few
/// times a second, and the primary how far it has written; a read goes to a replica that is up,
/// lags less than `maxLag` and has replayed the caller's own last write (read-your-writes: the
/// WAL position after that write's commit, kept per caller on this node); otherwise to the
/// primary. A replica that fails a read is skipped until the monitor sees it again, and the read
/// runs on the primary. Runs as a `Service`.
public final class ReplicaSet: Service, Sendable {
    public struct Replica: Sendable {
        public let name: String
        public let database: Database
        public init(name: String, database: Database) {
            self.name = name
            self.database = database
        }
    }

    /// The caller whose writes this task commits (set around a write by the RPC layer and by
    /// `CallerSession`): their commit position becomes the fence their next reads wait for.
    @TaskLocal public static var writer: Writer?

    /// Who commits a write: a box, since a caller signing in with a login is known only once
    /// the transaction has checked it.
    public final class Writer: Sendable {
        let uid: Mutex<Int64?>
        public init(_ uid: Int64? = nil) { self.uid = Mutex(uid) }
        public func set(_ uid: Int64) { self.uid.withLock { $0 = uid } }
    }

    public let replicas: [Replica]
    let primary: Database
    public let maxLag: Duration
    let interval: Duration
    /// How long one measure of the primary or a replica may take before it counts as out of reach.
    let measureWithin: Duration
    private let logger: Logger
    private let state = Mutex(State())
    /// Reads each replica served (`chainstore_replica_reads_total{replica}`), made once.
    private let served: [Counter]

    struct Position: Sendable {
        var up = false
        var replayed: UInt64 = 0
        var lagSeconds = Double.infinity
        /// The replica's address reached a primary (a proxy that falls back to the primary):
        /// reads through it go on, counted as the primary's.
        var onPrimary = false
    }

    struct State: Sendable {
        var positions: [Position]
        /// The primary's WAL position as sampled, newest last (a minute's worth).
        var written: [(at: ContinuousClock.Instant, lsn: UInt64)] = []
        /// Each caller's last commit position, and when it was noted.
        var fences: [Int64: (lsn: UInt64, at: ContinuousClock.Instant)] = [:]
        var next = 0
        init(count: Int = 0) { positions = Array(repeating: Position(), count: count) }
    }

    public init(
        primary: Database, replicas: [Replica], maxLag: Duration = .seconds(1), interval: Duration = .milliseconds(200),
        measureWithin: Duration = .seconds(1), logger: Logger
    ) {
        self.primary = primary
        self.replicas = replicas
        self.maxLag = maxLag
        self.interval = interval
        self.measureWithin = measureWithin
        self.logger = logger
        served = replicas.map { Counter(label: "chainstore_replica_reads_total", dimensions: [("replica", $0.name)]) }
        state.withLock { $0 = State(count: replicas.count) }
    }

    // MARK: Routing

    /// A replica fit for a read by `caller` (nil: the primary), counted in the metrics.
    func choose(caller: Int64?) -> Replica? {
        let now = ContinuousClock.now
        let (index, reason): (Int?, String) = state.withLock { state in
            let fence = caller.flatMap { state.fences[$0] }.flatMap { now - $0.at < maxLag + .seconds(1) ? $0.lsn : nil } ?? 0
            var reason = "down"
            for offset in 0..<state.positions.count {
                let index = (state.next + offset) % state.positions.count
                let position = state.positions[index]
                guard position.up else { continue }
                guard position.lagSeconds <= maxLag.seconds else { reason = "lagging"; continue }
                guard position.replayed >= fence else { reason = "own_write"; continue }
                state.next = index + 1
                return (index, position.onPrimary ? "replica_address_on_primary" : "fresh")
            }
            return (nil, reason)
        }
        Self.reads[reason]?.increment()
        guard let index else { return nil }
        served[index].increment()
        return replicas[index]
    }

    /// Reads by where they went and why, made once (a read is a hot path).
    private static let reads: [String: Counter] = Dictionary(uniqueKeysWithValues: [
        ("fresh", "replica"), ("down", "primary"), ("lagging", "primary"), ("own_write", "primary"), ("replica_address_on_primary", "primary"),
    ].map { reason, target in (reason, Counter(label: "chainstore_db_reads_total", dimensions: [("target", target), ("reason", reason)])) })

    /// A replica failed a read: skipped until the monitor sees it answer again.
    func failed(_ replica: Replica) {
        state.withLock { state in
            if let index = replicas.firstIndex(where: { $0.name == replica.name }) { state.positions[index].up = false }
        }
    }

    /// The caller committed up to `lsn` on the primary.
    func noteWrite(caller: Int64, lsn: UInt64) {
        state.withLock { $0.fences[caller] = (lsn, ContinuousClock.now) }
    }

    // MARK: Monitor

    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled {
                await poll()
                try? await Task.sleep(for: interval)
            }
        } onGracefulShutdown: {}
    }

    private static let positionQuery: SQLBuilder =
        "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text, pg_is_in_recovery()"

    func poll() async {
        let now = ContinuousClock.now
        let (primary, logger, limit) = (self.primary, self.logger, self.measureWithin)
        let written = await Deadline.value(within: limit) { try await Self.position(of: primary, logger: logger) }
        // All at once, each given `measureWithin`: a replica that is gone makes its pool wait and
        // retry a refused connection, and must not hold up the measure of the others.
        let replayed = await withTaskGroup(of: (Int, (lsn: UInt64, standby: Bool)?).self) { group in
            for (index, replica) in replicas.enumerated() {
                group.addTask { (index, await Deadline.value(within: limit) { try await Self.role(of: replica.database, logger: logger) }) }
            }
            var found = [(lsn: UInt64, standby: Bool)?](repeating: nil, count: replicas.count)
            for await (index, position) in group { found[index] = position }
            return found
        }
        let positions: [Position] = state.withLock { state in
            if let written {
                state.written.append((now, written))
                state.written.removeAll { now - $0.at > .seconds(60) }
            }
            for (index, found) in replayed.enumerated() {
                guard let (lsn, standby) = found else {
                    state.positions[index] = Position()
                    continue
                }
                // Lag in time: since the oldest sample of the primary's position this replica has not reached.
                let behind = state.written.first { $0.lsn > lsn }
                state.positions[index] = Position(up: true, replayed: lsn, lagSeconds: behind.map { (now - $0.at).seconds } ?? 0, onPrimary: !standby)
            }
            // A fence older than the lag bound is implied by it: any replica fit for reads has replayed it.
            state.fences = state.fences.filter { now - $0.value.at < maxLag + .seconds(1) }
            return state.positions
        }
        for (replica, position) in zip(replicas, positions) {
            Gauge(label: "chainstore_replica_up", dimensions: [("replica", replica.name)]).record(position.up ? 1 : 0)
            if position.up {
                Gauge(label: "chainstore_replica_lag_seconds", dimensions: [("replica", replica.name)]).record(position.lagSeconds)
                if let written {
                    Gauge(label: "chainstore_replica_lag_bytes", dimensions: [("replica", replica.name)])
                        .record(Double(written > position.replayed ? written - position.replayed : 0))
                }
            }
        }
    }

    static func position(of database: Database, logger: Logger) async throws -> UInt64 {
        try await role(of: database, logger: logger).lsn
    }

    /// How far the server has written (a primary) or replayed (a standby), and which it is.
    static func role(of database: Database, logger: Logger) async throws -> (lsn: UInt64, standby: Bool) {
        try await database.withoutTransaction(logger: logger) { tx in
            let (lsn, standby) = try await tx.one(positionQuery).decode((String, Bool).self)
            return (try parseLSN(lsn), standby)
        }
    }

    /// PostgreSQL's `X/Y` WAL position as one number.
    public static func parseLSN(_ text: String) throws -> UInt64 {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16) else {
            throw ChainstoreError(.internalError, "Unexpected WAL position '\(text)'")
        }
        return high << 32 | low
    }

    /// What the monitor knows (the replica-lag alert reads it).
    public var snapshot: [(name: String, up: Bool, lagSeconds: Double)] {
        let positions = state.withLock { $0.positions }
        return zip(replicas, positions).map { ($0.name, $1.up, $1.lagSeconds) }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
