import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import MQTT
import Metrics

/// What devices say, taken from the broker (IoT spec §5, §11): a status (birth or will) sets a
/// device online or offline; any other message of a device (telemetry, events, answers) proves
/// it alive. A device that comes online or goes offline is announced on its site's bus channel
/// (`["db","res.company",<site>,"iot"]`, type `iot.device/online` or `iot.device/offline`).
/// Messages that are not a device's — another topic shape, an unknown or retired uid, a payload
/// that is not a JSON object or is over 64 KiB — are counted and dropped; ingestion goes on.
public enum DeviceIngest {
    public static let maxPayload = 64 << 10
    public static let subscriptions: [String: MQTTQoS] = [
        "$share/ingest/cs/v1/+/+/status": .atLeastOnce, "$share/ingest/cs/v1/+/+/tele/#": .atLeastOnce,
        "$share/ingest/cs/v1/+/+/evt/#": .atLeastOnce, "$share/ingest/cs/v1/+/+/res": .atLeastOnce,
    ]
    static let stored = Counter(label: "chainstore_iot_messages_total", dimensions: [("result", "stored")])
    static let dropped = Counter(label: "chainstore_iot_messages_total", dimensions: [("result", "dropped")])

    /// Takes one message into `database`; false when it was dropped.
    @discardableResult
    public static func take(_ message: MQTTMessage, database: Database, logger: Logger) async throws -> Bool {
        let levels = message.topic.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.count >= 5, levels[0] == "cs", levels[1] == "v1", message.payload.count <= maxPayload,
            case .dict(let body)? = try? JSONReader.parse(message.payload)
        else { return drop(message, logger: logger, why: "not a device's message") }
        let uid = String(levels[3])
        let online: Bool
        if levels[4] == "status" && levels.count == 5 {
            guard case .string(let state)? = body["state"], state == "online" || state == "offline" else {
                return drop(message, logger: logger, why: "a status without state online or offline")
            }
            online = state == "online"
        } else {
            online = true
        }
        let changed = try await database.transaction(logger: logger) { tx -> Bool? in
            let sql: SQLBuilder = """
                WITH before AS (SELECT id, online FROM iot_device WHERE uid = \(uid) AND state <> 'retired' FOR UPDATE)
                UPDATE iot_device d SET online = \(online), last_seen_at = CASE WHEN \(online) THEN now() ELSE d.last_seen_at END,
                    state = CASE WHEN \(online) AND d.state IN ('registered', 'provisioned') THEN 'active' ELSE d.state END
                FROM before WHERE d.id = before.id
                RETURNING d.id, d.company_id, before.online <> d.online
                """
            guard let row = try await tx.query(sql).first else { return nil }
            let (id, site, flipped) = try row.decode((Int64, Int64, Bool).self)
            if flipped { try await announce(tx, database: database.name, devices: [(id, site, uid)], online: online) }
            return flipped
        }
        guard changed != nil else { return drop(message, logger: logger, why: "no such device") }
        stored.increment()
        return true
    }

    static func drop(_ message: MQTTMessage, logger: Logger, why: String) -> Bool {
        dropped.increment()
        logger.debug("device message dropped", metadata: ["topic": "\(message.topic.prefix(200))", "why": "\(why)"])
        return false
    }

    static func announce(_ tx: Transaction, database: String, devices: [(id: Int64, site: Int64, uid: String)], online: Bool) async throws {
        try await Bus.send(tx, devices.map { device in
            Bus.Notification(channel: Bus.channel(database, "res.company", device.site, "iot"), type: online ? "iot.device/online" : "iot.device/offline",
                             payload: ["id": .int(device.id), "uid": .string(device.uid)])
        })
    }

    /// Devices silent for three heartbeats of their type go offline (a will the broker never
    /// sent: a power cut behind a gateway, a dead link the broker has not noticed yet).
    public static func sweep(_ database: Database, logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { tx in
            let sql: SQLBuilder = """
                UPDATE iot_device d SET online = false FROM iot_device_type t
                WHERE t.id = d.device_type_id AND d.online AND d.last_seen_at < now() - make_interval(secs => 3 * t.heartbeat_s)
                RETURNING d.id, d.company_id, d.uid
                """
            let silent = try await tx.query(sql).map { try $0.decode((Int64, Int64, String).self) }
            try await announce(tx, database: database.name, devices: silent.map { ($0.0, $0.1, $0.2) }, online: false)
            return silent.count
        }
    }
}
