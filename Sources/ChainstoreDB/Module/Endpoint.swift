import ChainstoreCore
import Logging

/// What a node does; `serve --role` picks a combination (all by default). Every endpoint, page
/// and job belongs to one.
public enum NodeRole: String, Sendable, CaseIterable {
    /// Browser apps and the back office.
    case web
    /// Odoo's RPC and the JSON APIs of tills, apps, suppliers and devices.
    case api
    /// Real-time push (WebSocket, long polling).
    case bus
    /// Scheduled and recurring work.
    case cron
}

/// An HTTP route a module serves, described without any HTTP framework: the server (which owns
/// Hummingbird) reads the body up to `maxBodyBytes`, signs the caller in for `.user` routes, calls
/// the handler and renders any `ChainstoreError` it throws as one JSON error shape.
public struct Endpoint: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }

    public enum Access: Sendable {
        /// A signed-in user: HTTP Basic (login or uid, password or API key) or the web session
        /// cookie. Without credentials the server answers 401 before the handler runs.
        case user
        /// Anyone: the handler authenticates the message itself (a payment channel's signed callback).
        case anyone
    }

    public let method: Method
    /// Path with `{name}` parameters, e.g. `/api/v1/payments/{reference}`.
    public let path: String
    public let role: NodeRole
    public let access: Access
    public let maxBodyBytes: Int
    public let handler: @Sendable (EndpointRequest) async throws -> EndpointResponse
    /// Part of the back office (its menus, views, dashboard, sign-in security): served on the
    /// back-office address when the node has one (`serve --backoffice-listen`), else beside the rest.
    public private(set) var isBackOffice = false

    public init(
        _ method: Method, _ path: String, role: NodeRole = .api, access: Access = .user, maxBodyBytes: Int = 16 << 10,
        handler: @escaping @Sendable (EndpointRequest) async throws -> EndpointResponse
    ) {
        self.method = method
        self.path = path
        self.role = role
        self.access = access
        self.maxBodyBytes = maxBodyBytes
        self.handler = handler
    }

    /// This endpoint, as part of the back office.
    public func backOffice() -> Endpoint {
        var copy = self
        copy.isBackOffice = true
        return copy
    }

    /// The names of the path's `{parameters}`.
    public var parameterNames: [String] {
        path.split(separator: "/").compactMap { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? String(part.dropFirst().dropLast()) : nil
        }
    }
}

/// One request to an endpoint.
public struct EndpointRequest: Sendable {
    public let path: String
    public let parameters: [String: String]
    /// Query parameters (the first value of each name).
    public let query: [String: String]
    /// Header values by lower-case name.
    public let headers: [String: String]
    public let body: [UInt8]
    public let client: Client
    public let node: NodeContext
    /// The signed-in caller of a `.user` endpoint.
    public let caller: CallerSession?

    public init(
        path: String, parameters: [String: String], query: [String: String], headers: [String: String], body: [UInt8], client: Client,
        node: NodeContext, caller: CallerSession?
    ) {
        self.path = path
        self.parameters = parameters
        self.query = query
        self.headers = headers
        self.body = body
        self.client = client
        self.node = node
        self.caller = caller
    }

    /// The caller of a `.user` endpoint.
    public func signedIn() throws -> CallerSession {
        guard let caller else { throw ChainstoreError(.accessDenied, "HTTP Basic credentials (login:password or API key) are required") }
        return caller
    }

    /// The body as a JSON object; anything else is a `ValueError` naming what was expected.
    public func jsonObject() throws -> RecordValues {
        guard let object = (try? JSONReader.parse(body))?.dictValue else { throw ChainstoreError.valueError("The body must be a JSON object") }
        return object
    }

    /// An integer query parameter, or nil when absent; anything else is a `ValueError`.
    public func integer(_ name: String) throws -> Int64? {
        try query[name].map { text in
            guard let value = Int64(text) else { throw ChainstoreError.valueError("\(name) must be an integer") }
            return value
        }
    }
}

/// What an endpoint answers.
public struct EndpointResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ value: Value, status: Int = 200) -> EndpointResponse {
        var json = JSONWriter(capacity: 512)
        json.value(value)
        return EndpointResponse(status: status, headers: [("Content-Type", "application/json")], body: json.bytes)
    }

    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> EndpointResponse {
        EndpointResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }
}

/// Who is on the other end of a request: the client's address (the real one when it came
/// through a trusted proxy; `local` for a Unix socket), the Host header (for the db-filter) and
/// the request's logger.
public struct Client: Sendable {
    /// The address of a client a proxy relayed without saying who it is in a form we read (or a
    /// proxy nobody declared): never this machine, and without a per-address throttle key.
    public static let unknownAddress = "proxied"

    public let address: String
    public let host: String?
    public let logger: Logger
    /// The request came over TLS (to a trusted proxy that says so: `X-Forwarded-Proto: https`):
    /// the session cookie is then `Secure`.
    public let secure: Bool

    public init(address: String, host: String?, logger: Logger, secure: Bool = false) {
        self.address = address
        self.host = host
        self.logger = logger
        self.secure = secure
    }
}
