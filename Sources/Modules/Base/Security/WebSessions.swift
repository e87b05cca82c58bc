import Foundation
import ChainstoreCore
import ChainstoreDB

/// Cookie sessions of the web routes. The cookie carries a random token; the table keeps only its
/// digest, the user and the expiry (a week, renewed on use).
public enum WebSessions {
    public static let lifetimeDays = 7

    public static func create(_ tx: Transaction, uid: Int64) async throws -> String {
        let token = PasswordHash.randomBytes(32).map { String(format: "%02x", $0) }.joined()
        var sql = SQLBuilder("INSERT INTO web_session (token_digest, uid, expires_at) VALUES (")
        sql.bind(.text(APIKey.digest(token)))
        sql += ", "
        sql.bind(.int(uid))
        sql += ", now() + make_interval(days => \(lifetimeDays)))"
        try await tx.query(sql)
        return token
    }

    /// The user of a live session, renewing it; nil when unknown or expired.
    public static func user(_ tx: Transaction, token: String) async throws -> Int64? {
        var sql = SQLBuilder("UPDATE web_session s SET last_seen = now(), expires_at = now() + make_interval(days => \(unsafeRaw: String(lifetimeDays))) ")
        sql += "FROM res_users u WHERE u.id = s.uid AND u.active AND s.expires_at > now() AND s.token_digest = "
        sql.bind(.text(APIKey.digest(token)))
        sql += " RETURNING s.uid"
        return try await tx.query(sql).first?.decode(Int64.self)
    }

    public static func destroy(_ tx: Transaction, token: String) async throws {
        var sql = SQLBuilder("DELETE FROM web_session WHERE token_digest = ")
        sql.bind(.text(APIKey.digest(token)))
        try await tx.query(sql)
    }
}
