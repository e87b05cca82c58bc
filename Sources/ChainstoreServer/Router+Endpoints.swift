import ChainstoreCore
import ChainstoreDB
import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension Router where Context == ChainstoreRequestContext {
    /// Serves the modules' endpoints whose role this node has (those of the back office, or the
    /// others, or all: `backOffice` nil).
    public func addEndpoints(_ endpoints: [Endpoint], node: NodeContext, roles: Set<NodeRole>, backOffice: Bool? = nil) {
        for endpoint in endpoints where roles.contains(endpoint.role) && (backOffice == nil || backOffice == endpoint.isBackOffice) {
            let responder: @Sendable (Request, Context) async throws -> Response = { request, context in
                await EndpointAdapter.respond(endpoint, request, context, node: node)
            }
            switch endpoint.method {
            case .get: get(RouterPath(endpoint.path), use: responder)
            case .post: post(RouterPath(endpoint.path), use: responder)
            }
        }
    }
}

/// Turns a request into an `EndpointRequest` (body read within the endpoint's limit, the caller
/// signed in for `.user` routes) and the handler's answer or error into a response.
enum EndpointAdapter {
    static func respond(_ endpoint: Endpoint, _ request: Request, _ context: ChainstoreRequestContext, node: NodeContext) async -> Response {
        do {
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: endpoint.maxBodyBytes) } catch {
                throw ChainstoreError.valueError("The request body is larger than \(endpoint.maxBodyBytes / 1024) KiB")
            }
            let client = Client(address: context.clientAddress, host: request.head.authority, logger: context.logger)
            var headers: [String: String] = [:]
            for field in request.headers where headers[field.name.canonicalName] == nil { headers[field.name.canonicalName] = field.value }
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters where query[String(name)] == nil { query[String(name)] = String(value) }
            var parameters: [String: String] = [:]
            for name in endpoint.parameterNames { parameters[name] = context.parameters.get(name) }
            let caller = endpoint.access == .user ? try await signIn(headers: headers, query: query, client: client, node: node) : nil
            let answer = try await endpoint.handler(EndpointRequest(
                path: request.uri.path, parameters: parameters, query: query, headers: headers, body: Array(buffer: body), client: client,
                node: node, caller: caller))
            var fields = HTTPFields()
            for (name, value) in answer.headers { if let name = HTTPField.Name(name) { fields[name] = value } }
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        } catch {
            return APIError.response(error, logger: context.logger)
        }
    }

    /// The caller of a `.user` route: HTTP Basic credentials, else the web session cookie, in the
    /// database named by `?db=`, `X-Chainstore-Database` or the cookie (default: the node's).
    static func signIn(headers: [String: String], query: [String: String], client: Client, node: NodeContext) async throws -> CallerSession {
        let named = query["db"] ?? headers["x-chainstore-database"]
        if let header = headers["authorization"], header.lowercased().hasPrefix("basic ") {
            guard let decoded = Data(base64Encoded: String(header.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) }),
                let colon = decoded.firstIndex(of: ":")
            else { throw ChainstoreError(.accessDenied, "HTTP Basic credentials are malformed") }
            let database = try await node.databases.database(named: named ?? node.main.name, host: client.host)
            let credentials = Credentials.basic(name: String(decoded[..<colon]), secret: String(decoded[decoded.index(after: colon)...]))
            return CallerSession(database: database, proof: .credentials(credentials), identity: node.identity, registry: node.registry, client: client)
        }
        if let (db, token) = SessionCookie.parse(headers["cookie"]), named == nil || named == db,
            let database = try? await node.databases.database(named: db, host: client.host)
        {
            let identity = node.identity
            if let uid = try await database.transaction(logger: client.logger, { tx in try await identity.sessionUser(tx, token: token) }) {
                return CallerSession(database: database, proof: .session(uid: uid), identity: identity, registry: node.registry, client: client)
            }
        }
        throw ChainstoreError(.accessDenied, "HTTP Basic credentials (login:password or API key) or a session are required")
    }
}

/// The one place a `ChainstoreError` becomes an HTTP answer of the JSON APIs (as `OdooError` does
/// for RPC): `{"ok": false, "error": <kind>, "message", "detail": {"code", "message"}}` with the
/// status of its kind. Anything that is not a `ChainstoreError` is logged and answered as an
/// internal error, without its text.
public enum APIError {
    public static func response(_ error: any Error, logger: Logger) -> Response {
        let failure: ChainstoreError
        if let known = error as? ChainstoreError {
            failure = known
        } else {
            logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            failure = ChainstoreError(.internalError, "Internal server error")
        }
        let status: HTTPResponse.Status = switch failure.code {
        case .accessDenied, .sessionExpired: .unauthorized
        case .accessError: .forbidden
        case .missingError: .notFound
        case .valueError, .validationError, .typeError, .userError: .badRequest
        case .throttled: .tooManyRequests
        case .unavailable, .commitUnknown: .serviceUnavailable
        default: .internalServerError
        }
        let kind: String = switch status {
        case .notFound: "unknown_code"
        case .badRequest: "malformed"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .tooManyRequests: "throttled"
        case .serviceUnavailable: failure.code == .commitUnknown ? "commit_unknown" : "unavailable"
        default: "error"
        }
        var json = JSONWriter()
        json.value(["ok": false, "error": .string(kind), "message": .string(failure.message),
                    "detail": ["code": .string(failure.code.description), "message": .string(failure.message)]])
        var headers: HTTPFields = [.contentType: "application/json"]
        // A session that ended asks for a new sign-in, not for HTTP Basic credentials (a browser
        // would open its login box over the page).
        if failure.code == .accessDenied { headers[.wwwAuthenticate] = "Basic realm=\"chainstore\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}
