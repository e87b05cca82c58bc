import ChainstoreCore
import ChainstoreDB
import Foundation

/// Cookie sessions of the web routes. The cookie carries a random token; the table keeps only its
/// digest, the user, the address it was opened from, and two ends: an idle one (30 minutes
/// after the last use) and an absolute one (12 hours after sign-in), whichever comes first. A
/// sign-in that waits for its second factor (`pending`: a code, or enrolment) is no session yet:
/// it reaches nothing but the second step, and ends after 5 minutes. Opening, completing,
/// ending and revoking a session are written to the audit trail (model `web.session`).
public enum WebSessions {
    public static let idle: Duration = .seconds(30 * 60)
    public static let absolute: Duration = .seconds(12 * 3600)
    static let pendingFor: Duration = .seconds(5 * 60)

    /// A session as its user and administrators see it.
    public struct Row: Sendable {
        public let id: Int64
        public let uid: Int64
        public let login: String
        public let opened: Date
        public let lastSeen: Date
        public let ends: Date
        public let address: String?
    }

    public static func create(_ tx: Transaction, uid: Int64, address: String, awaiting: SecondFactor) async throws -> String {
        let token = PasswordHash.randomBytes(32).map { String(format: "%02x", $0) }.joined()
        let life = awaiting == .none ? absolute : pendingFor
        let sql: SQLBuilder = """
            INSERT INTO web_session (token_digest, uid, expires_at, ends_at, address, pending)
            VALUES (\(APIKey.digest(token)), \(uid), now() + make_interval(secs => \(seconds(min(idle, life)))),
                    now() + make_interval(secs => \(seconds(life))), \(address), \(awaiting == .none ? nil : awaiting.rawValue))
            RETURNING id
            """
        let id = try await tx.query(sql).first?.decode(Int64.self) ?? 0
        try await audit(tx, uid: uid, session: id, operation: .create, event: awaiting == .none ? "signed in" : "password accepted, waiting for \(awaiting.rawValue)",
                        address: address)
        return token
    }

    /// The user of a live, signed-in session, renewing its idle end; nil when unknown, ended or
    /// still waiting for its second factor.
    public static func user(_ tx: Transaction, token: String) async throws -> Int64? {
        let sql: SQLBuilder = """
            UPDATE web_session s SET last_seen = now(), expires_at = least(now() + make_interval(secs => \(seconds(idle))), s.ends_at)
            FROM res_users u
            WHERE u.id = s.uid AND u.active AND s.pending IS NULL AND s.expires_at > now() AND s.ends_at > now()
              AND s.token_digest = \(APIKey.digest(token))
            RETURNING s.uid
            """
        return try await tx.query(sql).first?.decode(Int64.self)
    }

    /// A live sign-in waiting for its second factor: its number, user, what it waits for, and
    /// the secret being enrolled (after `/web/totp/begin`).
    public static func pending(_ tx: Transaction, token: String) async throws -> (id: Int64, uid: Int64, awaiting: SecondFactor, enrolling: String?)? {
        let sql: SQLBuilder = """
            SELECT s.id, s.uid, s.pending, s.enrol_secret FROM web_session s JOIN res_users u ON u.id = s.uid
            WHERE u.active AND s.pending IS NOT NULL AND s.ends_at > now() AND s.token_digest = \(APIKey.digest(token))
            """
        guard let row = try await tx.query(sql).first else { return nil }
        let (id, uid, awaiting, secret) = try row.decode((Int64, Int64, String, String?).self)
        return (id, uid, SecondFactor(rawValue: awaiting) ?? .code, secret)
    }

    /// The secret being enrolled in the session of `token` (signed in or waiting for enrolment).
    static func enrolling(_ tx: Transaction, token: String) async throws -> String? {
        try await tx.query("SELECT enrol_secret FROM web_session WHERE ends_at > now() AND token_digest = \(APIKey.digest(token))")
            .first?.decode(String?.self)
    }

    static func setEnrolling(_ tx: Transaction, token: String, secret: String?) async throws {
        try await tx.query("UPDATE web_session SET enrol_secret = \(secret) WHERE token_digest = \(APIKey.digest(token))")
    }

    /// The sign-in of `token` now waits for `next` (a new password, after its second factor).
    static func awaitNext(_ tx: Transaction, token: String, next: SecondFactor) async throws {
        try await tx.query("UPDATE web_session SET pending = \(next.rawValue), attempts = 0 WHERE token_digest = \(APIKey.digest(token))")
    }

    /// The second factor was given: the sign-in becomes a session, its absolute end counted from now.
    public static func complete(_ tx: Transaction, token: String, address: String) async throws {
        let sql: SQLBuilder = """
            UPDATE web_session SET pending = NULL, enrol_secret = NULL, last_seen = now(),
                expires_at = now() + make_interval(secs => \(seconds(idle))), ends_at = now() + make_interval(secs => \(seconds(absolute)))
            WHERE token_digest = \(APIKey.digest(token)) RETURNING id, uid
            """
        guard let row = try await tx.query(sql).first else { return }
        let (id, uid) = try row.decode((Int64, Int64).self)
        try await audit(tx, uid: uid, session: id, operation: .write, event: "second factor accepted", address: address)
    }

    /// Sign-out: the session of `token` ends.
    public static func destroy(_ tx: Transaction, token: String) async throws {
        let sql: SQLBuilder = "DELETE FROM web_session WHERE token_digest = \(APIKey.digest(token)) RETURNING id, uid, address"
        for row in try await tx.query(sql) {
            let (id, uid, address) = try row.decode((Int64, Int64, String?).self)
            try await audit(tx, uid: uid, session: id, operation: .unlink, event: "signed out", address: address)
        }
    }

    /// The live sessions of `uid` (every user's when nil), newest first.
    public static func list(_ tx: Transaction, uid: Int64?) async throws -> [Row] {
        var sql: SQLBuilder = """
            SELECT s.id, s.uid, u.login, s.created_at, s.last_seen, least(s.expires_at, s.ends_at), s.address
            FROM web_session s JOIN res_users u ON u.id = s.uid
            WHERE s.pending IS NULL AND s.expires_at > now() AND s.ends_at > now()
            """
        if let uid {
            sql += " AND s.uid = "
            sql.bind(.int(uid))
        }
        sql += " ORDER BY s.last_seen DESC LIMIT 500"
        return try await tx.query(sql).map { row in
            let (id, uid, login, opened, seen, ends, address) = try row.decode((Int64, Int64, String, Date, Date, Date, String?).self)
            return Row(id: id, uid: uid, login: login, opened: opened, lastSeen: seen, ends: ends, address: address)
        }
    }

    /// Ends session `id` — of `uid` only, unless nil (an administrator) — as `actor`; false when
    /// there is no such session.
    public static func revoke(_ tx: Transaction, id: Int64, of uid: Int64?, actor: Int64) async throws -> Bool {
        var sql: SQLBuilder = "DELETE FROM web_session WHERE id = \(id)"
        if let uid {
            sql += " AND uid = "
            sql.bind(.int(uid))
        }
        sql += " RETURNING uid, address"
        guard let row = try await tx.query(sql).first else { return false }
        let (owner, address) = try row.decode((Int64, String?).self)
        try await audit(tx, uid: actor, session: id, operation: .unlink, event: owner == actor ? "revoked by its user" : "revoked by an administrator",
                        address: address, owner: owner)
        return true
    }

    /// Ends every session of `uid` (a changed password or second factor).
    static func revokeAll(_ tx: Transaction, uid: Int64, except token: String?) async throws {
        var sql: SQLBuilder = "DELETE FROM web_session WHERE uid = \(uid)"
        if let token {
            sql += " AND token_digest <> "
            sql.bind(.text(APIKey.digest(token)))
        }
        try await tx.query(sql)
    }

    static func audit(_ tx: Transaction, uid: Int64, session: Int64, operation: AuditTrail.Operation, event: String, address: String?, owner: Int64? = nil) async throws {
        var values: RecordValues = ["event": .string(event), "user_id": .int(owner ?? uid)]
        if let address { values["address"] = .string(address) }
        try await AuditTrail.record(tx, uid: uid, model: "web.session", [.init(recordId: session, companyId: nil, operation: operation, newValues: values)])
    }

    static func seconds(_ duration: Duration) -> Int64 { duration.components.seconds }
}
