import ChainstoreDB
import Hummingbird
import Logging
import Prometheus

/// The HTTP face of a node. Routes of modules and of the RPC layer are added by the composition
/// root through `configure`; this target owns the middleware, the operational routes, the
/// adapter that serves the modules' endpoints and pages, and the JSON error shape.
public enum ServerApplication {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public init(host: String = "127.0.0.1", port: Int = 8069) {
            self.host = host
            self.port = port
        }
    }

    public static func buildRouter(
        readiness: Readiness, metrics: PrometheusCollectorRegistry, trustedProxies: [IPNetwork] = [], home: String? = nil,
        configure: (Router<ChainstoreRequestContext>) -> Void = { _ in }
    ) -> Router<ChainstoreRequestContext> {
        let router = Router(context: ChainstoreRequestContext.self)
        router.add(middleware: ForwardedClientMiddleware(trusted: trustedProxies))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: SameOriginMiddleware())
        router.add(middleware: MetricsMiddleware())
        // One line per request at debug level (`--log-level debug`): at thousands of requests a second
        // the access log belongs to the proxy in front (nginx), not to every node's standard output.
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.addOperationRoutes(readiness: readiness, metrics: metrics, home: home)
        configure(router)
        return router
    }

    /// The HTTP server; with `node` (and its `bus` role), `/websocket` upgrades to the bus.
    public static func build(
        configuration: Configuration, router: Router<ChainstoreRequestContext>, node: NodeContext? = nil, logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router,
            server: BusSocket.server(node: node),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Chainstore"),
            logger: logger)
    }
}
