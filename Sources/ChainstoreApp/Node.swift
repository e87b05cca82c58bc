import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreRPC
import ChainstoreServer
import Foundation
import Hummingbird
import Logging
import Product
import Metrics
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// One running node: the managed cluster (when no URL is given), the pool, the audit sealer and
/// the HTTP server in one `ServiceGroup`, stopped in reverse order on SIGINT/SIGTERM (requests in
/// flight are finished first), and the managed cluster stopped last.
public struct Node: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8069
        public var demo = false
        public var sealInterval: Duration = .seconds(1)
        /// Odoo's `--db-filter`: a regular expression over the host name (`%h`, `%d`).
        public var dbFilter: String?
        /// Largest request body accepted by the RPC routes.
        public var maxRequestBytes = 64 << 20
        /// The merchant accounts for payment-code payments (see `PaymentSettings`); none: the
        /// payment routes answer that payments are not configured.
        public var payments: String?
        public var sweepInterval: Duration = .seconds(5)
        public init() {}
    }

    public let location: DatabaseLocation
    public let options: Options
    public let logger: Logger

    public init(location: DatabaseLocation, options: Options, logger: Logger) {
        self.location = location
        self.options = options
        self.logger = logger
    }

    public static let metrics: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Ready when the database answers and no migration is pending.
    public static func readiness(database: Database, migrator: Migrator, logger: Logger) -> Readiness {
        Readiness {
            do {
                let pending = try await migrator.pending(database, logger: logger)
                return pending.isEmpty ? (true, "schema current") : (false, "\(pending.count) migrations pending")
            } catch {
                return (false, "database unreachable")
            }
        }
    }

    public func run() async throws {
        let metrics = Self.metrics
        // A node that finds the private PostgreSQL already running (another node on the same
        // data folder) leaves it running when it stops.
        let started = try location.startIfManaged(logger: logger)
        defer { if started { location.stopIfManaged(logger: logger) } }
        try await location.createDatabaseIfMissing(logger: logger)
        let registry = try Modules.registry()
        let client = PostgresClient(configuration: location.clientConfiguration(), backgroundLogger: logger)
        let database = Database(name: location.databaseName, client: client)
        let migrator = Migrator(manifests: registry.modules)
        let readiness = Self.readiness(database: database, migrator: migrator, logger: logger)
        let directory = DatabaseDirectory(location: location, main: database, migrator: migrator, filter: options.dbFilter, logger: logger)
        let gateway = RPCGateway(databases: directory, registry: registry, dispatcher: ModelDispatcher(methods: try MethodTable(Modules.methods, registry: registry)))
        var json = JSONRPCEndpoints(gateway: gateway)
        json.limits.maxElements = options.maxRequestBytes / 2
        let maxBytes = options.maxRequestBytes
        var xml = XMLRPCEndpoints(gateway: gateway)
        xml.limits.maxBytes = maxBytes
        let catalogueCache = CatalogueCache()
        catalogueCache.prepare(database)
        let storeAPI = StoreAPI(directory: directory, registry: registry, cache: catalogueCache, authCache: gateway.cache)
        let paymentFlow = try options.payments.map { try PaymentSettings.load(path: $0).flow(database, logger: logger) }
        let paymentAPI = PaymentAPI(store: storeAPI, flow: paymentFlow)
        let router = ServerApplication.buildRouter(readiness: readiness, metrics: metrics) { router in
            router.addJSONRPCRoutes(json, maxBodyBytes: maxBytes)
            router.addXMLRPCRoutes(xml, maxBodyBytes: maxBytes)
            router.addStoreAPIRoutes(storeAPI)
            router.addPaymentRoutes(paymentAPI)
        }
        let app = ServerApplication.build(
            configuration: .init(host: options.host, port: options.port), router: router, logger: logger)
        let startup = Startup(database: database, registry: registry, migrator: migrator, options: options, logger: logger, app: app)
        let sealer = AuditSealer(database: database, interval: options.sealInterval, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: client), .init(service: directory), .init(service: CacheListener(cache: catalogueCache, logger: logger)),
                    .init(service: sealer), .init(service: startup),
                ] + (paymentFlow.map { [
                    ServiceGroupConfiguration.ServiceConfiguration(service: PaymentSweeper(flow: $0, interval: options.sweepInterval, logger: logger)),
                    ServiceGroupConfiguration.ServiceConfiguration(service: ReconciliationService(flow: $0, logger: logger)),
                ] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Migrates, prepares the demo, refuses an exposed default password, then serves HTTP.
struct Startup<App: ApplicationProtocol>: Service {
    let database: Database
    let registry: Registry
    let migrator: Migrator
    let options: Node.Options
    let logger: Logger
    let app: App

    func run() async throws {
        try await migrator.migrate(database, logger: logger)
        let registry = self.registry
        let problems = try await database.transaction(logger: logger) { tx in try await SchemaCheck.problems(tx, registry: registry) }
        guard problems.isEmpty else {
            throw ChainstoreError.validation("The database schema does not match the declared models:\n" + problems.joined(separator: "\n"))
        }
        try await database.transaction(logger: logger) { tx in try await ModelCatalog.sync(tx, registry: registry) }
        if options.demo { try await Demo.prepare(database, logger: logger) }
        if !Self.isLoopback(options.host) {
            let exposed = try await database.transaction(logger: logger) { tx in try await Users.hasPassword(tx, login: "admin", "admin") }
            if exposed {
                throw ChainstoreError.userError(
                    "Refusing to listen on \(options.host) while the admin password is still 'admin'. Set another with `chainstore user passwd admin` or CHAINSTORE_ADMIN_PASSWORD.")
            }
        }
        logger.notice("Chainstore is serving", metadata: ["url": "http://\(options.host):\(options.port)/", "database": "\(database.name)"])
        try await app.run()
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// Keeps the node's catalogue cache honest: listens for change notices until shutdown.
struct CacheListener: Service {
    let cache: CatalogueCache
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await cache.run(logger: logger) }
        cache.stop()
    }
}

/// The cron role's recurring work: seals committed audit rows every `interval`, and keeps the
/// monthly partitions of time-partitioned tables created ahead (checked every hour).
struct AuditSealer: Service {
    let database: Database
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var lastUpkeep: ContinuousClock.Instant?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if lastUpkeep.map({ ContinuousClock.now - $0 > .seconds(3600) }) ?? true {
                    try await Partitions.ensure(database, logger: logger)
                    lastUpkeep = ContinuousClock.now
                }
                while try await AuditChain.sealPending(database, logger: logger) > 0 {}
            } catch {
                logger.debug("cron step deferred", metadata: ["error": "\(error)"])
            }
            try? await gracefulShutdown(orSleep: interval)
        }
    }
}

func gracefulShutdown(orSleep duration: Duration) async throws {
    try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}
