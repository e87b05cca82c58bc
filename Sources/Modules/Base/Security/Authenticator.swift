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
    public let cache: AuthCache

    public init(database: Database, policy: Policy = Policy(), cache: AuthCache = AuthCache()) {
        self.database = database
        self.policy = policy
        self.cache = cache
    }

    /// The user id, or `nil` for wrong credentials. Throws `throttled` while locked out.
    public func authenticate(login: String, password: String, address: String, logger: Logger) async throws -> Int64? {
        let cache = self.cache
        // Fast path: a password already verified against the current hash (integrations that
        // log in before every call). The login date is refreshed at most once a minute.
        let known = try await database.transaction(logger: logger) { tx -> Int64? in
            var sql = SQLBuilder("SELECT id, password FROM res_users WHERE active AND login = ")
            sql.bind(.text(login))
            guard let row = try await tx.query(sql).first, !password.isEmpty else { return nil }
            let (uid, stored) = try row.decode((Int64, String?).self)
            guard let stored, await cache.isVerified(cache.fingerprint("\(uid)", password), storedHash: stored) else { return nil }
            var seen = SQLBuilder("UPDATE res_users SET login_date = now() WHERE id = ")
            seen.bind(.int(uid))
            seen += " AND (login_date IS NULL OR login_date < now() - interval '1 minute')"
            try await tx.query(seen)
            return uid
        }
        if let known { return known }
        let keys = ["login:" + login.lowercased()] + Self.addressKey(address)
        let failures = try await database.transaction(logger: logger) { tx in try await Self.failures(tx, keys: keys) }
        if failures.locked {
            logger.warning("login refused: locked after repeated failures", metadata: ["login": "\(login)", "address": "\(address)"])
            throw Self.lockedOut
        }
        if failures.count >= policy.slowAfter {
            try await Task.sleep(for: policy.delayStep * min(failures.count - policy.slowAfter + 1, 10))
        }
        let uid = try await database.transaction(logger: logger) { tx in
            try await Self.check(tx, login: login, password: password, cache: cache)
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

    static func check(_ tx: Transaction, login: String, password: String, cache: AuthCache) async throws -> Int64? {
        guard !password.isEmpty else { return nil }
        var sql = SQLBuilder("SELECT id, password FROM res_users WHERE active AND login = ")
        sql.bind(.text(login))
        guard let row = try await tx.query(sql).first else { return nil }
        let (uid, stored) = try row.decode((Int64, String?).self)
        return try await verify(tx, uid: uid, stored: stored, secret: password, cache: cache) ? uid : nil
    }

    /// Whether `secret` is the password or a live API key of `uid`; verified password hashes are
    /// remembered by the cache.
    static func verify(_ tx: Transaction, uid: Int64, stored: String?, secret: String, cache: AuthCache) async throws -> Bool {
        guard !secret.isEmpty else { return false }
        if let stored {
            let fingerprint = cache.fingerprint("\(uid)", secret)
            if await cache.isVerified(fingerprint, storedHash: stored) { return true }
            if PasswordHash.verify(secret, against: stored) {
                await cache.remember(fingerprint, storedHash: stored)
                return true
            }
        }
        if APIKey.looksLikeKey(secret) { return try await APIKeys.verify(tx, uid: uid, key: secret) }
        return false
    }

    /// Checks the credentials that a stateless RPC call carries (`execute_kw(db, uid, password, …)`)
    /// inside the call's own transaction, and returns the user for the environment (nil for wrong
    /// credentials). A secret already verified against the current hash costs no more than that
    /// one query; otherwise the lock-out is checked before the slow verification, so guesses
    /// stay throttled while working integrations keep working during an attack.
    public func verifyCall(_ tx: Transaction, uid: Int64, secret: String, address: String) async throws -> UserRow? {
        guard let user = try await UserRow.fetch(tx, uid: uid), !secret.isEmpty else { return nil }
        if let stored = user.passwordHash, await cache.isVerified(cache.fingerprint("\(uid)", secret), storedHash: stored) {
            return user
        }
        if try await Self.failures(tx, keys: ["uid:\(uid)"] + Self.addressKey(address)).locked {
            throw Self.lockedOut
        }
        return try await Self.verify(tx, uid: uid, stored: user.passwordHash, secret: secret, cache: cache) ? user : nil
    }

    /// Records a refused call (in its own transaction: the call's is rolled back).
    public func recordFailure(uid: Int64, address: String, logger: Logger) async {
        let policy = self.policy
        logger.notice("rpc call refused: wrong credentials", metadata: ["uid": "\(uid)", "address": "\(address)"])
        _ = try? await database.transaction(logger: logger) { tx in
            try await Self.recordFailure(tx, keys: ["uid:\(uid)"] + Self.addressKey(address), policy: policy)
        }
    }

    /// The per-address throttling key. Loopback and local-socket peers are the reverse proxy or
    /// the machine itself: throttling them would lock out every client behind the proxy, so only
    /// the per-login key applies to them.
    static func addressKey(_ address: String) -> [String] {
        if address == "local" || address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.") { return [] }
        return ["ip:" + address]
    }

    static let lockedOut = ChainstoreError(.throttled, "Too many login failures, please wait a little before trying again.")

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
