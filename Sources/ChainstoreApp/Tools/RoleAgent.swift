import ChainstoreCore
import ChainstoreDB
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// `chainstore pg-role-agent`: answers HAProxy's health checks for one PostgreSQL node over HTTP,
/// as Patroni's REST API does (`GET|OPTIONS /primary`, `/replica`, `/health`: 200 or 503), so
/// the same HAProxy configuration serves a cluster with Patroni and one without. It keeps one
/// connection to its node and one to each peer: a check is a query on an open connection, not a
/// process and a new PostgreSQL session per check — which, on a busy machine, took longer than
/// the check's timeout, and HAProxy then closed every session to a healthy primary.
///
/// `/primary` is refused to a primary while a peer is a primary on a newer timeline: an old
/// primary started again after a failover never takes writes back.
public struct RoleAgent: Sendable {
    public enum Role: Sendable, Equatable {
        /// The node writes; `timeline` is its WAL timeline (the first 8 hex digits of a WAL file name).
        case primary(timeline: String)
        case replica
        case unreachable
    }

    let node: Database
    let peers: [Database]
    let logger: Logger
    /// How long a node has to answer (HAProxy's `timeout check` is 2 s).
    let limit: Duration

    public init(node: Database, peers: [Database], limit: Duration = .seconds(1), logger: Logger) {
        self.node = node
        self.peers = peers
        self.limit = limit
        self.logger = logger
    }

    /// A small pool for a node named by URL: one or two connections, a connection attempt given
    /// up after a second (a check must answer within HAProxy's `timeout check`).
    public static func client(url: String, logger: Logger) throws -> (PostgresClient, Database) {
        var (configuration, name) = try DatabaseLocation.parse(url)
        configuration.database = name ?? "postgres"
        configuration.options.maximumConnections = 2
        configuration.options.connectTimeout = .seconds(1)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return (client, Database(name: configuration.database ?? "postgres", client: client, statements: nil))
    }

    /// The node's role, or `unreachable` when it does not answer within `limit` (see `Deadline`).
    static func role(of database: Database, logger: Logger, within limit: Duration) async -> Role {
        await Deadline.value(within: limit) {
            try await database.withoutTransaction(logger: logger) { tx in
                let (recovering, timeline) = try await tx.one("""
                    SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN '' ELSE substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) END
                    """).decode((Bool, String).self)
                return recovering ? Role.replica : .primary(timeline: timeline)
            }
        } ?? .unreachable
    }

    /// The answer to a check: its HTTP status and a word for people reading it.
    public func check(_ path: String) async -> (status: HTTPResponse.Status, text: String) {
        let role = await Self.role(of: node, logger: logger, within: limit)
        switch (path, role) {
        case ("/health", .unreachable), ("/primary", .unreachable), ("/replica", .unreachable):
            return (.serviceUnavailable, "unreachable")
        case ("/health", _):
            return (.ok, role == .replica ? "replica" : "primary")
        case ("/replica", .replica):
            return (.ok, "replica")
        case ("/primary", .primary(let mine)):
            for peer in peers {
                if case .primary(let theirs) = await Self.role(of: peer, logger: logger, within: limit), theirs > mine {
                    return (.serviceUnavailable, "an old primary: a peer is primary on timeline \(theirs)")
                }
            }
            return (.ok, "primary")
        case ("/primary", _), ("/replica", _):
            return (.serviceUnavailable, role == .replica ? "replica" : "primary")
        default:
            return (.notFound, "ask /primary, /replica or /health")
        }
    }

    /// Runs an agent for `node` on `host:port` until SIGTERM or SIGINT.
    public static func serve(host: String, port: Int, node: String, peers: [String], logger: Logger) async throws {
        let (nodeClient, nodeDatabase) = try client(url: node, logger: logger)
        var clients = [nodeClient]
        var peerDatabases: [Database] = []
        for url in peers {
            let (client, database) = try client(url: url, logger: logger)
            clients.append(client)
            peerDatabases.append(database)
        }
        let agent = RoleAgent(node: nodeDatabase, peers: peerDatabases, logger: logger)
        let app = Application(router: agent.router(), configuration: .init(address: .hostname(host, port: port)), logger: logger)
        try await ServiceGroup(services: clients + [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let agent = self
        for path in ["/primary", "/replica", "/health"] {
            for method in [HTTPRequest.Method.get, .options, .head] {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    let (status, text) = await agent.check(path)
                    return Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
                }
            }
        }
        return router
    }
}
