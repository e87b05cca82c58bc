import ChainstoreCore
import ChainstoreDB
import Logging

/// The JSON routes of Odoo's API (`/jsonrpc` and the web-client routes), given the request body
/// and the session cookie, answering the body to send and a cookie to set.
public struct JSONRPCEndpoints: Sendable {
    public struct Response: Sendable {
        public var status: Int = 200
        public var body: [UInt8]
        public var contentType = "application/json"
        public var setCookie: String?
    }

    public let gateway: RPCGateway
    public var limits = JSONReader.Limits()

    public init(gateway: RPCGateway) { self.gateway = gateway }

    public static let paths = [
        "/jsonrpc", "/web/webclient/version_info", "/web/session/authenticate", "/web/session/get_session_info",
        "/web/session/destroy", "/web/session/check", "/web/dataset/call_kw", "/web/dataset/call_button", "/web/database/list",
    ]

    public func handle(path: String, body: [UInt8], cookie: String?, caller: Client) async -> Response {
        let request: Value
        do {
            request = try JSONReader.parse(body, limits: limits)
        } catch {
            return Response(status: 400, body: Array("Invalid JSON data".utf8), contentType: "text/plain; charset=utf-8")
        }
        let id = request["id"] ?? .null
        guard case .dict(let params)? = request["params"] ?? .dict([:]) else {
            return Response(body: Self.envelope(id: id, error: OdooError(ChainstoreError.typeError("params must be an object")).jsonError))
        }
        var setCookie: String?
        do {
            let result = try await route(path: path, params: params, cookie: cookie, caller: caller, setCookie: &setCookie)
            return Response(body: Self.envelope(id: id, result: result), setCookie: setCookie)
        } catch let error as ChainstoreError where error.code == .sessionExpired {
            let expired: Value = [
                "code": 100, "message": "Odoo Session Expired",
                "data": ["name": "odoo.http.SessionExpiredException", "message": "Session expired", "arguments": ["Session expired"], "context": [:], "debug": ""],
            ]
            return Response(body: Self.envelope(id: id, error: expired), setCookie: setCookie)
        } catch {
            if (error as? ChainstoreError) == nil { caller.logger.error("rpc call failed", metadata: ["error": "\(String(reflecting: error))"]) }
            return Response(body: Self.envelope(id: id, error: OdooError(error).jsonError), setCookie: setCookie)
        }
    }

    private func route(
        path: String, params: RecordValues, cookie: String?, caller: Client, setCookie: inout String?
    ) async throws -> Value? {
        switch path {
        case "/jsonrpc":
            guard case .string(let service)? = params["service"], case .string(let method)? = params["method"] else {
                throw ChainstoreError.typeError("jsonrpc takes service, method and args")
            }
            let args = params["args"]?.arrayValue ?? []
            switch service {
            case "common": return try await gateway.common(method, args, caller: caller)
            case "object": return try await gateway.object(method, args, caller: caller)
            case "db": return try await gateway.db(method, args, caller: caller)
            default: throw ChainstoreError(.attributeError, "No such service '\(service)'")
            }
        case "/web/webclient/version_info":
            return RPCGateway.version
        case "/web/database/list":
            return try await gateway.db("list", [], caller: caller)
        case "/web/session/authenticate":
            guard case .string(let db)? = params["db"], case .string(let login)? = params["login"], case .string(let password)? = params["password"] else {
                throw ChainstoreError.typeError("authenticate takes db, login and password")
            }
            let (info, token) = try await gateway.openSession(db: db, login: login, password: password, caller: caller)
            setCookie = SessionCookie.set(token: token, database: db, lifetime: gateway.identity.sessionLifetime, secure: caller.secure)
            return info
        case "/web/session/get_session_info":
            let (database, uid) = try await session(cookie, caller: caller)
            return try await gateway.sessionInfo(database, uid: uid, token: SessionCookie.parse(cookie)?.token ?? "", caller: caller)
        case "/web/session/check":
            _ = try await session(cookie, caller: caller)
            return nil
        case "/web/session/destroy":
            if let (db, token) = SessionCookie.parse(cookie), let database = try? await gateway.databases.database(named: db, host: caller.host) {
                let identity = gateway.identity
                try await database.transaction(logger: caller.logger) { tx in try await identity.closeSession(tx, token: token) }
            }
            setCookie = SessionCookie.cleared
            return nil
        default:
            guard path.hasPrefix("/web/dataset/call_kw") || path.hasPrefix("/web/dataset/call_button") else {
                throw ChainstoreError(.attributeError, "404: Not Found")
            }
            let (database, uid) = try await session(cookie, caller: caller)
            guard case .string(let model)? = params["model"], case .string(let method)? = params["method"] else {
                throw ChainstoreError.typeError("call_kw takes model, method, args and kwargs")
            }
            guard gateway.registry.models[model] != nil else { throw ChainstoreError(.keyError, "'\(model)'") }
            let result = try await gateway.call(
                database, uid: uid, secret: nil, model: model, method: method, args: params["args"]?.arrayValue ?? [],
                kwargs: params["kwargs"]?.dictValue ?? [:], caller: caller)
            if path.hasPrefix("/web/dataset/call_button"), result.dictValue == nil { return .false }
            return result
        }
    }

    private func session(_ cookie: String?, caller: Client) async throws -> (Database, Int64) {
        let identity = gateway.identity
        guard let (db, token) = SessionCookie.parse(cookie), let database = try? await gateway.databases.database(named: db, host: caller.host),
            let uid = try await database.transaction(logger: caller.logger, { tx in try await identity.sessionUser(tx, token: token) })
        else { throw ChainstoreError(.sessionExpired, "Session expired") }
        return (database, uid)
    }

    static func envelope(id: Value, result: Value? = nil, error: Value? = nil) -> [UInt8] {
        var json = JSONWriter(capacity: 512)
        json.raw("{\"jsonrpc\":\"2.0\",\"id\":")
        json.value(id)
        if let error {
            json.raw(",\"error\":")
            json.value(error)
        } else if let result {
            json.raw(",\"result\":")
            json.value(result)
        }
        json.byte("}")
        return json.bytes
    }
}
