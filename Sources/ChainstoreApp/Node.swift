import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreRPC
import ChainstoreServer
import Foundation
import Hummingbird
import Logging
import Metrics
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// One running node, built from the modules' manifests: the managed cluster (when no URL is
/// given), the pool, the modules' services and jobs, and the HTTP server with the RPC layer and
/// the modules' endpoints and pages, in one `ServiceGroup` stopped in reverse order on
/// SIGINT/SIGTERM (requests in flight are finished first), the managed cluster stopped last.
public struct Node: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8069
        public var demo = false
        /// What this node does (`serve --role`); all by default.
        public var roles = Set(NodeRole.allCases)
        /// Odoo's `--db-filter`: a regular expression over the host name (`%h`, `%d`).
        public var dbFilter: String?
        /// Largest request body accepted by the RPC routes.
        public var maxRequestBytes = 64 << 20
        /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` name the real client.
        public var trustedProxies: [IPNetwork] = []
        /// Module settings (`payments`: the merchant accounts file, see `PaymentSettings`).
        public var settings: [String: String] = [:]
        /// Where the back office listens when it must not share the public address (an intranet
        /// address: `serve --backoffice-listen 10.0.0.5:8070`); nil: beside everything else.
        public var backOffice: (host: String, port: Int)?
        /// Standbys of the database for reads that may be a moment old (`serve --replica-url`).
        public var replicaURLs: [String] = []
        /// A replica further behind the primary than this is skipped.
        public var replicaMaxLag: Duration = .seconds(1)
        /// A PostgreSQL database of its own for the node's log records (`serve --log-database-url`).
        public var logDatabaseURL: String?
        /// Days of log records kept there.
        public var logRetentionDays = 30
        /// Connections a node serving web or api opens to each database server at most (`serve
        /// --pool-size`); a bus or cron node opens up to 40 as needed.
        public var poolSize = 16
        public init() {}

        /// Sizes a pool of this node. Its connections open with demand and close after
        /// `idleTimeout` unused. None is held open by a minimum: PostgresNIO's pool, after a
        /// database outage (a failover), comes back with one connection, and with a minimum above
        /// the connections it then has it stops the process at the next lease that finds none
        /// idle (a failed precondition in its state machine): nodes crashed that way in the
        /// failover drills. A pool that opens and closes connections with demand arms an idle
        /// timer each time a connection is handed back, and a cancelled timer's task stays
        /// allocated until its deadline: the timeout is kept short (with 60 s, a few thousand
        /// calls a second held 50 MB more resident on the full group's node).
        func size(_ configuration: inout PostgresClient.Configuration) {
            guard roles.contains(.web) || roles.contains(.api) else { return }
            configuration.options.maximumConnections = poolSize
            configuration.options.minimumConnections = 0
            configuration.options.connectionIdleTimeout = Self.idleTimeout
        }

        /// How long a node's connection stays open unused.
        static let idleTimeout: Duration = .seconds(10)
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
    public static func readiness(
        database: Database, migrator: Migrator, node: String = "", roles: Set<NodeRole> = Set(NodeRole.allCases), logger: Logger
    ) -> Readiness {
        Readiness(node: node, roles: roles.map(\.rawValue)) {
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
        // Large blocks (the product index's arrays) are given pages of their own, returned when freed.
        FreedMemory.keepLargeBlocksApart()
        var configuration = location.clientConfiguration()
        options.size(&configuration)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        var database = location.makeDatabase(client)
        var replicaServices: [any Service] = []
        if !options.replicaURLs.isEmpty {
            var replicas: [ReplicaSet.Replica] = []
            for (index, url) in options.replicaURLs.enumerated() {
                var configuration = try location.replicaConfiguration(url: url)
                options.size(&configuration)
                let replicaClient = PostgresClient(configuration: configuration, backgroundLogger: logger)
                replicaServices.append(replicaClient)
                replicas.append(.init(name: "replica\(index + 1)", database: location.makeDatabase(replicaClient)))
            }
            let set = ReplicaSet(primary: database, replicas: replicas, maxLag: options.replicaMaxLag, logger: logger)
            database.replicas = set
            replicaServices.append(set)
        }
        if location.transactionPooling {
            logger.notice("the database URL names a transaction-mode pooler: statements are parsed for every call (no statement cache)")
        }
        let migrator = Migrator(manifests: registry.modules)
        let directory = DatabaseDirectory(location: location, main: database, migrator: migrator, filter: options.dbFilter, logger: logger)
        let identity = BaseIdentity()
        let node = NodeContext(registry: registry, databases: directory, identity: identity, settings: options.settings, roles: options.roles, logger: logger)
        var moduleServices: [any Service] = []
        for module in registry.modules {
            if let start = module.start { moduleServices += try await start(node) }
        }
        let assets = try StaticAssets(modules: registry.modules)
        let gateway = RPCGateway(databases: directory, registry: registry, identity: identity)
        var json = JSONRPCEndpoints(gateway: gateway)
        json.limits.maxElements = options.maxRequestBytes / 2
        var xml = XMLRPCEndpoints(gateway: gateway)
        xml.limits.maxBytes = options.maxRequestBytes
        let (roles, maxBytes) = (options.roles, options.maxRequestBytes)
        let name = Scheduler.nodeName()
        let readiness = Self.readiness(database: database, migrator: migrator, node: name, roles: roles, logger: logger)
        for role in NodeRole.allCases {
            Gauge(label: "chainstore_node_role", dimensions: [("role", role.rawValue)]).record(roles.contains(role) ? 1 : 0)
        }
        // With a back-office address, the back office (its page and routes) is served there only,
        // and the public address keeps the API, the bus and the store apps.
        let separate = options.backOffice != nil && roles.contains(.web)
        let endpoints = registry.endpoints.map(\.endpoint)
        let home = roles.contains(.web) && !separate ? "/web" : nil
        let router = ServerApplication.buildRouter(readiness: readiness, metrics: metrics, trustedProxies: options.trustedProxies, home: home) { router in
            // The back office (web) signs in and reads records through the same JSON routes as RPC clients.
            if roles.contains(.api) || roles.contains(.web) {
                router.addJSONRPCRoutes(json, maxBodyBytes: maxBytes)
            }
            if roles.contains(.api) { router.addXMLRPCRoutes(xml, maxBodyBytes: maxBytes) }
            router.addEndpoints(endpoints, node: node, roles: roles, backOffice: separate ? false : nil)
            router.addStaticAssets(assets, roles: roles, backOffice: separate ? false : nil)
        }
        var apps: [any Service] = [ServerApplication.build(
            configuration: .init(host: options.host, port: options.port), router: router, node: node, logger: logger)]
        if separate, let address = options.backOffice {
            let office = ServerApplication.buildRouter(readiness: readiness, metrics: metrics, trustedProxies: options.trustedProxies, home: "/web") { router in
                router.addJSONRPCRoutes(json, maxBodyBytes: maxBytes)
                router.addEndpoints(endpoints, node: node, roles: [.web], backOffice: true)
                router.addStaticAssets(assets, roles: [.web], backOffice: true)
            }
            apps.append(ServerApplication.build(configuration: .init(host: address.host, port: address.port), router: office, logger: logger))
        }
        let startup = Startup(database: database, registry: registry, migrator: migrator, options: options, logger: logger, apps: apps) {
            Self.exitIfStuck(after: .seconds(15), location: location, stopCluster: started, logger: logger)
        }
        var services: [any Service] = [client] + replicaServices + [directory] + moduleServices + [MemoryTrim(logger: logger)]
        if let url = options.logDatabaseURL {
            // The logs database: created when missing, a small pool, records shipped once a second.
            let logs = try DatabaseLocation(url: url, dataDir: "", databaseName: nil)
            try await logs.createDatabaseIfMissing(logger: logger)
            var configuration = logs.clientConfiguration()
            configuration.options.maximumConnections = 2
            let logClient = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let shipper = LogShipper(
                database: Database(name: logs.databaseName, client: logClient, statements: nil), node: name, retentionDays: options.logRetentionDays,
                logger: logger)
            LogOutput.shared.set(sink: shipper)
            services = [logClient, shipper] + services
        }
        if roles.contains(.cron) { services.append(JobRunner(node: node, jobs: registry.jobs, name: name)) }
        services.append(startup)
        // Each service named by its type: the default name is the service's whole description
        // (every stored property, printed through reflection: 4 MB of text for this node's
        // services, made at start and kept for the node's life).
        let named = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0, serviceName: "\(type(of: $0))") }
        let group = ServiceGroup(configuration: .init(services: named, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// After a failed start-up the service group stops every service; should one of them not
    /// return (a wait that never ends, seen rarely when start-up fails while the scheduler
    /// registers its jobs), the node still ends, after `limit`: it says so, stops the private
    /// PostgreSQL it started, and exits with a failure.
    static func exitIfStuck(after limit: Duration, location: DatabaseLocation, stopCluster: Bool, logger: Logger) {
        Task.detached {
            try? await Task.sleep(for: limit)
            logger.critical("the node did not stop within \(limit) of a failed start-up; exiting")
            if stopCluster { location.stopIfManaged(logger: logger) }
            exit(1)
        }
    }
}

/// Migrates, prepares the demo, refuses an exposed default password, then serves HTTP. A failure
/// before serving is logged, and the node is made to end even if a service does not stop.
struct Startup: Service {
    let database: Database
    let registry: Registry
    let migrator: Migrator
    let options: Node.Options
    let logger: Logger
    /// The HTTP listeners: the node's address, and the back office's when it has its own.
    let apps: [any Service]
    /// Called when start-up fails, before the error ends the service group.
    let failed: @Sendable () -> Void

    func run() async throws {
        do {
            try await prepare()
        } catch {
            // Said here, so the reason is in the log however the node then stops.
            logger.error("start-up failed", metadata: ["error": "\(error)"])
            failed()
            throw error
        }
        var metadata: Logger.Metadata = ["url": "http://\(options.host):\(options.port)/", "database": "\(database.name)"]
        if let office = options.backOffice { metadata["back_office"] = "http://\(office.host):\(office.port)/" }
        logger.notice("Chainstore is serving", metadata: metadata)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for app in apps { group.addTask { try await app.run() } }
            // One listener ending (shutdown, or an address already taken) ends the others.
            try await group.next()
            group.cancelAll()
        }
    }

    private func prepare() async throws {
        try await migrator.migrate(database, logger: logger)
        let registry = self.registry
        let problems = try await database.transaction(logger: logger) { tx in try await SchemaCheck.problems(tx, registry: registry) }
        guard problems.isEmpty else {
            throw ChainstoreError.validation("The database schema does not match the declared models:\n" + problems.joined(separator: "\n"))
        }
        try await database.transaction(logger: logger) { tx in try await ModelCatalog.sync(tx, registry: registry) }
        if options.demo {
            for module in registry.modules { try await module.demo?(database, registry, logger) }
        }
        if !Self.isLoopback(options.host) || !(options.backOffice.map { Self.isLoopback($0.host) } ?? true) {
            let published = try await database.transaction(logger: logger) { tx in try await Users.publishedLogins(tx) }
            if !published.isEmpty {
                throw ChainstoreError.userError(
                    "Refusing to listen on \(options.host) while users still have the demo's published passwords (\(published.joined(separator: ", "))). "
                        + "Set their own with `chainstore user passwd LOGIN`, or archive them.")
            }
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

