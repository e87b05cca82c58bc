import ChainstoreCore
import ChainstoreDB

/// Account administration used by the CLI and the demo: passwords are only ever stored hashed.
public enum Users {
    /// Sets the password of `login`. A password of a person must follow `PasswordPolicy`; one the
    /// world knows (the demo's, `published`) is stored as such and accepted only from this machine.
    /// The password replaced goes to the user's history: a person's new password may be none of
    /// the last `PasswordPolicy.remembered`.
    public static func setPassword(
        _ tx: Transaction, login: String, password: String, published: Bool = false, rounds: Int = PasswordHash.defaultRounds
    ) async throws {
        guard let row = try await tx.query("SELECT id, password FROM res_users WHERE login = \(login) FOR UPDATE").first else {
            throw ChainstoreError.missing("No user with login '\(login)'.")
        }
        let (uid, current) = try row.decode((Int64, String?).self)
        if !published {
            try PasswordPolicy.check(password, login: login)
            let recent = try await tx.query("""
                SELECT password FROM res_users_password_history WHERE uid = \(uid) ORDER BY id DESC LIMIT \(PasswordPolicy.remembered - 1)
                """).map { try $0.decode(String.self) }
            for old in [current].compactMap({ $0 }) + recent where PasswordHash.verify(password, against: old) {
                throw ChainstoreError.validation("The password must differ from your last \(PasswordPolicy.remembered) passwords.")
            }
        }
        let hash = try PasswordHash.hash(password, rounds: rounds)
        let sql: SQLBuilder = """
            WITH kept AS (INSERT INTO res_users_password_history (uid, password) SELECT id, password FROM res_users
                          WHERE id = \(uid) AND password IS NOT NULL AND NOT password_published)
            UPDATE res_users SET password = \(hash), password_published = \(published), password_set_at = CASE WHEN \(published) THEN NULL ELSE now() END,
                write_date = now()
            WHERE id = \(uid)
            """
        try await tx.query(sql)
    }

    /// Whether the password of `uid` is older than `PasswordPolicy.maximumAge` (never for a
    /// published demo password, or one set before ages were kept).
    public static func passwordExpired(_ tx: Transaction, uid: Int64) async throws -> Bool {
        let sql: SQLBuilder = """
            SELECT coalesce(password_set_at < now() - make_interval(days => \(PasswordPolicy.maximumAgeDays)::int), false)
            FROM res_users WHERE id = \(uid)
            """
        return try await tx.query(sql).first?.decode(Bool.self) ?? false
    }

    public static func uid(_ tx: Transaction, login: String) async throws -> Int64 {
        guard let row = try await tx.query("SELECT id FROM res_users WHERE login = \(login)").first else {
            throw ChainstoreError.missing("No user with login '\(login)'.")
        }
        return try row.decode(Int64.self)
    }

    /// Active users whose password is published (at most `limit`): a node on a public address
    /// refuses to start while there are any.
    public static func publishedLogins(_ tx: Transaction, limit: Int = 5) async throws -> [String] {
        try await tx.query("SELECT login FROM res_users WHERE active AND password_published ORDER BY id LIMIT \(limit)")
            .map { try $0.decode(String.self) }
    }

    public static func passwordIsSet(_ tx: Transaction, login: String) async throws -> Bool {
        try await tx.query("SELECT password IS NOT NULL FROM res_users WHERE login = \(login)").first?.decode(Bool.self) ?? false
    }
}

/// What a person's password must be, as the graded-protection rules (等保三级) ask: at least 8
/// characters of at least three kinds (lower case, upper case, digits, anything else), not the
/// login inside it, none of the last five, changed every 90 days (a sign-in with an older one
/// asks for a new one first). The lock-out after repeated failures does the rest against guessing.
public enum PasswordPolicy {
    public static let minimumLength = 8
    public static let remembered = 5
    public static let maximumAgeDays = 90

    public static func check(_ password: String, login: String) throws {
        guard password.count >= minimumLength else {
            throw ChainstoreError.validation("The password must have at least \(minimumLength) characters.")
        }
        let kinds = [
            password.contains(where: \.isLowercase), password.contains(where: \.isUppercase), password.contains(where: \.isNumber),
            password.contains { !$0.isLetter && !$0.isNumber },
        ].filter { $0 }.count
        guard kinds >= 3 else {
            throw ChainstoreError.validation("The password must mix at least three kinds of characters: lower case, upper case, digits, others.")
        }
        guard login.count < 3 || !password.lowercased().contains(login.lowercased()) else {
            throw ChainstoreError.validation("The password must not contain the login.")
        }
    }
}
