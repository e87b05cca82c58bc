import Base
import ChainstoreCore
import ChainstoreDB
import Logging

/// Finds a tenant database by name (the `db` of a call) and lists the visible ones.
public protocol DatabaseProvider: Sendable {
    /// The database `name`, if the request's host may see it.
    func database(named name: String, host: String?) async throws -> Database
    func names(host: String?) async throws -> [String]
}

/// Who is calling: the client address (for login throttling), the Host header (for the
/// db-filter) and the request's logger.
public struct Caller: Sendable {
    public let address: String
    public let host: String?
    public let logger: Logger
    public init(address: String, host: String?, logger: Logger) {
        self.address = address
        self.host = host
        self.logger = logger
    }
}

/// The services of Odoo's external API — `common`, `object`, `db` — independent of the transport
/// (XML-RPC, `/jsonrpc`, web routes). Every `object` call is one transaction, as one user.
public struct RPCGateway: Sendable {
    public let databases: any DatabaseProvider
    public let registry: Registry
    public let dispatcher: ModelDispatcher
    public let cache: AuthCache
    public var listDatabases = true

    public init(databases: any DatabaseProvider, registry: Registry, dispatcher: ModelDispatcher, cache: AuthCache = AuthCache()) {
        self.databases = databases
        self.registry = registry
        self.dispatcher = dispatcher
        self.cache = cache
    }

    /// What `common.version()` and `/web/webclient/version_info` answer: Odoo 17, as the clients parse it.
    public static let version: Value = [
        "server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""], "server_serie": "17.0", "protocol_version": 1,
    ]

    // MARK: common

    public func common(_ method: String, _ params: [Value], caller: Caller) async throws -> Value {
        switch method {
        case "version": return Self.version
        case "about": return "See https://chainstore.example/ — Odoo 17 compatible API"
        case "login", "authenticate":
            guard params.count >= 3, case .string(let db) = params[0], case .string(let login) = params[1], case .string(let password) = params[2] else {
                throw ChainstoreError.typeError("\(method)() takes db, login and password")
            }
            let database = try await databases.database(named: db, host: caller.host)
            let uid = try await Authenticator(database: database, cache: cache).authenticate(login: login, password: password, address: caller.address, logger: caller.logger)
            return uid.map(Value.int) ?? .false
        default:
            throw ChainstoreError(.attributeError, "The method '\(method)' does not exist on the service 'common'")
        }
    }

    // MARK: object

    public func object(_ method: String, _ params: [Value], caller: Caller) async throws -> Value {
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

    /// One authenticated call in one transaction; wrong credentials are AccessDenied and counted.
    func call(
        _ database: Database, uid: Int64, secret: String?, model: String, method: String, args: [Value], kwargs: RecordValues,
        caller: Caller
    ) async throws -> Value {
        let authenticator = Authenticator(database: database, cache: cache)
        let registry = self.registry
        let dispatcher = self.dispatcher
        var context = RecordValues()
        if case .dict(let given)? = kwargs["context"] { context = given }
        var keywords = kwargs
        keywords["context"] = nil
        let finalKeywords = keywords
        let callContext = context
        // Under READ COMMITTED every statement takes its own snapshot, so a read-only generic
        // method loses nothing without BEGIN/COMMIT and saves two round trips.
        let readOnly = Self.readOnlyMethods.contains(method) && dispatcher.methods.method(model, method) == nil
        do {
            return try await database.run(logger: caller.logger, transaction: !readOnly) { tx in
                let user: UserRow?
                if let secret {
                    user = try await authenticator.verifyCall(tx, uid: uid, secret: secret, address: caller.address)
                } else {
                    user = try await UserRow.fetch(tx, uid: uid)
                }
                guard let user else { throw ChainstoreError(.accessDenied, "Access Denied") }
                let env = try await EnvLoader.env(tx, user: user, context: callContext, logger: caller.logger)
                let store = RecordStore(registry: registry, tx: tx, env: env)
                return try await dispatcher.call(store, model: model, method: method, args: args, kwargs: finalKeywords)
            }
        } catch let error as ChainstoreError where error.code == .accessDenied && secret != nil {
            await authenticator.recordFailure(uid: uid, address: caller.address, logger: caller.logger)
            throw error
        }
    }

    static let readOnlyMethods: Set<String> = [
        "search", "search_count", "read", "search_read", "fields_get", "default_get", "name_search", "name_get",
        "read_group", "check_access_rights", "exists", "context_get",
    ]

    // MARK: db

    public func db(_ method: String, _ params: [Value], caller: Caller) async throws -> Value {
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
