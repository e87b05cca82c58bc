import Hummingbird
import Prometheus

/// What `/health/ready` needs to know: whether the database answers and the schema is current;
/// and what it tells a load balancer about the node: its name and roles.
public struct Readiness: Sendable {
    public let check: @Sendable () async -> (ready: Bool, detail: String)
    public let node: String
    public let roles: [String]
    public init(node: String = "", roles: [String] = [], check: @escaping @Sendable () async -> (ready: Bool, detail: String)) {
        self.check = check
        self.node = node
        self.roles = roles.sorted()
    }
}

extension Router {
    /// `/health/live` (the process answers), `/health/ready` (database reachable and migrated),
    /// `/metrics` (Prometheus text format). `GET /` leads to `home` (the back office) when the
    /// node serves one.
    public func addOperationRoutes(readiness: Readiness, metrics: PrometheusCollectorRegistry, home: String? = nil) {
        // `HEAD /` and `GET /` answer 200 (after the redirection): some Odoo clients probe the root before logging in.
        get("/") { _, _ in
            if let home { return Response(status: .found, headers: [.location: home]) }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "Chainstore\n")))
        }
        head("/") { _, _ in Response(status: .ok) }
        get("/health/live") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"live"}"#)))
        }
        get("/health/ready") { _, _ in
            let (ready, detail) = await readiness.check()
            let roles = readiness.roles.map { #"""# + $0.jsonEscaped + #"""# }.joined(separator: ",")
            let body = #"{"status":""# + (ready ? "ready" : "not ready") + #"","detail":""# + detail.jsonEscaped
                + #"","node":""# + readiness.node.jsonEscaped + #"","roles":["# + roles + "]}"
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
    }
}

extension String {
    var jsonEscaped: String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
