import ChainstoreCore
import Logging

/// What a request presents to say who it is.
public enum Credentials: Sendable, Hashable {
    /// `execute_kw(db, uid, password, …)`, or HTTP Basic with a numeric name.
    case uid(Int64, secret: String)
    /// A login and its password or API key (HTTP Basic, sign-in forms).
    case login(String, secret: String)

    /// HTTP Basic's name: a uid when it is all digits, else a login.
    public static func basic(name: String, secret: String) -> Credentials {
        Int64(name).map { .uid($0, secret: secret) } ?? .login(name, secret: secret)
    }
}

/// The one login → environment step of every entry point: Odoo's RPC, the JSON APIs and the web
/// pages all turn credentials (or a session) into an `Env` here. The `base` module, which owns
/// users, passwords, API keys, throttling and sessions, implements it; the RPC layer and the
/// server only see this protocol.
public protocol Identity: Sendable {
    /// Signs in with a login and a password or API key (`common.login`, the session route):
    /// the user id, or nil for wrong credentials. Failures are counted; a locked login or
    /// address is `.throttled`.
    func signIn(_ database: Database, login: String, secret: String, client: Client) async throws -> Int64?

    /// The environment of a call that carries its credentials, checked inside the call's own
    /// transaction (one round trip when they were verified recently). Wrong credentials throw
    /// `.accessDenied`; the caller then reports them with `refused`, outside the rolled-back
    /// transaction.
    func environment(_ tx: Transaction, credentials: Credentials, client: Client, context: RecordValues) async throws -> Env

    /// The environment of a user already signed in (a web session).
    func environment(_ tx: Transaction, uid: Int64, context: RecordValues, logger: Logger) async throws -> Env

    /// An environment built from memory for credentials verified moments ago (no database
    /// round trip); nil when they must be checked.
    func remembered(_ database: Database, credentials: Credentials, client: Client) -> Env?

    /// Counts refused credentials toward the lock-out of that login and that address.
    func refused(_ database: Database, credentials: Credentials, client: Client) async

    /// The web sign-in's first step: the user whose password (or API key) this is, and what the
    /// session must wait for before it is signed in (a second factor, or its enrolment).
    func webSignIn(_ database: Database, login: String, secret: String, client: Client) async throws -> (uid: Int64, awaiting: SecondFactor)?
    /// Opens a web session for `uid`, signed in or waiting for `awaiting`: its token (only its
    /// digest is stored).
    func openSession(_ tx: Transaction, uid: Int64, client: Client, awaiting: SecondFactor) async throws -> String
    /// The user of a live, signed-in session token, or nil.
    func sessionUser(_ tx: Transaction, token: String) async throws -> Int64?
    func closeSession(_ tx: Transaction, token: String) async throws
    /// The longest a session lives, used or not (the cookie's lifetime).
    var sessionLifetime: Duration { get }

    /// Whether `env` administers the database (Odoo's `is_system`).
    func isAdministrator(_ env: Env) -> Bool
}

/// What a web sign-in waits for after the password.
public enum SecondFactor: String, Sendable {
    /// Nothing: the session is signed in.
    case none
    /// A code from the user's authenticator app (or a recovery code).
    case code = "totp"
    /// Enrolment: the user's group requires a second factor the user has not set up yet.
    case enrol
    /// A new password: the user's has expired.
    case password
}

/// Finds a tenant database by name (the `db` of a call, `?db=`, the session cookie) and lists
/// the visible ones.
public protocol DatabaseProvider: Sendable {
    /// The node's own database: the default tenant.
    var main: Database { get }
    /// The database `name`, if the request's host may see it.
    func database(named name: String, host: String?) async throws -> Database
    func names(host: String?) async throws -> [String]
    /// Every migrated tenant database, whatever the host filter: background work covers them all.
    func tenants() async throws -> [Database]
}

/// A signed-in caller of an endpoint: a database and credentials (HTTP Basic) or a session.
/// Its work runs through `run`, which checks the credentials in the same transaction as the
/// work, as Odoo's RPC does.
public struct CallerSession: Sendable {
    public enum Proof: Sendable {
        case credentials(Credentials)
        case session(uid: Int64)
    }

    public let database: Database
    public let proof: Proof
    public let identity: any Identity
    public let registry: Registry
    public let client: Client

    public init(database: Database, proof: Proof, identity: any Identity, registry: Registry, client: Client) {
        self.database = database
        self.proof = proof
        self.identity = identity
        self.registry = registry
        self.client = client
    }

    /// The caller's environment from memory, when the credentials were verified moments ago.
    public var remembered: Env? {
        guard case .credentials(let credentials) = proof else { return nil }
        return identity.remembered(database, credentials: credentials, client: client)
    }

    /// Runs `body` as the caller, in a transaction or statement by statement (reads). A write
    /// notes where its commit reached, for the caller's next reads from a replica.
    public func run<T: Sendable>(
        transaction: Bool = false, context: RecordValues = [:], _ body: @escaping @Sendable (RecordStore) async throws -> T
    ) async throws -> T {
        guard transaction else { return try await perform(context: context, writer: nil, body) { work in try await database.withoutTransaction(logger: client.logger, work) } }
        let writer = ReplicaSet.Writer()
        return try await ReplicaSet.$writer.withValue(writer) {
            try await perform(context: context, writer: writer, body) { work in try await database.transaction(logger: client.logger, work) }
        }
    }

    /// Read-only work where a moment's staleness is acceptable (catalogue downloads, dashboards,
    /// reports): on a replica fit for the caller when the node has one (see `Database.read`),
    /// statement by statement. A caller signing in with a login this node has not seen lately
    /// reads from the primary: its own last write is known by its uid only.
    public func read<T: Sendable>(context: RecordValues = [:], _ body: @escaping @Sendable (RecordStore) async throws -> T) async throws -> T {
        let uid: Int64? = switch proof {
        case .session(let uid): uid
        case .credentials(.uid(let uid, _)): uid
        case .credentials: remembered?.uid
        }
        guard let uid else { return try await run(context: context, body) }
        return try await perform(context: context, writer: nil, body) { work in try await database.read(logger: client.logger, caller: uid, work) }
    }

    /// The caller's environment (remembered, or checked in `tx`), then `body`, through `database`.
    private func perform<T: Sendable>(
        context: RecordValues, writer: ReplicaSet.Writer?, _ body: @escaping @Sendable (RecordStore) async throws -> T,
        through execute: (@escaping @Sendable (Transaction) async throws -> T) async throws -> T
    ) async throws -> T {
        let (identity, registry, client, proof) = (self.identity, self.registry, self.client, self.proof)
        let known = context.isEmpty ? remembered : nil
        do {
            return try await execute { tx in
                let env: Env
                if let known {
                    env = known
                    // No query loaded the user: name it the audit actor of what it writes.
                    if writer != nil { try await AuditTrail.setActor(tx, uid: known.uid) }
                } else {
                    switch proof {
                    case .credentials(let credentials):
                        env = try await identity.environment(tx, credentials: credentials, client: client, context: context)
                    case .session(let uid):
                        env = try await identity.environment(tx, uid: uid, context: context, logger: client.logger)
                    }
                }
                writer?.set(env.uid)
                return try await body(RecordStore(registry: registry, tx: tx, env: env))
            }
        } catch let error as ChainstoreError where error.code == .accessDenied {
            if case .credentials(let credentials) = proof { await identity.refused(self.database, credentials: credentials, client: client) }
            throw error
        }
    }

    /// The caller's environment, verified in a short call of its own (for work that must not
    /// hold a connection, such as waiting for a payment channel).
    public func environment() async throws -> Env {
        if let remembered { return remembered }
        return try await run { store in store.env }
    }
}

/// The web session cookie, as Odoo's clients keep it: `session_id=<64 hex token>-<database>`.
public enum SessionCookie {
    public static func parse(_ header: String?) -> (db: String, token: String)? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingPrefix(" ")
            guard pair.hasPrefix("session_id=") else { continue }
            let value = pair.dropFirst("session_id=".count)
            guard value.count > 65, value[value.index(value.startIndex, offsetBy: 64)] == "-" else { return nil }
            return (String(value.dropFirst(65)), String(value.prefix(64)))
        }
        return nil
    }

    public static func set(token: String, database: String, lifetime: Duration, secure: Bool = false) -> String {
        "session_id=\(token)-\(database); Path=/; HttpOnly; SameSite=Lax; Max-Age=\(lifetime.components.seconds)" + (secure ? "; Secure" : "")
    }

    public static let cleared = "session_id=; Path=/; HttpOnly; Max-Age=0"

    /// The token the back office sends in `X-CSRF-Token` with its own posts: derived from the
    /// session's (which the page cannot read: the cookie is HttpOnly) and handed to the page
    /// with the session's info.
    public static func csrfToken(for token: String) -> String { APIKey.digest("csrf|" + token) }
}
