import ChainstoreCore
import ChainstoreDB

/// API keys of users: created once (the key is shown only then), verified by digest, revocable,
/// expiring.
public enum APIKeys {
    /// Creates a key for `uid` and returns it in clear (the only time it exists in clear).
    public static func create(_ tx: Transaction, uid: Int64, name: String, scope: String? = nil, days: Int? = 90) async throws -> String {
        let key = APIKey.generate()
        var sql = SQLBuilder("INSERT INTO res_users_apikeys (name, user_id, scope, index, key_digest, expiration_date) VALUES (")
        sql.bind(.text(name))
        sql += ", "
        sql.bind(.int(uid))
        sql += ", "
        sql.bind(scope.map(SQLBind.text) ?? .null, cast: "text")
        sql += ", "
        sql.bind(.text(APIKey.index(of: key)))
        sql += ", "
        sql.bind(.text(APIKey.digest(key)))
        sql += ", "
        if let days {
            sql += "now() + make_interval(days => "
            sql.bind(.int(Int64(days)), cast: "integer")
            sql += "))"
        } else {
            sql += "NULL)"
        }
        try await tx.query(sql)
        return key
    }

    static func verify(_ tx: Transaction, uid: Int64, key: String) async throws -> Bool {
        var sql = SQLBuilder("SELECT key_digest FROM res_users_apikeys WHERE user_id = ")
        sql.bind(.int(uid))
        sql += " AND index = "
        sql.bind(.text(APIKey.index(of: key)))
        sql += " AND revoked_at IS NULL AND (expiration_date IS NULL OR expiration_date > now())"
        let digest = Array(APIKey.digest(key).utf8)
        for row in try await tx.query(sql) where PasswordHash.constantTimeEqual(Array(try row.decode(String.self).utf8), digest) {
            return true
        }
        return false
    }

    /// Revokes every key of `uid` named `name` (or all keys when `name` is nil); returns how many.
    @discardableResult
    public static func revoke(_ tx: Transaction, uid: Int64, name: String?) async throws -> Int {
        var sql = SQLBuilder("UPDATE res_users_apikeys SET revoked_at = now() WHERE revoked_at IS NULL AND user_id = ")
        sql.bind(.int(uid))
        if let name {
            sql += " AND name = "
            sql.bind(.text(name))
        }
        sql += " RETURNING id"
        return try await tx.query(sql).count
    }
}
