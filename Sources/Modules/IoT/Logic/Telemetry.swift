import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import Metrics
import Synchronization

/// Telemetry samples (`tele/{stream}` with `samples: [{"m": name, "v": value}]`, IoT spec §6,
/// §12) are buffered and written in batches: at 500 samples, after 200 ms, or at once when a QoS 1
/// message waits for its acknowledgement (the broker keeps it until it is stored). One batch is
/// one transaction and three statements: the samples into the day's partition with the devices'
/// latest values, every device heard from seen (online again, announced), and the alert rules on
/// the new values.
public final class TelemetryWriter: Sendable {
    public struct Sample: Sendable {
        public let uid: String, metric: String, millis: Int64, value: Double?, text: String?, seq: Int64?
    }

    struct State {
        var samples: [Sample] = []
        /// Devices heard from without samples (heartbeats, events): marked seen with the batch.
        var beats: Set<String> = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var oldest: ContinuousClock.Instant?
    }

    public static let flushAt = 500
    public static let flushAfter = Duration.milliseconds(200)
    /// Samples held while the database is slow before QoS 0 senders wait too.
    static let backlog = 50_000
    static let written = Counter(label: "chainstore_iot_samples_total", dimensions: [("result", "stored")])
    static let refused = Counter(label: "chainstore_iot_samples_total", dimensions: [("result", "dropped")])

    let database: Database
    let logger: Logger
    private let state = Mutex(State())

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Adds samples, or a device heard from (`beat`: a heartbeat or an event, marked seen with
    /// the next batch instead of a transaction per message); with `acknowledged`, returns once
    /// they are committed (or throws).
    public func add(_ samples: [Sample], beat: String? = nil, acknowledged: Bool) async throws {
        guard !samples.isEmpty || beat != nil else { return }
        // The samples and their waiter go in together: the batch that takes them answers it.
        try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
            let waits = state.withLock { state in
                state.samples += samples
                if let beat { state.beats.insert(beat) }
                if state.oldest == nil { state.oldest = .now }
                guard acknowledged || state.samples.count + state.beats.count > Self.backlog else { return false }
                state.waiters.append(waiter)
                return true
            }
            if !waits { waiter.resume() }
        }
    }

    /// Writes batches until cancelled.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
            let (batch, beats, waiters) = state.withLock { state -> ([Sample], Set<String>, [CheckedContinuation<Void, any Error>]) in
                guard let oldest = state.oldest,
                    state.samples.count + state.beats.count >= Self.flushAt || !state.waiters.isEmpty || ContinuousClock.now - oldest >= Self.flushAfter
                else { return ([], [], []) }
                defer { state = State() }
                return (state.samples, state.beats, state.waiters)
            }
            guard !batch.isEmpty || !beats.isEmpty || !waiters.isEmpty else { continue }
            do {
                try await write(batch, beats: beats)
                Self.written.increment(by: batch.count)
                for waiter in waiters { waiter.resume() }
            } catch {
                Self.refused.increment(by: batch.count)
                logger.warning("telemetry batch not stored", metadata: ["samples": "\(batch.count)", "error": "\(error)"])
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
        let waiters = state.withLock { state in
            defer { state = State() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
    }

    func write(_ batch: [Sample], beats: Set<String>) async throws {
        // Samples a device dated more than a day back or five minutes ahead have no partition to
        // go to (or a clock to fix): counted and dropped.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let kept = batch.filter { $0.millis > now - 86_400_000 && $0.millis < now + 300_000 }
        if kept.count < batch.count { Self.refused.increment(by: batch.count - kept.count) }
        let uids = kept.map(\.uid), metrics = kept.map(\.metric), millis = kept.map(\.millis)
        let values = kept.map { $0.value.map { "\($0)" } ?? "" }, texts = kept.map { $0.text ?? "" }, seqs = kept.map { $0.seq ?? -1 }
        // Every device heard from (samples, heartbeats, events) is seen once, in one statement:
        // its last-seen time moves on once a second at most.
        let heard = beats.union(uids).sorted()
        guard !heard.isEmpty else { return }
        try await database.transaction(logger: logger) { tx in
            if !kept.isEmpty {
                let store: SQLBuilder = """
                    WITH s AS (
                        SELECT u AS uid, n AS name, to_timestamp(ms / 1000.0) AS ts, nullif(v, '')::float8 AS value, nullif(t, '') AS value_text,
                            nullif(q, -1) AS seq
                        FROM unnest(\(uids), \(metrics), \(millis), \(values), \(texts), \(seqs)) AS x(u, n, ms, v, t, q)),
                    new_metric AS (INSERT INTO iot_metric (name) SELECT DISTINCT name FROM s ORDER BY 1 ON CONFLICT DO NOTHING RETURNING id, name),
                    m AS (SELECT id, name FROM iot_metric WHERE name IN (SELECT name FROM s) UNION ALL SELECT id, name FROM new_metric),
                    d AS (SELECT id, uid FROM iot_device WHERE uid IN (SELECT uid FROM s) AND state <> 'retired'),
                    r AS (SELECT d.id AS device_id, s.ts, m.id AS metric, s.value, s.value_text, s.seq FROM s JOIN d ON d.uid = s.uid JOIN m ON m.name = s.name),
                    stored AS (INSERT INTO iot_telemetry (device_id, ts, metric, value, value_text, seq) SELECT * FROM r RETURNING 1)
                    INSERT INTO iot_device_state (device_id, metric, ts, value, value_text)
                    SELECT DISTINCT ON (device_id, metric) device_id, metric, ts, value, value_text FROM r ORDER BY device_id, metric, ts DESC
                    ON CONFLICT (device_id, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value, value_text = excluded.value_text
                        WHERE iot_device_state.ts <= excluded.ts
                    """
                try await tx.query(store)
            }
            try await DeviceIngest.seen(tx, database: database.name, uids: heard, touchEvery: 1)
            if !kept.isEmpty {
                try await Alerts.observe(tx, database: database.name, uids: uids, metrics: metrics, millis: millis, values: values)
            }
        }
    }

    /// The samples of a telemetry body (`samples`, each `m` and `v`, dated by the body's `ts` or,
    /// without one, now); nil when the body has none or is malformed.
    static func samples(of body: OrderedDictionary<String, Value>, uid: String) -> [Sample]? {
        guard case .array(let items)? = body["samples"], !items.isEmpty, items.count <= 1000 else { return nil }
        let millis: Int64
        if case .string(let text)? = body["ts"] {
            guard let parsed = Timestamp.millis(rfc3339: text) else { return nil }
            millis = parsed
        } else {
            millis = Int64(Date().timeIntervalSince1970 * 1000)
        }
        let seq = body["seq"]?.intValue
        var samples: [Sample] = []
        samples.reserveCapacity(items.count)
        for item in items {
            guard case .dict(let sample) = item, case .string(let name)? = sample["m"], Metric.valid(name) else { return nil }
            switch sample["v"] {
            case .int(let number)?: samples.append(Sample(uid: uid, metric: name, millis: millis, value: Double(number), text: nil, seq: seq))
            case .double(let number)? where number.isFinite:
                samples.append(Sample(uid: uid, metric: name, millis: millis, value: number, text: nil, seq: seq))
            case .bool(let flag)?: samples.append(Sample(uid: uid, metric: name, millis: millis, value: flag ? 1 : 0, text: nil, seq: seq))
            case .string(let text)? where text.utf8.count <= 256 && !text.isEmpty:
                samples.append(Sample(uid: uid, metric: name, millis: millis, value: nil, text: text, seq: seq))
            default: return nil
            }
        }
        return samples
    }
}

enum Metric {
    /// `[A-Za-z0-9_.-]{1,64}`, as the metric table checks.
    static func valid(_ name: String) -> Bool {
        let bytes = name.utf8
        return !bytes.isEmpty && bytes.count <= 64
            && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D }
    }
}

enum Timestamp {
    static let precise = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let plain = Date.ISO8601FormatStyle()

    /// An RFC 3339 instant (`2026-03-01T02:15:04.120Z`, or with an offset, `…+08:00`; fraction
    /// optional) as milliseconds since 1970, read with Foundation's ISO 8601 style (half a
    /// microsecond a read); nil for anything else.
    static func millis(rfc3339 text: String) -> Int64? {
        guard let date = (try? precise.parse(text)) ?? (try? plain.parse(text)) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
