import ChainstoreCore
import ChainstoreDB

/// Account administration used by the CLI and the demo: passwords are only ever stored hashed.
public enum Users {
    public static func setPassword(_ tx: Transaction, login: String, password: String, rounds: Int = PasswordHash.defaultRounds) async throws {
        guard password.count >= 4 else { throw ChainstoreError.validation("The password must have at least 4 characters.") }
        var sql = SQLBuilder("UPDATE res_users SET password = ")
        sql.bind(.text(try PasswordHash.hash(password, rounds: rounds)))
        sql += ", write_date = now() WHERE login = "
        sql.bind(.text(login))
        sql += " RETURNING id"
        guard try await !tx.query(sql).isEmpty else { throw ChainstoreError.missing("No user with login '\(login)'.") }
    }

    public static func uid(_ tx: Transaction, login: String) async throws -> Int64 {
        var sql = SQLBuilder("SELECT id FROM res_users WHERE login = ")
        sql.bind(.text(login))
        guard let row = try await tx.query(sql).first else { throw ChainstoreError.missing("No user with login '\(login)'.") }
        return try row.decode(Int64.self)
    }

    /// Whether `login` still has `password` (used to refuse a public listener with a default password).
    public static func hasPassword(_ tx: Transaction, login: String, _ password: String) async throws -> Bool {
        var sql = SQLBuilder("SELECT password FROM res_users WHERE login = ")
        sql.bind(.text(login))
        guard let stored = try await tx.query(sql).first?.decode(String?.self) else { return false }
        return PasswordHash.verify(password, against: stored)
    }

    public static func passwordIsSet(_ tx: Transaction, login: String) async throws -> Bool {
        var sql = SQLBuilder("SELECT password IS NOT NULL FROM res_users WHERE login = ")
        sql.bind(.text(login))
        return try await tx.query(sql).first?.decode(Bool.self) ?? false
    }
}
