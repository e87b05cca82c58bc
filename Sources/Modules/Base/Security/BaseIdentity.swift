import ChainstoreCore
import ChainstoreDB
import Logging
import Synchronization

/// The login → environment step of every entry point (`Identity`), over the base module's users:
/// passwords (PBKDF2, verified hashes remembered by `AuthCache`), API keys, lock-out per login and
/// per client address (`Authenticator`), web sessions, and the environment built from the user's
/// groups and companies (`EnvLoader`).
public struct BaseIdentity: Identity {
    public let cache: AuthCache
    public var policy: Authenticator.Policy
    let callers = CallerCache()

    public init(cache: AuthCache = AuthCache(), policy: Authenticator.Policy = .init()) {
        self.cache = cache
        self.policy = policy
    }

    func authenticator(_ database: Database) -> Authenticator { Authenticator(database: database, policy: policy, cache: cache) }

    public func signIn(_ database: Database, login: String, secret: String, client: Client) async throws -> Int64? {
        try await authenticator(database).authenticate(login: login, password: secret, address: client.address, logger: client.logger)
    }

    public func environment(_ tx: Transaction, credentials: Credentials, client: Client, context: RecordValues) async throws -> Env {
        guard let user = try await Authenticator.verifyCall(tx, credentials: credentials, address: client.address, cache: cache) else {
            throw ChainstoreError(.accessDenied, "Access Denied")
        }
        callers.store(key(tx.database, credentials, client), EnvLoader.env(user: user, logger: client.logger))
        return try await EnvLoader.env(tx, user: user, context: context, logger: client.logger)
    }

    public func environment(_ tx: Transaction, uid: Int64, context: RecordValues, logger: Logger) async throws -> Env {
        guard let user = try await UserRow.fetch(tx, uid: uid) else { throw ChainstoreError(.sessionExpired, "Session expired") }
        return try await EnvLoader.env(tx, user: user, context: context, logger: logger)
    }

    public func remembered(_ database: Database, credentials: Credentials, client: Client) -> Env? {
        callers.lookup(key(database.name, credentials, client)).map { EnvLoader.logging($0, to: client.logger) }
    }

    public func refused(_ database: Database, credentials: Credentials, client: Client) async {
        await authenticator(database).recordFailure(credentials, address: client.address, logger: client.logger)
    }

    public func webSignIn(_ database: Database, login: String, secret: String, client: Client) async throws -> (uid: Int64, awaiting: SecondFactor)? {
        let authenticator = authenticator(database)
        guard let uid = try await authenticator.authenticate(login: login, password: secret, address: client.address, firstFactor: true, logger: client.logger)
        else { return nil }
        return (uid, try await database.transaction(logger: client.logger) { tx in
            let factor = try await TwoFactor.awaited(tx, uid: uid)
            guard factor == .none else { return factor }
            return try await Users.passwordExpired(tx, uid: uid) ? .password : .none
        })
    }

    public func openSession(_ tx: Transaction, uid: Int64, client: Client, awaiting: SecondFactor) async throws -> String {
        try await WebSessions.create(tx, uid: uid, address: client.address, awaiting: awaiting)
    }
    public func sessionUser(_ tx: Transaction, token: String) async throws -> Int64? { try await WebSessions.user(tx, token: token) }
    public func closeSession(_ tx: Transaction, token: String) async throws { try await WebSessions.destroy(tx, token: token) }
    public var sessionLifetime: Duration { WebSessions.absolute }

    public func isAdministrator(_ env: Env) -> Bool { env.hasGroup(Base.Group.system) }

    /// Credentials are remembered under their database, their name, a keyed digest of the secret,
    /// and whether the client is on this machine (a published password is good only there).
    func key(_ database: String, _ credentials: Credentials, _ client: Client) -> String {
        let place = Authenticator.isLocal(client.address) ? "local" : "remote"
        return switch credentials {
        case .uid(let uid, let secret): "\(database)|\(place)|#\(uid)|" + cache.fingerprint("#\(uid)", secret)
        case .login(let login, let secret): "\(database)|\(place)|\(login)|" + cache.fingerprint(login, secret)
        }
    }
}

/// Callers recently verified, for a few seconds, with the environment their user row gives
/// (without a call's context): a till scanning all day costs one query per scan, not two, and
/// the environment is not built again for each. A changed password or a disabled user takes
/// effect within `lifetime`.
final class CallerCache: Sendable {
    let lifetime: Duration = .seconds(5)
    private let entries = Mutex<[String: (Env, ContinuousClock.Instant)]>([:])

    func lookup(_ key: String) -> Env? {
        entries.withLock { all in
            guard let (env, expires) = all[key], expires > .now else { return nil }
            return env
        }
    }

    func store(_ key: String, _ env: Env) {
        let expires = ContinuousClock.now + lifetime
        entries.withLock { all in
            if all.count > 50_000 { all.removeAll(keepingCapacity: true) }
            all[key] = (env, expires)
        }
    }
}
