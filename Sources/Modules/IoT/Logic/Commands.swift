import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import MQTT
import PostgresNIO

/// Commands to devices (IoT spec §8): recorded queued, published at QoS 1 on
/// `cs/v1/{site}/{uid}/cmd/{type}` (site = the device's company id) with their `cmd_id` and
/// expiry in the body, acknowledged then resulted by the device on its `res` topic. A command
/// not acknowledged within `ack_timeout_s` is sent again with the same id while attempts are
/// left and it has not expired, then it is `timed_out`; an acknowledged one without a result
/// within `result_timeout_s` is `timed_out` and never sent again (its side effect may have
/// happened). Outcomes are announced on the site's bus channel (`iot.command/<state>`).
public enum Commands {
    static let wakeUp = "iot_command"
    static let maxParams = 16 << 10

    public enum Offline: String, Sendable { case queue, reject }

    /// Records a command for `device` (the caller may write the device); answers its id.
    public static func send(
        _ store: RecordStore, device: Int64, type: String, params: Value, expiresIn: Int = 60, whenOffline: Offline = .queue,
        ackTimeout: Int = 10, resultTimeout: Int = 30, maxAttempts: Int = 3, origin: (model: String, id: Int64)? = nil
    ) async throws -> Int64 {
        guard type.utf8.count <= 64, type.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }),
            !type.isEmpty
        else { throw ChainstoreError.valueError("A command type is lower-case letters, digits, '.', '_' or '-' (at most 64), not \(type.prefix(80))") }
        guard case .dict = params else { throw ChainstoreError.valueError("A command's params are a JSON object.") }
        var json = JSONWriter()
        json.value(params)
        guard json.text.utf8.count <= maxParams else { throw ChainstoreError.valueError("A command's params are at most 16 KiB.") }
        guard (1...86_400).contains(expiresIn), (1...3_600).contains(ackTimeout), (1...86_400).contains(resultTimeout), (1...10).contains(maxAttempts) else {
            throw ChainstoreError.valueError("expires_in is 1–86400 s, ack_timeout 1–3600 s, result_timeout 1–86400 s, max_attempts 1–10.")
        }
        let sql: SQLBuilder = """
            SELECT d.company_id, d.online, d.state, d.name FROM iot_device d WHERE d.id = \(device)
            """
        guard let row = try await store.tx.query(sql).first else { throw ChainstoreError.missing("Record does not exist or has been deleted. (Record: iot.device(\(device),))") }
        let (company, online, state, name) = try row.decode((Int64, Bool, String, String).self)
        guard state != "retired" else { throw ChainstoreError.userError("Device \(name) is retired.") }
        if !online && whenOffline == .reject { throw ChainstoreError.userError("Device \(name) is offline.") }
        let insert: SQLBuilder = """
            INSERT INTO iot_command (cmd_id, device_id, company_id, type, params, expires_at, ack_timeout_s, result_timeout_s, max_attempts,
                                     origin_model, origin_id, create_uid, create_date, write_uid, write_date)
            VALUES (gen_random_uuid()::text, \(device), \(company), \(type), \(json.text), now() + make_interval(secs => \(expiresIn)),
                    \(ackTimeout), \(resultTimeout), \(maxAttempts), \(origin?.model), \(origin?.id), \(store.env.uid), now(), \(store.env.uid), now())
            RETURNING id
            """
        let id = try await store.tx.query(insert)[0].decode(Int64.self)
        try await store.tx.query("SELECT pg_notify(\(wakeUp), '')")
        return id
    }

    /// Closes what timed out or expired, then publishes what is due (queued commands of online
    /// devices, and unacknowledged ones whose acknowledgement is late, again with the same id).
    /// Several nodes may run it at once: each command is taken by one.
    @discardableResult
    public static func dispatch(_ database: Database, transport: any MQTTTransport, logger: Logger) async throws -> Int {
        let due = try await database.transaction(logger: logger) { tx -> [(String, String, String, String, Int64, String)] in
            let ended = try await tx.query("""
                UPDATE iot_command c SET state = CASE WHEN c.state = 'queued' OR (c.state = 'sent' AND c.expires_at <= now() AND c.attempts < c.max_attempts)
                                                      THEN 'expired' ELSE 'timed_out' END,
                    done_at = now(), write_date = now()
                WHERE c.state IN ('queued', 'sent', 'acked') AND (
                    (c.state = 'queued' AND c.expires_at <= now())
                    OR (c.state = 'sent' AND c.sent_at + make_interval(secs => c.ack_timeout_s) <= now() AND (c.attempts >= c.max_attempts OR c.expires_at <= now()))
                    OR (c.state = 'acked' AND c.ack_at + make_interval(secs => c.result_timeout_s) <= now()))
                RETURNING c.id, c.company_id, c.device_id, c.state, c.attempts
                """)
            try await announce(tx, database: database.name, try ended.map { try $0.decode((Int64, Int64, Int64, String, Int).self) })
            return try await tx.query("""
                WITH due AS (
                    SELECT c.id FROM iot_command c JOIN iot_device d ON d.id = c.device_id
                    WHERE c.state IN ('queued', 'sent') AND c.expires_at > now() AND d.online AND d.state <> 'retired'
                        AND (c.state = 'queued' OR (c.sent_at + make_interval(secs => c.ack_timeout_s) <= now() AND c.attempts < c.max_attempts))
                    ORDER BY c.id LIMIT 1000 FOR UPDATE OF c SKIP LOCKED)
                UPDATE iot_command c SET state = 'sent', sent_at = now(), attempts = c.attempts + 1, write_date = now()
                FROM due, iot_device d WHERE c.id = due.id AND d.id = c.device_id
                RETURNING c.cmd_id, c.type, c.params, to_char(c.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), c.company_id, d.uid
                """).map { try $0.decode((String, String, String, String, Int64, String).self) }
        }
        let now = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        for (cmdID, type, params, expires, site, uid) in due {
            let body = #"{"v":1,"ts":"\#(now)","cmd_id":"\#(cmdID)","type":"\#(type)","expires_at":"\#(expires)","params":\#(params)}"#
            do {
                try await transport.publish(MQTTMessage(topic: "cs/v1/\(site)/\(uid)/cmd/\(type)", payload: Array(body.utf8), qos: .atLeastOnce))
            } catch {
                // Left `sent`: sent again after its acknowledgement timeout, as if lost on the way.
                logger.warning("command not published", metadata: ["cmd_id": "\(cmdID)", "error": "\(error)"])
            }
        }
        return due.count
    }

    /// A device's answer on its `res` topic: `stage` `ack` (accepted, or refused with `ok` false)
    /// or `result`. Answers from another device, to a command already finished, or repeated, change
    /// nothing. False when the answer names no command of this device.
    static func answer(_ tx: Transaction, database: String, uid: String, body: OrderedDictionary<String, Value>) async throws -> Bool {
        guard case .string(let cmdID)? = body["cmd_id"], UUID(uuidString: cmdID) != nil, case .string(let stage)? = body["stage"],
            stage == "ack" || stage == "result", case .bool(let ok)? = body["ok"]
        else { return false }
        var result = JSONWriter()
        result.value(body["result"] ?? .null)
        let error: String? = body["error"]?.dictValue?["code"]?.stringValue.map { String($0.prefix(64)) }
        let next = stage == "ack" ? (ok ? "acked" : "rejected") : (ok ? "succeeded" : "failed")
        let from = stage == "ack" ? ["sent"] : ["sent", "acked", "timed_out"]
        let sql: SQLBuilder = """
            UPDATE iot_command c SET state = \(next), write_date = now(),
                ack_at = CASE WHEN \(stage) = 'ack' THEN now() ELSE coalesce(c.ack_at, now()) END,
                done_at = CASE WHEN \(next) = 'acked' THEN NULL ELSE now() END,
                result = CASE WHEN \(stage) = 'result' THEN \(result.text) ELSE c.result END,
                error_code = \(error)
            FROM iot_device d
            WHERE c.cmd_id = lower(\(cmdID)) AND d.id = c.device_id AND d.uid = \(uid) AND c.state = ANY(\(from))
            RETURNING c.id, c.company_id, c.device_id, c.state, c.attempts
            """
        let changed = try await tx.query(sql).map { try $0.decode((Int64, Int64, Int64, String, Int).self) }
        try await announce(tx, database: database, changed.filter { $0.3 != "acked" })
        if changed.isEmpty {
            let known: SQLBuilder = "SELECT 1 FROM iot_command c JOIN iot_device d ON d.id = c.device_id WHERE c.cmd_id = lower(\(cmdID)) AND d.uid = \(uid)"
            return try await !tx.query(known).isEmpty
        }
        return true
    }

    static func announce(_ tx: Transaction, database: String, _ commands: [(Int64, Int64, Int64, String, Int)]) async throws {
        try await Bus.send(tx, commands.map { id, site, device, state, attempts in
            IoT.notice(database, site: site, "iot.command/\(state)", ["id": .int(id), "device_id": .int(device), "attempts": .int(Int64(attempts))])
        })
    }
}
