import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// Checks a login and a password or API key. Repeated failures for one login or one address are
/// slowed down, then refused for a while; every refusal is logged (never the password).
public struct Authenticator: Sendable {
    public struct Policy: Sendable {
        /// Failures before each further attempt is delayed.
        public var slowAfter = 3
        /// Failures (within `window`) before the login or address is locked.
        public var lockAfter = 10
        public var window: Duration = .seconds(15 * 60)
        public var lockFor: Duration = .seconds(15 * 60)
        public var delayStep: Duration = .milliseconds(500)
        public init() {}
    }

    public let database: Database
    public var policy: Policy

    public init(database: Database, policy: Policy = Policy()) {
        self.database = database
        self.policy = policy
    }

    /// The user id, or `nil` for wrong credentials. Throws `throttled` while locked out.
    public func authenticate(login: String, password: String, address: String, logger: Logger) async throws -> Int64? {
        let keys = ["login:" + login.lowercased(), "ip:" + address]
        let failures = try await database.transaction(logger: logger) { tx in try await Self.failures(tx, keys: keys) }
        if failures.locked {
            logger.warning("login refused: locked after repeated failures", metadata: ["login": "\(login)", "address": "\(address)"])
            throw ChainstoreError(.throttled, "Too many failed login attempts, please try again later.")
        }
        if failures.count >= policy.slowAfter {
            try await Task.sleep(for: policy.delayStep * min(failures.count - policy.slowAfter + 1, 10))
        }
        let uid = try await database.transaction(logger: logger) { tx in
            try await Self.check(tx, login: login, password: password)
        }
        let policy = self.policy
        try await database.transaction(logger: logger) { tx in
            if let uid {
                var sql = SQLBuilder("DELETE FROM res_users_login_throttle WHERE key = ")
                sql.bind(.text(keys[0]))
                try await tx.query(sql)
                var seen = SQLBuilder("UPDATE res_users SET login_date = now() WHERE id = ")
                seen.bind(.int(uid))
                try await tx.query(seen)
            } else {
                try await Self.recordFailure(tx, keys: keys, policy: policy)
            }
        }
        if uid == nil { logger.notice("login failed", metadata: ["login": "\(login)", "address": "\(address)"]) }
        return uid
    }

    static func check(_ tx: Transaction, login: String, password: String) async throws -> Int64? {
        guard !password.isEmpty else { return nil }
        var sql = SQLBuilder("SELECT id, password FROM res_users WHERE active AND login = ")
        sql.bind(.text(login))
        guard let row = try await tx.query(sql).first else { return nil }
        let (uid, stored) = try row.decode((Int64, String?).self)
        if let stored, PasswordHash.verify(password, against: stored) { return uid }
        if APIKey.looksLikeKey(password), try await APIKeys.verify(tx, uid: uid, key: password) { return uid }
        return nil
    }

    static func failures(_ tx: Transaction, keys: [String]) async throws -> (count: Int, locked: Bool) {
        var sql = SQLBuilder("SELECT coalesce(max(failures), 0), coalesce(bool_or(locked_until > now()), false) FROM res_users_login_throttle WHERE key = ANY(")
        sql.bind(.textArray(keys))
        sql += ")"
        guard let row = try await tx.query(sql).first else { return (0, false) }
        let (count, locked) = try row.decode((Int32, Bool).self)
        return (Int(count), locked)
    }

    static func recordFailure(_ tx: Transaction, keys: [String], policy: Policy) async throws {
        var sql = SQLBuilder("""
            INSERT INTO res_users_login_throttle AS t (key, failures, first_failure)
            SELECT k, 1, now() FROM unnest(
            """)
        sql.bind(.textArray(keys))
        sql += """
            ) k ON CONFLICT (key) DO UPDATE SET
              failures = CASE WHEN t.first_failure < now() - make_interval(secs => 
            """
        sql.bind(.double(Double(policy.window.components.seconds)))
        sql += ") THEN 1 ELSE t.failures + 1 END, first_failure = CASE WHEN t.first_failure < now() - make_interval(secs => "
        sql.bind(.double(Double(policy.window.components.seconds)))
        sql += ") THEN now() ELSE t.first_failure END, locked_until = CASE WHEN t.failures + 1 >= "
        sql.bind(.int(Int64(policy.lockAfter)))
        sql += " THEN now() + make_interval(secs => "
        sql.bind(.double(Double(policy.lockFor.components.seconds)))
        sql += ") ELSE t.locked_until END"
        try await tx.query(sql)
    }
}
