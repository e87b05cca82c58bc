import ChainstoreCore
import ChainstoreDB
import Foundation
import PostgresNIO

/// Alerts open and close once (IoT spec §7): the threshold rules are evaluated on every batch of
/// samples (`iot_alerts_observe`), and what time alone decides — a pending alert held long
/// enough, a clear held long enough, a device offline beyond its grace or back — every second
/// (`iot_alerts_tick`). Each change is announced on the site's bus channel
/// (`["db","res.company",<site>,"iot"]`, type `iot.alert/firing` or `iot.alert/resolved`).
public enum Alerts {
    static func observe(_ tx: Transaction, database: String, uids: [String], metrics: [String], millis: [Int64], values: [String]) async throws {
        let sql: SQLBuilder = """
            SELECT * FROM iot_alerts_observe(\(uids), \(metrics),
                ARRAY(SELECT to_timestamp(ms / 1000.0) FROM unnest(\(millis)) WITH ORDINALITY AS x(ms, i) ORDER BY i),
                ARRAY(SELECT nullif(v, '')::float8 FROM unnest(\(values)) WITH ORDINALITY AS x(v, i) ORDER BY i))
            """
        try await announce(tx, database: database, try await tx.query(sql))
    }

    /// Fires and resolves what time decides; answers how many alerts changed.
    @discardableResult
    public static func tick(_ tx: Transaction, database: String) async throws -> Int {
        let changed = try await tx.query("SELECT * FROM iot_alerts_tick()")
        try await announce(tx, database: database, changed)
        return changed.count
    }

    static func announce(_ tx: Transaction, database: String, _ rows: [PostgresRow]) async throws {
        guard !rows.isEmpty else { return }
        try await Bus.send(tx, try rows.map { row in
            let (alert, site, device, uid, rule, severity, state, value) = try row.decode((Int64, Int64, Int64, String, String, String, String, Double?).self)
            return IoT.notice(database, site: site, "iot.alert/\(state)", [
                "id": .int(alert), "device_id": .int(device), "uid": .string(uid), "rule": .string(rule), "severity": .string(severity),
                "value": value.map(Value.double) ?? .null,
            ])
        })
    }
}
