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

    /// The user id, or `nil` for wrong credentials. Throws `throttled` while locked out. With
    /// `firstFactor`, the password of a user with two-factor sign-in is accepted as the first
    /// step of a web sign-in (the session then waits for the code); anywhere else such a user
    /// needs an API key, as in Odoo.
    public func authenticate(login: String, password: String, address: String, firstFactor: Bool = false, logger: Logger) async throws -> Int64? {
        let cache = self.cache
        // Fast path: a password already verified against the current hash (integrations that
        // log in before every call). The login date is refreshed at most once a minute.
        let known = try await database.transaction(logger: logger) { tx -> Int64? in
            guard !password.isEmpty, let user = try await UserRow.fetch(tx, login: login),
                let stored = Self.usableHash(user, address: address, firstFactor: firstFactor),
                await cache.isVerified(cache.fingerprint("\(user.uid)", password), storedHash: stored)
            else { return nil }
            try await tx.query("UPDATE res_users SET login_date = now() WHERE id = \(user.uid) AND (login_date IS NULL OR login_date < now() - interval '1 minute')")
            return user.uid
        }
        if let known { return known }
        let keys = Self.keys(login: login, address: address)
        let failures = try await database.transaction(logger: logger) { tx in try await Self.failures(tx, keys: keys) }
        if failures.locked {
            logger.warning("login refused: locked after repeated failures", metadata: ["login": "\(login)", "address": "\(address)"])
            throw Self.lockedOut
        }
        if failures.count >= policy.slowAfter {
            try await Task.sleep(for: policy.delayStep * min(failures.count - policy.slowAfter + 1, 10))
        }
        let uid = try await database.transaction(logger: logger) { tx in
            try await Self.check(tx, login: login, password: password, address: address, firstFactor: firstFactor, cache: cache)
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

    static func check(_ tx: Transaction, login: String, password: String, address: String, firstFactor: Bool, cache: AuthCache) async throws -> Int64? {
        guard !password.isEmpty, let user = try await UserRow.fetch(tx, login: login) else { return nil }
        return try await verify(tx, user: user, secret: password, address: address, firstFactor: firstFactor, cache: cache) ? user.uid : nil
    }

    /// The password hash a sign-in from `address` may be checked against: none when the password
    /// is published (the demo's) and the client is not on this machine, or when the user signs
    /// in with a second factor and this is not a web sign-in's first step — only API keys then.
    static func usableHash(_ user: UserRow, address: String, firstFactor: Bool = false) -> String? {
        if user.totpEnabled && !firstFactor { return nil }
        return user.passwordPublished && !isLocal(address) ? nil : user.passwordHash
    }

    static func isLocal(_ address: String) -> Bool {
        address == "local" || address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }

    /// Whether `secret` is the password or a live API key of `uid`; verified password hashes are
    /// remembered by the cache.
    static func verify(_ tx: Transaction, user: UserRow, secret: String, address: String, firstFactor: Bool = false, cache: AuthCache) async throws -> Bool {
        guard !secret.isEmpty else { return false }
        let (uid, stored) = (user.uid, usableHash(user, address: address, firstFactor: firstFactor))
        if stored == nil, user.passwordPublished, !isLocal(address), let published = user.passwordHash, PasswordHash.verify(secret, against: published) {
            tx.logger.warning("published (demo) password refused from a public address", metadata: ["login": "\(user.login)", "address": "\(address)"])
            return false
        }
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

    /// Checks the credentials a call carries (`execute_kw(db, uid, password, …)`, HTTP Basic)
    /// inside the call's own transaction, and returns the user for the environment (nil for
    /// wrong credentials). A secret already verified against the current hash costs no more than
    /// that one query; otherwise the lock-out is checked before the slow verification, so
    /// guesses stay throttled while working integrations keep working during an attack.
    public static func verifyCall(_ tx: Transaction, credentials: Credentials, address: String, cache: AuthCache) async throws -> UserRow? {
        let user: UserRow?
        let secret: String
        switch credentials {
        case .uid(let uid, let given): (user, secret) = (try await UserRow.fetch(tx, uid: uid), given)
        case .login(let login, let given): (user, secret) = (try await UserRow.fetch(tx, login: login), given)
        }
        guard let user, !secret.isEmpty else { return nil }
        if let stored = usableHash(user, address: address), await cache.isVerified(cache.fingerprint("\(user.uid)", secret), storedHash: stored) {
            return user
        }
        if try await failures(tx, keys: keys(login: user.login, address: address)).locked {
            throw lockedOut
        }
        return try await verify(tx, user: user, secret: secret, address: address, cache: cache) ? user : nil
    }

    /// Records refused credentials (in their own transaction: the call's is rolled back), under
    /// the login they name and the client's address.
    public func recordFailure(_ credentials: Credentials, address: String, logger: Logger) async {
        let policy = self.policy
        logger.notice("call refused: wrong credentials", metadata: ["address": "\(address)"])
        _ = try? await database.transaction(logger: logger) { tx in
            let login: String
            switch credentials {
            case .login(let name, _): login = name
            case .uid(let uid, _): login = try await UserRow.fetch(tx, uid: uid)?.login ?? "#\(uid)"
            }
            try await Self.recordFailure(tx, keys: Self.keys(login: login, address: address), policy: policy)
        }
    }

    /// The throttling keys of an attempt: its login, and the client's address.
    static func keys(login: String, address: String) -> [String] { ["login:" + login.lowercased()] + addressKey(address) }

    /// The per-address throttling key. Loopback and local-socket peers are the reverse proxy or
    /// the machine itself: throttling them would lock out every client behind the proxy, so only
    /// the per-login key applies to them.
    static func addressKey(_ address: String) -> [String] {
        // A client an undeclared proxy forwarded is unknown: all of them share that name.
        if isLocal(address) || address == Client.unknownAddress { return [] }
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
