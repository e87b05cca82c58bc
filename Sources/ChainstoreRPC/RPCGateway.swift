import ChainstoreCore
import ChainstoreDB
import Logging

/// The services of Odoo's external API — `common`, `object`, `db` — independent of the transport
/// (XML-RPC, `/jsonrpc`, web routes). Every `object` call is one transaction, as one user.
public struct RPCGateway: Sendable {
    public let databases: any DatabaseProvider
    public let registry: Registry
    public let identity: any Identity
    public let dispatcher: ModelDispatcher
    public var listDatabases = true

    public init(databases: any DatabaseProvider, registry: Registry, identity: any Identity) {
        self.databases = databases
        self.registry = registry
        self.identity = identity
        self.dispatcher = ModelDispatcher(methods: registry.methods)
    }

    /// What `common.version()` and `/web/webclient/version_info` answer: Odoo 17, as the clients parse it.
    public static let version: Value = [
        "server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""], "server_serie": "17.0", "protocol_version": 1,
    ]

    // MARK: common

    public func common(_ method: String, _ params: [Value], caller: Client) async throws -> Value {
        switch method {
        case "version": return Self.version
        case "about": return "See https://chainstore.example/ — Odoo 17 compatible API"
        case "login", "authenticate":
            guard params.count >= 3, case .string(let db) = params[0], case .string(let login) = params[1], case .string(let password) = params[2] else {
                throw ChainstoreError.typeError("\(method)() takes db, login and password")
            }
            let database = try await databases.database(named: db, host: caller.host)
            let uid = try await identity.signIn(database, login: login, secret: password, client: caller)
            return uid.map(Value.int) ?? .false
        default:
            throw ChainstoreError(.attributeError, "The method '\(method)' does not exist on the service 'common'")
        }
    }

    // MARK: object

    public func object(_ method: String, _ params: [Value], caller: Client) async throws -> Value {
        guard method == "execute" || method == "execute_kw" else {
            throw ChainstoreError(.attributeError, "The method '\(method)' does not exist on the service 'object'")
        }
        guard params.count >= 5, case .string(let db) = params[0], case .string(let secret) = params[2],
            case .string(let model) = params[3], case .string(let name) = params[4]
        else { throw ChainstoreError.typeError("\(method)() takes db, uid, password, model, method, …") }
        guard let uid = params[1].intValue ?? params[1].stringValue.flatMap({ Int64($0) }) else {
            throw ChainstoreError(.accessDenied, "Access Denied")
        }
        var args = Array(params.dropFirst(5))
        var kwargs = RecordValues()
        if method == "execute_kw" {
            guard let first = args.first, case .array(let positional) = first else {
                throw ChainstoreError.typeError("execute_kw() takes a list of positional arguments")
            }
            if args.count > 1 {
                guard case .dict(let keywords) = args[1] else { throw ChainstoreError.typeError("execute_kw() takes a dictionary of keyword arguments") }
                kwargs = keywords
            }
            args = positional
        }
        let database = try await databases.database(named: db, host: caller.host)
        return try await call(database, uid: uid, secret: secret, model: model, method: name, args: args, kwargs: kwargs, caller: caller)
    }

    /// One authenticated call in one transaction, with credentials (`execute_kw`) or as the user
    /// of a web session (`secret` nil); wrong credentials are AccessDenied and counted.
    func call(
        _ database: Database, uid: Int64, secret: String?, model: String, method: String, args: [Value], kwargs: RecordValues,
        caller: Client
    ) async throws -> Value {
        let (identity, registry, dispatcher) = (self.identity, self.registry, self.dispatcher)
        var context = RecordValues()
        if case .dict(let given)? = kwargs["context"] { context = given }
        var keywords = kwargs
        keywords["context"] = nil
        let finalKeywords = keywords
        let callContext = context
        let credentials = secret.map { Credentials.uid(uid, secret: $0) }
        // Under READ COMMITTED every statement takes its own snapshot, so a read-only generic
        // method loses nothing without BEGIN/COMMIT and saves two round trips.
        let readOnly = Self.readOnlyMethods.contains(method) && dispatcher.methods.method(model, method) == nil
        // A read by a caller verified a moment ago (the same credentials from the same kind of
        // place, within `CallerCache.lifetime`) skips loading the user again: one statement a call
        // (also when the context names the caller's own companies, as Odoo's clients do).
        let known = readOnly
            ? credentials.flatMap { identity.remembered(database, credentials: $0, client: caller) }
                .flatMap { $0.keeps(allowedCompanies: callContext["allowed_company_ids"]) ? $0 : nil }
            : nil
        do {
            let work: @Sendable (Transaction) async throws -> Value = { tx in
                let env = if let known {
                    known.withContext(callContext)
                } else if let credentials {
                    try await identity.environment(tx, credentials: credentials, client: caller, context: callContext)
                } else {
                    try await identity.environment(tx, uid: uid, context: callContext, logger: caller.logger)
                }
                let store = RecordStore(registry: registry, tx: tx, env: env)
                return try await dispatcher.call(store, model: model, method: method, args: args, kwargs: finalKeywords)
            }
            // Reads may be served by a replica that has replayed this caller's own writes; a
            // write notes where its commit reached, for the caller's next reads.
            if readOnly { return try await database.read(logger: caller.logger, caller: uid, work) }
            return try await ReplicaSet.$writer.withValue(ReplicaSet.Writer(uid)) { try await database.transaction(logger: caller.logger, work) }
        } catch let error as ChainstoreError where error.code == .accessDenied {
            if let credentials { await identity.refused(database, credentials: credentials, client: caller) }
            throw error
        }
    }

    static let readOnlyMethods: Set<String> = [
        "search", "search_count", "read", "search_read", "fields_get", "default_get", "name_search", "name_get",
        "read_group", "check_access_rights", "exists", "context_get",
    ]

    // MARK: db

    public func db(_ method: String, _ params: [Value], caller: Client) async throws -> Value {
        switch method {
        case "list":
            guard listDatabases else { throw ChainstoreError(.accessDenied, "Access Denied") }
            return .array(try await databases.names(host: caller.host).map(Value.string))
        case "server_version": return "17.0"
        case "db_exist":
            guard case .string(let name)? = params.first else { throw ChainstoreError.typeError("db_exist() takes a database name") }
            return .bool(try await databases.names(host: caller.host).contains(name))
        case "list_lang": return [["en_US", "English (US)"], ["zh_CN", "Chinese (Simplified) / 简体中文"]]
        case "create_database", "duplicate_database", "drop", "dump", "restore", "rename", "change_admin_password", "list_countries":
            // Tenant databases are provisioned by operators (`chainstore migrate --database`), not over the API.
            throw ChainstoreError(.accessDenied, "Access Denied")
        default:
            throw ChainstoreError(.attributeError, "The method '\(method)' does not exist on the service 'db'")
        }
    }
}
