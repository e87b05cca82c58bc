import ChainstoreCore
import ChainstoreDB
import Foundation

/// Telemetry at rest (IoT spec §6): daily partitions made a week ahead and dropped whole after
/// `rawDays` (never a bulk DELETE), minute and hour rollups for charts kept 13 months and five
/// years, and the points of a device's metric for a chart.
public enum TelemetryStore {
    public static let rawDays = 30

    /// Partitions ahead, retention, and the rollups of the minutes and hours that are complete.
    /// Samples dated before a rollup's mark when they arrive (more than a minute late) stay in
    /// the raw data only.
    public static func maintain(_ tx: Transaction) async throws {
        try await tx.query("""
            SELECT iot_telemetry_partition(d::date)
            FROM generate_series((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 7, interval '1 day') d
            """)
        try await tx.query("SELECT iot_telemetry_drop_before((now() AT TIME ZONE 'UTC')::date - (\(rawDays))::integer)")
        try await tx.query("""
            WITH mark AS (SELECT done_until AS since, date_trunc('minute', now() - interval '1 minute') AS upto FROM iot_rollup WHERE name = '1m' FOR UPDATE),
            rolled AS (
                INSERT INTO iot_telemetry_1m (device_id, metric, bucket, samples, minimum, maximum, total)
                SELECT t.device_id, t.metric, date_trunc('minute', t.ts), count(*), min(t.value), max(t.value), sum(t.value)
                FROM iot_telemetry t, mark WHERE t.ts >= mark.since AND t.ts < mark.upto AND t.value IS NOT NULL
                GROUP BY 1, 2, 3
                ON CONFLICT (device_id, metric, bucket) DO UPDATE SET samples = iot_telemetry_1m.samples + excluded.samples,
                    minimum = least(iot_telemetry_1m.minimum, excluded.minimum), maximum = greatest(iot_telemetry_1m.maximum, excluded.maximum),
                    total = iot_telemetry_1m.total + excluded.total)
            UPDATE iot_rollup r SET done_until = greatest(r.done_until, mark.upto) FROM mark WHERE r.name = '1m'
            """)
        try await tx.query("""
            WITH mark AS (
                SELECT h.done_until AS since, date_trunc('hour', m.done_until) AS upto
                FROM iot_rollup h, iot_rollup m WHERE h.name = '1h' AND m.name = '1m' FOR UPDATE OF h),
            rolled AS (
                INSERT INTO iot_telemetry_1h (device_id, metric, bucket, samples, minimum, maximum, total)
                SELECT t.device_id, t.metric, date_trunc('hour', t.bucket), sum(t.samples), min(t.minimum), max(t.maximum), sum(t.total)
                FROM iot_telemetry_1m t, mark WHERE t.bucket >= mark.since AND t.bucket < mark.upto
                GROUP BY 1, 2, 3
                ON CONFLICT (device_id, metric, bucket) DO UPDATE SET samples = iot_telemetry_1h.samples + excluded.samples,
                    minimum = least(iot_telemetry_1h.minimum, excluded.minimum), maximum = greatest(iot_telemetry_1h.maximum, excluded.maximum),
                    total = iot_telemetry_1h.total + excluded.total)
            UPDATE iot_rollup r SET done_until = greatest(r.done_until, mark.upto) FROM mark WHERE r.name = '1h'
            """)
        try await tx.query("DELETE FROM iot_telemetry_1m WHERE bucket < now() - interval '13 months'")
        try await tx.query("DELETE FROM iot_telemetry_1h WHERE bucket < now() - interval '5 years'")
    }

    /// `iot.device.read_telemetry(metric, start, end, step)`: the points of one metric of one
    /// device between two instants (default the last hour), raw (`step` "raw", at most 10,000) or
    /// per minute / hour (`"1m"`, `"1h"`: count, min, max, average).
    static func read(_ store: RecordStore, device: Int64, metric: String, start: String?, end: String?, step: String) async throws -> Value {
        let ids = try await store.search("iot.device", domain: .leaf("id", .equal, .int(device)), limit: 1)
        guard !ids.isEmpty else { throw ChainstoreError.missing("Record does not exist or has been deleted. (Record: iot.device(\(device),))") }
        guard ["raw", "1m", "1h"].contains(step) else { throw ChainstoreError.valueError("step is raw, 1m or 1h, not \(step.prefix(20))") }
        let from = start.flatMap(Timestamp.millis(rfc3339:)), to = end.flatMap(Timestamp.millis(rfc3339:))
        if (start != nil && from == nil) || (end != nil && to == nil) {
            throw ChainstoreError.valueError("start and end are RFC 3339 instants (2026-03-01T02:15:04Z)")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let upper = to ?? now, lower = from ?? (upper - 3_600_000)
        let sql: SQLBuilder
        if step == "raw" {
            sql = """
                SELECT to_char(t.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 1::bigint, t.value, t.value, t.value, t.value_text
                FROM iot_telemetry t JOIN iot_metric m ON m.id = t.metric
                WHERE t.device_id = \(device) AND m.name = \(metric) AND t.ts >= to_timestamp(\(lower) / 1000.0) AND t.ts < to_timestamp(\(upper) / 1000.0)
                ORDER BY t.ts, t.seq LIMIT 10000
                """
        } else {
            let table = step == "1m" ? "iot_telemetry_1m" : "iot_telemetry_1h"
            sql = """
                SELECT to_char(t.bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), t.samples::bigint, t.minimum, t.maximum, t.total / t.samples, NULL::text
                FROM \(unsafeRaw: table) t JOIN iot_metric m ON m.id = t.metric
                WHERE t.device_id = \(device) AND m.name = \(metric) AND t.bucket >= to_timestamp(\(lower) / 1000.0) AND t.bucket < to_timestamp(\(upper) / 1000.0)
                ORDER BY t.bucket LIMIT 10000
                """
        }
        return .array(try await store.tx.query(sql).map { row in
            let (time, count, minimum, maximum, average, text) = try row.decode((String, Int64, Double?, Double?, Double?, String?).self)
            return .dict(["t": .string(time), "n": .int(count), "min": minimum.map(Value.double) ?? .null, "max": maximum.map(Value.double) ?? .null,
                          "avg": average.map(Value.double) ?? .null, "text": text.map(Value.string) ?? .null])
        })
    }
}
