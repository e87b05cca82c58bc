import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Per-device credentials for the broker (IoT spec §4). A device's token is shown once when it
/// is issued and kept only as a hash in Mosquitto's own password format (`$7$`: PBKDF2-SHA512);
/// the node started with `--mqtt-auth-dir DIR` writes the broker's `DIR/passwd` and `DIR/acl`
/// from the registry whenever a credential or a device's uid or state changes (a retired device
/// loses its line), and makes the broker reload them (SIGHUP to the pid in
/// `DIR/mosquitto.pid`). The ACL lets each device write only under its own uid
/// (`cs/v1/+/%u/…`) and read only its commands and desired configuration; the platform's own
/// user reads and writes every device topic.
public enum BrokerAuth {
    /// The platform's MQTT user; not a device uid (those have no underscore).
    public static let platformUser = "chainstore_platform"
    /// A token is 32 random bytes: its hash needs no slow work factor to resist guessing, and the
    /// broker checks it at every connection of 200,000 devices.
    static let rounds = 1_000

    /// Mosquitto's password line hash for `secret`: `$7$<rounds>$<salt>$<hash>` (base64).
    public static func hash(_ secret: String, salt: [UInt8] = PasswordHash.randomBytes(12)) throws -> String {
        let derived = try PasswordHash.derive(secret, salt: salt, rounds: rounds)
        return "$7$\(rounds)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    static let acl = """
        # Made by Chainstore from its device registry; rewritten when devices change.
        user \(platformUser)
        topic readwrite cs/v1/#

        pattern write cs/v1/+/%u/status
        pattern write cs/v1/+/%u/tele/#
        pattern write cs/v1/+/%u/evt/#
        pattern write cs/v1/+/%u/res
        pattern write cs/v1/+/%u/cfg/reported
        pattern read cs/v1/+/%u/cmd/#
        pattern read cs/v1/+/%u/cfg/desired
        pattern read cs/v1/+/%u/ota

        """

    /// Issues a new token for `device` (revoking the one it had): answers what the device
    /// connects with. The caller may write the device.
    public static func issue(_ store: RecordStore, device: Int64) async throws -> Value {
        try await store.lockAndCheck(try store.model("iot.device"), ids: [device], operation: .write)
        let sql: SQLBuilder = "SELECT uid, company_id, state FROM iot_device WHERE id = \(device)"
        let (uid, company, state) = try await store.tx.query(sql)[0].decode((String, Int64, String).self)
        guard state != "retired" else { throw ChainstoreError.userError("A retired device gets no credential.") }
        let token = PasswordHash.ab64Encode(PasswordHash.randomBytes(32)).replacingOccurrences(of: "/", with: "_")
        let uidValue = store.env.uid
        let issue: SQLBuilder = """
            WITH revoked AS (
                UPDATE iot_credential SET state = 'revoked', revoked_at = now(), write_uid = \(uidValue), write_date = now()
                WHERE device_id = \(device) AND state = 'active')
            INSERT INTO iot_credential (device_id, company_id, kind, token_hash, state, create_uid, create_date, write_uid, write_date)
            VALUES (\(device), \(company), 'token', \(try hash(token)), 'active', \(uidValue), now(), \(uidValue), now())
            """
        try await store.tx.query(issue)
        let provision: SQLBuilder = "UPDATE iot_device SET state = 'provisioned', write_date = now() WHERE id = \(device) AND state = 'registered'"
        try await store.tx.query(provision)
        return .dict(["username": .string(uid), "password": .string(token), "client_id": .string(uid),
                      "topic_prefix": .string("cs/v1/\(company)/\(uid)/")])
    }

    static func revoke(_ store: RecordStore, devices: [Int64]) async throws {
        try await store.lockAndCheck(try store.model("iot.device"), ids: devices, operation: .write)
        let sql: SQLBuilder = """
            UPDATE iot_credential SET state = 'revoked', revoked_at = now(), write_uid = \(store.env.uid), write_date = now()
            WHERE device_id = ANY(\(devices)) AND state = 'active'
            """
        try await store.tx.query(sql)
    }

    /// Keeps `folder`'s password and ACL files in step with the registry until cancelled.
    public static func keep(_ database: Database, folder: URL, platformPassword: String, logger: Logger) async {
        var written: Int64 = -1
        while !Task.isCancelled {
            do {
                let serial = try await database.transaction(logger: logger) { tx in
                    try await tx.query("SELECT serial FROM iot_broker_auth").first?.decode(Int64.self) ?? 0
                }
                if serial != written {
                    try await write(database, folder: folder, platformPassword: platformPassword, logger: logger)
                    written = serial
                }
            } catch {
                logger.warning("broker credentials not written", metadata: ["folder": "\(folder.path)", "error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    static func write(_ database: Database, folder: URL, platformPassword: String, logger: Logger) async throws {
        let lines = try await database.transaction(logger: logger) { tx in
            try await tx.query("""
                SELECT d.uid, c.token_hash FROM iot_credential c JOIN iot_device d ON d.id = c.device_id
                WHERE c.state = 'active' AND c.kind = 'token' AND c.token_hash IS NOT NULL AND d.state <> 'retired'
                ORDER BY d.uid, c.id DESC
                """).map { try $0.decode((String, String).self) }
        }
        var passwd = "\(platformUser):\(try hash(platformPassword))\n"
        var seen = Set<String>()
        for (uid, hash) in lines where seen.insert(uid).inserted { passwd += "\(uid):\(hash)\n" }
        try replace(folder.appendingPathComponent("passwd"), with: passwd)
        try replace(folder.appendingPathComponent("acl"), with: acl)
        if let text = try? String(contentsOf: folder.appendingPathComponent("mosquitto.pid"), encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        {
            kill(pid, SIGHUP)
        }
        logger.info("broker credentials written", metadata: ["devices": "\(seen.count)"])
    }

    /// Writes beside, then renames: the broker never reads half a file. Readable by the broker's
    /// group (`mosquitto`, where it exists) only; by everyone otherwise.
    static func replace(_ file: URL, with text: String) throws {
        let temporary = file.appendingPathExtension("new")
        try Data(text.utf8).write(to: temporary)
        if let group = getgrnam("mosquitto"), chown(temporary.path, getuid(), group.pointee.gr_gid) == 0 {
            _ = chmod(temporary.path, 0o640)
        } else {
            _ = chmod(temporary.path, 0o644)
        }
        guard rename(temporary.path, file.path) == 0 else { throw ChainstoreError.validation("cannot replace \(file.path)") }
    }
}
