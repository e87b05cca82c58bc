import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Where the database lives: a server named by URL (managed elsewhere), or the private cluster
/// under the data folder that Chainstore starts and stops itself.
public struct DatabaseLocation: Sendable {
    public enum Kind: Sendable {
        case url(PostgresClient.Configuration)
        case managed(ManagedCluster)
    }
    public let kind: Kind
    public let databaseName: String
    /// The URL names a pooler in transaction mode (`pool_mode=transaction`, pgbouncer's own
    /// setting): consecutive transactions may run on different server connections, so nothing
    /// that lives in a server session is used, prepared statements first of all.
    public private(set) var transactionPooling = false
    /// The URL as given, for tools that take one (pgbench, psql).
    private var urlText: String?

    /// `url` (or `CHAINSTORE_DATABASE_URL`) wins; without one the managed cluster in `dataDir` is used.
    public init(url: String?, dataDir: String, databaseName name: String?) throws {
        let url = url ?? ProcessInfo.processInfo.environment["CHAINSTORE_DATABASE_URL"]
        if let url, !url.isEmpty {
            let (configuration, urlName) = try Self.parse(url)
            kind = .url(configuration)
            urlText = url
            transactionPooling = URLComponents(string: url)?.queryItems?.first { $0.name == "pool_mode" }?.value == "transaction"
            databaseName = name ?? urlName ?? "chainstore"
        } else {
            kind = .managed(ManagedCluster(root: dataDir))
            databaseName = name ?? "chainstore"
        }
    }

    /// How libpq tools (pgbench, psql) reach this location's database: the URL, or the managed
    /// cluster's socket folder, superuser and database name.
    public var libpqArguments: [String] {
        switch kind {
        case .url: [urlText ?? ""]
        case .managed(let cluster): ["-h", cluster.socketDir, "-U", cluster.superuser, databaseName]
        }
    }

    /// How pg_basebackup reaches this location's server (a replication connection).
    public var replicationArguments: [String] {
        switch kind {
        case .url: ["-d", urlText ?? ""]
        case .managed(let cluster): ["-h", cluster.socketDir, "-U", cluster.superuser]
        }
    }

    /// Client configuration for `database` (or the maintenance database `postgres`).
    public func clientConfiguration(database: String? = nil) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch kind {
        case .url(let base):
            configuration = base
        case .managed(let cluster):
            configuration = .init(unixSocketPath: cluster.socketPath, username: cluster.superuser, password: nil, database: nil)
        }
        configuration.database = database ?? databaseName
        Self.applyNodeSettings(&configuration)
        return configuration
    }

    /// The connection settings every pool of a node takes, the primary's and the replicas'.
    static func applyNodeSettings(_ configuration: inout PostgresClient.Configuration) {
        configuration.options.maximumConnections = 40
        // A connection attempt that hangs (a primary that just died behind a proxy) is given up
        // soon and tried again, instead of holding requests for PostgresNIO's default 10 s.
        configuration.options.connectTimeout = .seconds(2)
        // No JIT compilation: a page of records under LIMIT is costed as the whole scan, so
        // PostgreSQL would spend 200 ms compiling for a query that runs in a few.
        // The process in `pg_stat_activity`, as in `ir_cron.lease_owner` (`host:pid:…`).
        configuration.options.additionalStartupParameters = [
            ("jit", "off"), ("application_name", "chainstore:\(ProcessInfo.processInfo.processIdentifier)"),
        ]
    }

    /// A pool on `database` (this location's database by default) run by the caller as a service.
    /// A server named by URL may have a synchronous standby: its commits are watched for a
    /// cancelled wait (`CommitSafety`).
    public func makeDatabase(_ client: PostgresClient, name: String? = nil) -> Database {
        var database = Database(
            name: name ?? databaseName, client: client, statements: transactionPooling ? nil : StatementCache(capacity: Database.defaultStatementCacheCapacity))
        if case .url = kind { database.watchesSynchronousCommit = true }
        return database
    }

    /// The client configuration of a standby named by URL (`serve --replica-url`), for this
    /// location's database, with the same connection settings as the primary's.
    public func replicaConfiguration(url: String) throws -> PostgresClient.Configuration {
        var (configuration, _) = try Self.parse(url)
        configuration.database = databaseName
        Self.applyNodeSettings(&configuration)
        return configuration
    }

    /// Starts the managed cluster if this location has one; returns whether this call started it.
    @discardableResult
    public func startIfManaged(logger: Logger) throws -> Bool {
        guard case .managed(let cluster) = kind else { return false }
        let wasRunning = cluster.isRunning()
        try cluster.ensureInitialized { logger.info("\($0)") }
        try cluster.start { logger.info("\($0)") }
        return !wasRunning
    }

    public func stopIfManaged(logger: Logger) {
        guard case .managed(let cluster) = kind else { return }
        do { try cluster.stop { logger.info("\($0)") } } catch { logger.error("could not stop PostgreSQL: \(error)") }
    }

    static func parse(_ text: String) throws -> (PostgresClient.Configuration, String?) {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
            let user = url.user
        else {
            throw ChainstoreError.valueError("The database URL must look like postgres://user:password@host:5432/database")
        }
        let name = url.path.split(separator: "/").first.map(String.init)
        let sslmode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS = sslmode == "disable" ? .disable : .require(.makeClientConfiguration())
        if let host = url.host, host.hasPrefix("/") || host.isEmpty {
            return (.init(unixSocketPath: host, username: user, password: url.password, database: name), name)
        }
        return (.init(host: url.host ?? "127.0.0.1", port: url.port ?? 5432, username: user, password: url.password, database: name, tls: tls), name)
    }
}

extension DatabaseLocation {
    /// Runs `body` with a pool on the database, creating the database first when `create` is set.
    public func withDatabase<T: Sendable>(
        logger: Logger, create: Bool = true, _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        if create { try await createDatabaseIfMissing(logger: logger) }
        let client = PostgresClient(configuration: clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(makeDatabase(client))
        }
    }

    /// Drops the database (used by the benchmark, which always starts from nothing).
    public func dropDatabase(logger: Logger) async throws {
        try await maintenance(logger: logger) { tx in
            try await tx.execute("DROP DATABASE IF EXISTS \(quoted(databaseName)) WITH (FORCE)")
        }
    }

    /// Runs `body` on the server's maintenance database (`postgres`): CREATE/DROP DATABASE, and
    /// what concerns the whole server (backups).
    @discardableResult
    public func maintenance<T: Sendable>(
        logger: Logger, backgroundLogger: Logger? = nil, _ body: @escaping @Sendable (Transaction) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: clientConfiguration(database: "postgres"), backgroundLogger: backgroundLogger ?? logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await Database(name: "postgres", client: client).withoutTransaction(logger: logger, body)
        }
    }

    public func createDatabaseIfMissing(logger: Logger) async throws {
        let name = databaseName
        try await maintenance(logger: logger) { tx in
            var check = SQLBuilder("SELECT 1 FROM pg_database WHERE datname = ")
            check.bind(.text(name))
            if try await tx.query(check).isEmpty {
                guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), name.count < 64 else {
                    throw ChainstoreError.valueError("Invalid database name '\(name)'")
                }
                do {
                    try await tx.execute("CREATE DATABASE \(quoted(name)) ENCODING 'UTF8' TEMPLATE template0")
                    logger.info("database created", metadata: ["database": "\(name)"])
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P04" {
                    // Another node created it at the same moment.
                }
            }
        }
    }
}
