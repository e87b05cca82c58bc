import ChainstoreCore
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Copies the node's log records into a logs database of their own (`serve --log-database-url`):
/// table `chainstore_log`, partitioned by day (`chainstore_log_pYYYYMMDD`, made two days ahead),
/// partitions older than `retentionDays` dropped. Records wait in a bounded buffer and are written
/// once a second in one statement; a request never waits for the logs database, and when it is
/// away the oldest records are dropped (counted in `chainstore_log_records_dropped_total`).
public final class LogShipper: LogSink, Service {
    let database: Database
    let node: String
    let retentionDays: Int
    let capacity: Int
    private let buffer = Mutex<(records: [LogRecord], dropped: Int)>(([], 0))
    private let logger: Logger
    /// The shipper's own statements are not logged (they would be shipped, and so on).
    private let quiet: Logger = {
        var logger = Logger(label: "chainstore.logs")
        logger.logLevel = .warning
        return logger
    }()

    public init(database: Database, node: String, retentionDays: Int = 30, capacity: Int = 20_000, logger: Logger) {
        self.database = database
        self.node = node
        self.retentionDays = retentionDays
        self.capacity = capacity
        self.logger = logger
    }

    public func accept(_ record: LogRecord) {
        buffer.withLock { state in
            if state.records.count >= capacity {
                state.records.removeFirst(state.records.count - capacity + 1)
                state.dropped += 1
            }
            state.records.append(record)
        }
    }

    public func run() async throws {
        var failing = false
        var maintained = ContinuousClock.now - .seconds(3600)
        await withGracefulShutdownHandler {
            while !Task.isCancelled {
                do {
                    if ContinuousClock.now - maintained >= .seconds(3600) {
                        try await maintain()
                        maintained = .now
                    }
                    try await flush()
                    failing = false
                } catch {
                    // Said once per outage, not once a second (and never shipped in a loop).
                    if !failing { logger.warning("logs database unreachable; records wait in memory", metadata: ["error": "\(error)"]) }
                    failing = true
                }
                try? await Task.sleep(for: .seconds(1))
            }
        } onGracefulShutdown: {}
        try? await flush()
    }

    /// The table, today's and the next two days' partitions, and no partition older than the
    /// retention.
    public func maintain(today: Date = Date()) async throws {
        let (retention, days) = (retentionDays, (0...2).map { today.addingTimeInterval(Double($0) * 86_400) })
        // Every node maintains the table: one at a time (CREATE … IF NOT EXISTS is not safe side by side).
        try await database.transaction(logger: quiet) { tx in
            try await tx.execute("SELECT pg_advisory_xact_lock(hashtext('chainstore_log'))")
            try await tx.execute("""
                CREATE TABLE IF NOT EXISTS chainstore_log (
                    at timestamptz NOT NULL, level text NOT NULL, node text NOT NULL, source text NOT NULL,
                    message text NOT NULL, request_id text, metadata jsonb NOT NULL DEFAULT '{}'
                ) PARTITION BY RANGE (at)
                """)
            for day in days {
                let name = Self.partition(day)
                let (from, to) = (Self.isoDay(day), Self.isoDay(day.addingTimeInterval(86_400)))
                try await tx.execute("""
                    CREATE TABLE IF NOT EXISTS \(name) PARTITION OF chainstore_log FOR VALUES FROM ('\(from)') TO ('\(to)')
                    """)
                try await tx.execute("CREATE INDEX IF NOT EXISTS \(name)_at ON \(name) (at)")
            }
            let oldest = Self.partition(today.addingTimeInterval(-Double(retention) * 86_400))
            let old = try await tx.query("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'chainstore_log'::regclass AND c.relname < \(oldest) ORDER BY 1
                """).map { try $0.decode(String.self) }
            for name in old where name.hasPrefix("chainstore_log_p") && name.dropFirst(16).allSatisfy(\.isNumber) {
                try await tx.execute("DROP TABLE \(name)")
            }
        }
    }

    /// Writes what is buffered in one INSERT; kept for the next try when it fails.
    public func flush() async throws {
        let (records, dropped) = buffer.withLock { state -> ([LogRecord], Int) in
            defer { state = ([], 0) }
            return (state.records, state.dropped)
        }
        if dropped > 0 { Counter(label: "chainstore_log_records_dropped_total").increment(by: dropped) }
        guard !records.isEmpty else { return }
        do {
            let sql: SQLBuilder = """
                INSERT INTO chainstore_log (at, level, node, source, message, request_id, metadata)
                SELECT a::timestamptz, l, \(node), s, m, nullif(r, ''), d::jsonb
                FROM unnest(\(records.map { LogRecord.timestamp($0.at) }), \(records.map(\.level.rawValue)), \(records.map(\.source)),
                            \(records.map(\.message)), \(records.map { $0.metadata["request_id"] ?? "" }), \(records.map(\.metadataJSON)))
                     AS x(a, l, s, m, r, d)
                """
            _ = try await database.withoutTransaction(logger: quiet) { tx in try await tx.query(sql) }
        } catch {
            buffer.withLock { state in
                state.records = Array((records + state.records).suffix(capacity))
            }
            throw error
        }
    }

    /// The share of error and critical records among those of the last `window` (nil: none).
    public func errorShare(within window: Duration) async throws -> Double? {
        let seconds = Double(window.components.seconds)
        return try await database.withoutTransaction(logger: quiet) { tx in
            let row = try await tx.one("""
                SELECT count(*) FILTER (WHERE level IN ('error', 'critical')), count(*) FROM chainstore_log
                WHERE at > now() - \(seconds) * interval '1 second'
                """)
            let (errors, total) = try row.decode((Int64, Int64).self)
            return total == 0 ? nil : Double(errors) / Double(total)
        }
    }

    static func partition(_ day: Date) -> String { "chainstore_log_p" + isoDay(day).replacingOccurrences(of: "-", with: "") }

    static func isoDay(_ day: Date) -> String { String(LogRecord.timestamp(day).prefix(10)) }
}
