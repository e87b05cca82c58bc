import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import MQTT
import Metrics
import Stock

/// What devices say, taken from the broker (IoT spec §5, §11, §12):
/// - `status` (birth or will) sets a device online or offline;
/// - `tele/{stream}` with `samples` goes to the telemetry writer; any other telemetry (the
///   heartbeat `tele/hb`) and every event prove the device alive;
/// - `evt/rfid` feeds the RFID ingestion (deduplicated there) for a reader of the device's site;
/// - `evt/confirm` / `evt/shortage` record a pick-to-light line picked or short;
/// - `res` answers a command (acknowledgement, then result).
/// A device that comes online or goes offline is announced on its site's bus channel
/// (`["db","res.company",<site>,"iot"]`, type `iot.device/online` or `iot.device/offline`).
/// Messages that are not a device's — another topic shape, an unknown or retired uid, a payload
/// that is not a JSON object or is over 64 KiB, an answer to no command of the device — are
/// counted and dropped; ingestion goes on.
public struct DeviceIngest: Sendable {
    public static let maxPayload = 64 << 10
    public static let subscriptions: [String: MQTTQoS] = [
        "$share/ingest/cs/v1/+/+/status": .atLeastOnce, "$share/ingest/cs/v1/+/+/tele/#": .atLeastOnce,
        "$share/ingest/cs/v1/+/+/evt/#": .atLeastOnce, "$share/ingest/cs/v1/+/+/res": .atLeastOnce,
    ]
    static let stored = Counter(label: "chainstore_iot_messages_total", dimensions: [("result", "stored")])
    static let dropped = Counter(label: "chainstore_iot_messages_total", dimensions: [("result", "dropped")])

    public let database: Database
    public let registry: Registry
    public let telemetry: TelemetryWriter
    public let logger: Logger

    public init(database: Database, registry: Registry, telemetry: TelemetryWriter, logger: Logger) {
        self.database = database
        self.registry = registry
        self.telemetry = telemetry
        self.logger = logger
    }

    /// Takes one message; false when it was dropped. A message the business refuses (a pick
    /// that cannot be validated, a value out of range) is dropped and logged; only a failure of
    /// the database itself is thrown (the connection to the broker is then made again).
    @discardableResult
    public func take(_ message: MQTTMessage) async throws -> Bool {
        do {
            return try await route(message)
        } catch let error as ChainstoreError {
            logger.warning("device message refused", metadata: ["topic": "\(message.topic.prefix(200))", "error": "\(error)"])
            return drop(message, why: "refused")
        }
    }

    func route(_ message: MQTTMessage) async throws -> Bool {
        let levels = message.topic.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.count >= 5, levels[0] == "cs", levels[1] == "v1", message.payload.count <= Self.maxPayload,
            case .dict(let body)? = try? JSONReader.parse(message.payload)
        else { return drop(message, why: "not a device's message") }
        let uid = String(levels[3])
        let kind = levels[4], detail = levels.count > 5 ? String(levels[5]) : nil
        let taken: Bool
        switch (kind, detail, levels.count) {
        case ("status", nil, 5):
            guard case .string(let state)? = body["state"], state == "online" || state == "offline" else {
                return drop(message, why: "a status without state online or offline")
            }
            taken = try await database.transaction(logger: logger) { tx in
                try await Self.mark(tx, database: database.name, uid: uid, online: state == "online")
            }
        case ("tele", _?, 6) where body["samples"] != nil:
            guard let samples = TelemetryWriter.samples(of: body, uid: uid) else { return drop(message, why: "malformed samples") }
            try await telemetry.add(samples, acknowledged: message.qos != .atMostOnce)
            taken = true
        case ("evt", "rfid"?, 6):
            taken = try await rfid(uid: uid, body: body)
        case ("evt", let event?, 6) where event == "confirm" || event == "shortage":
            taken = try await heard(uid) { tx in
                let store = RecordStore(registry: registry, tx: tx, env: Env.system(reason: "pick-to-light", logger: logger))
                return try await PickToLight.picked(store, database: database.name, uid: uid, body: body, short: event == "shortage")
            }
        case ("res", nil, 5):
            taken = try await heard(uid) { tx in try await Commands.answer(tx, database: database.name, uid: uid, body: body) }
        case ("tele", _?, 6), ("evt", _?, 6):
            // Heartbeats and other events only prove the device alive: marked with the next batch
            // (200,000 devices beating every minute are 3,300 messages a second).
            try await telemetry.add([], beat: uid, acknowledged: message.qos != .atMostOnce)
            taken = true
        default:
            return drop(message, why: "not a topic of the device layout")
        }
        guard taken else { return drop(message, why: "no such device, or nothing of it") }
        Self.stored.increment()
        return true
    }

    /// `body` in one transaction with device `uid` marked seen; false, with nothing done, when
    /// there is no such device (or it is retired).
    func heard(_ uid: String, _ body: @escaping @Sendable (Transaction) async throws -> Bool) async throws -> Bool {
        try await database.transaction(logger: logger) { tx in
            guard try await Self.mark(tx, database: database.name, uid: uid, online: true) else { return false }
            return try await body(tx)
        }
    }

    func drop(_ message: MQTTMessage, why: String) -> Bool {
        Self.dropped.increment()
        logger.debug("device message dropped", metadata: ["topic": "\(message.topic.prefix(200))", "why": "\(why)"])
        return false
    }

    /// RFID reads from a gate or reader of the device's site (`reader`, default the device's uid,
    /// names a `stock.rfid.reader` of the same company), as `POST /api/v1/rfid/reads` takes them.
    func rfid(uid: String, body: OrderedDictionary<String, Value>) async throws -> Bool {
        let reader = body["reader"]?.stringValue ?? uid
        guard case .array(let items)? = body["reads"], !items.isEmpty, items.count <= 10_000 else { return false }
        let antenna = body["antenna"]?.intValue.map { Int($0) }
        var reads: [RFIDIngest.Read] = []
        for item in items {
            guard case .dict(let read) = item, case .string(let epc)? = read["epc"], epc.utf8.count <= 64 else { return false }
            let time = [read["last"], read["first"], body["ts"]].lazy.compactMap { $0?.stringValue.flatMap(Timestamp.millis(rfc3339:)) }.first
            reads.append(RFIDIngest.Read(reader: reader, antenna: read["antenna"]?.intValue.map { Int($0) } ?? antenna, epc: epc,
                                         rssi: read["rssi"]?.doubleValue, time: time.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? Date()))
        }
        let batch = reads
        return try await heard(uid) { tx in
            let sql: SQLBuilder = """
                SELECT 1 FROM stock_rfid_reader r JOIN iot_device d ON d.company_id = r.company_id
                WHERE r.code = \(reader) AND r.active AND d.uid = \(uid)
                """
            guard try await !tx.query(sql).isEmpty else { return false }
            let store = RecordStore(registry: registry, tx: tx, env: Env.system(reason: "RFID gate \(uid)", logger: logger))
            _ = try await RFIDIngest.ingest(store, reads: batch)
            return true
        }
    }

    /// A device is online (any message) or offline (its will); answers false for no such device.
    /// Device rows are locked `FOR NO KEY UPDATE` here and below: no key changes, so the
    /// foreign-key checks of commands, alerts and latest values (KEY SHARE) never wait on them.
    static func mark(_ tx: Transaction, database: String, uid: String, online: Bool) async throws -> Bool {
        let sql: SQLBuilder = """
            WITH before AS (SELECT id, online FROM iot_device WHERE uid = \(uid) AND state <> 'retired' FOR NO KEY UPDATE)
            UPDATE iot_device d SET online = \(online), last_seen_at = CASE WHEN \(online) THEN now() ELSE d.last_seen_at END,
                offline_since = CASE WHEN \(online) THEN NULL WHEN before.online THEN now() ELSE d.offline_since END,
                state = CASE WHEN \(online) AND d.state IN ('registered', 'provisioned') THEN 'active' ELSE d.state END
            FROM before WHERE d.id = before.id
            RETURNING d.id, d.company_id, before.online <> d.online
            """
        guard let row = try await tx.query(sql).first else { return false }
        let (id, site, flipped) = try row.decode((Int64, Int64, Bool).self)
        if flipped { try await announce(tx, database: database, devices: [(id, site, uid)], online: online) }
        return true
    }

    /// The devices of a batch are seen: online again (announced), their last-seen time moved on
    /// when it is `touchEvery` seconds old (not a write per sample). Unknown and retired uids
    /// change nothing.
    static func seen(_ tx: Transaction, database: String, uids: [String], touchEvery: Int) async throws {
        let sql: SQLBuilder = """
            WITH before AS (
                SELECT id, online FROM iot_device
                WHERE uid = ANY(\(uids)) AND state <> 'retired'
                    AND (NOT online OR last_seen_at IS NULL OR last_seen_at < now() - make_interval(secs => \(touchEvery)))
                ORDER BY id FOR NO KEY UPDATE)
            UPDATE iot_device d SET online = true, last_seen_at = now(), offline_since = NULL,
                state = CASE WHEN d.state IN ('registered', 'provisioned') THEN 'active' ELSE d.state END
            FROM before WHERE d.id = before.id
            RETURNING d.id, d.company_id, d.uid, NOT before.online
            """
        let back = try await tx.query(sql).map { try $0.decode((Int64, Int64, String, Bool).self) }.filter(\.3)
        try await announce(tx, database: database, devices: back.map { ($0.0, $0.1, $0.2) }, online: true)
    }

    static func announce(_ tx: Transaction, database: String, devices: [(id: Int64, site: Int64, uid: String)], online: Bool) async throws {
        try await Bus.send(tx, devices.map { device in
            IoT.notice(database, site: device.site, online ? "iot.device/online" : "iot.device/offline", ["id": .int(device.id), "uid": .string(device.uid)])
        })
    }

    /// Devices silent for three heartbeats of their type go offline (a will the broker never
    /// sent: a power cut behind a gateway, a dead link the broker has not noticed yet).
    public static func sweep(_ tx: Transaction, database: String) async throws -> Int {
        // Locked in id order, skipping devices a batch is marking seen at this moment (they are
        // not silent): the sweep never deadlocks with the ingestion.
        let sql: SQLBuilder = """
            WITH stale AS (
                SELECT d.id FROM iot_device d JOIN iot_device_type t ON t.id = d.device_type_id
                WHERE d.online AND d.last_seen_at < now() - make_interval(secs => 3 * t.heartbeat_s)
                ORDER BY d.id FOR NO KEY UPDATE OF d SKIP LOCKED)
            UPDATE iot_device d SET online = false, offline_since = now() FROM stale WHERE d.id = stale.id
            RETURNING d.id, d.company_id, d.uid
            """
        let silent = try await tx.query(sql).map { try $0.decode((Int64, Int64, String).self) }
        try await announce(tx, database: database, devices: silent.map { ($0.0, $0.1, $0.2) }, online: false)
        return silent.count
    }
}
