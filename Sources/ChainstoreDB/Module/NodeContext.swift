import ChainstoreCore
import Foundation
import Logging
import Synchronization

/// What a running node shares with its modules' endpoints, jobs and services: the registry, the
/// tenant databases, the sign-in step, its settings, and the state modules keep per node (a
/// catalogue cache, the payment channels), each under its own type.
public final class NodeContext: Sendable {
    public let registry: Registry
    public let databases: any DatabaseProvider
    public let identity: any Identity
    /// Module settings by name (`payments` → the payment configuration file).
    public let settings: [String: String]
    public let logger: Logger
    /// What this node does (`serve --role`): a module starts only the services its roles need.
    public let roles: Set<NodeRole>
    private let state = Mutex<[ObjectIdentifier: any Sendable]>([:])

    public init(
        registry: Registry, databases: any DatabaseProvider, identity: any Identity, settings: [String: String] = [:],
        roles: Set<NodeRole> = Set(NodeRole.allCases), logger: Logger
    ) {
        self.registry = registry
        self.databases = databases
        self.identity = identity
        self.settings = settings
        self.roles = roles
        self.logger = logger
    }

    public var main: Database { databases.main }

    /// Keeps `value` as the node's one `T` (set while the node starts, before it serves).
    public func provide<T: Sendable>(_ value: T) {
        state.withLock { $0[ObjectIdentifier(T.self)] = value }
    }

    /// The node's `T`, made by `make` the first time it is asked for.
    public func shared<T: Sendable>(_ make: () -> T) -> T {
        state.withLock { all in
            if let value = all[ObjectIdentifier(T.self)] as? T { return value }
            let value = make()
            all[ObjectIdentifier(T.self)] = value
            return value
        }
    }

    /// The node's `T`, or nil when no module provided one (a feature not configured here).
    public func state<T: Sendable>(_ type: T.Type = T.self) -> T? {
        state.withLock { $0[ObjectIdentifier(T.self)] as? T }
    }
}

/// Recurring work a module needs in every tenant database (sealing the audit trail, settling
/// payments left open): an `ir.cron` row per tenant, run by one node with the `cron` role at a
/// time (`Scheduler`). A lease can run out mid-run, so jobs are idempotent, and jobs that
/// commit in batches fence each batch with `JobContext.lease`.
public struct Job: Sendable {
    /// `module.what`, e.g. `payment.sweep`: the `code` of its `ir.cron` row.
    public let name: String
    /// The row's name when the job is first registered.
    public let label: String
    /// The interval a new row starts with (administrators may change it).
    public let every: Duration
    public let run: @Sendable (JobContext) async throws -> Void

    public init(_ name: String, _ label: String? = nil, every: Duration, run: @escaping @Sendable (JobContext) async throws -> Void) {
        self.name = name
        self.label = label ?? name
        self.every = every
        self.run = run
    }

    /// `every` in `ir.cron`'s terms: the largest unit that divides it.
    public var interval: (number: Int, unit: String) {
        let seconds = max(1, Int(every.components.seconds))
        for (unit, size) in [("weeks", 604_800), ("days", 86_400), ("hours", 3600), ("minutes", 60)] where seconds % size == 0 {
            return (seconds / size, unit)
        }
        return (seconds, "seconds")
    }
}

/// One run of a job: the tenant database it runs for, the node, a logger naming both.
public struct JobContext: Sendable {
    public let database: Database
    public let node: NodeContext
    public let logger: Logger
    /// The scheduler's lease on this run (nil when run outside the scheduler, as tests do):
    /// `fence` a batch's transaction with it, report `progress` through it.
    public let lease: JobLease?

    public init(database: Database, node: NodeContext, logger: Logger, lease: JobLease? = nil) {
        self.database = database
        self.node = node
        self.logger = logger
        self.lease = lease
    }
}

/// A module's browser pages and the static files they load (scripts, styles, translations), from
/// a folder of the module's resources. The server serves each file under a name carrying a hash
/// of its content, with immutable caching, and rewrites `{{asset NAME}}` in pages and styles to
/// that name; pages themselves are never cached.
public struct WebAssets: Sendable {
    public struct Page: Sendable {
        public let path: String
        public let file: String
        public let role: NodeRole
        /// The back office's page: on the back-office address when the node has one.
        public let backOffice: Bool
        public init(_ path: String, file: String, role: NodeRole = .web, backOffice: Bool = false) {
            self.path = path
            self.file = file
            self.role = role
            self.backOffice = backOffice
        }
    }

    public let folder: URL
    public let pages: [Page]
    /// Files of the system's packages served beside the module's own (`vendor/chart.min.js` →
    /// Debian's libjs-chart.js file), when installed: pages name them as `{{asset? module/name}}`,
    /// which is empty when the package is not there.
    public let system: [String: String]

    public init(folder: URL, pages: [Page], system: [String: String] = [:]) {
        self.folder = folder
        self.pages = pages
        self.system = system
    }
}
