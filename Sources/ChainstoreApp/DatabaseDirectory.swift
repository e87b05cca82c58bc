import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The tenant databases of this node: one pool per database, opened on first use and run inside
/// this service (so they stop with the node). `--db-filter` (a regular expression over the host
/// name, `%h` = the host, `%d` = its first label, as in Odoo) restricts which are visible.
public actor DatabaseDirectory: DatabaseProvider, Service {
    let location: DatabaseLocation
    public let main: Database
    let migrator: Migrator
    let filter: String?
    let logger: Logger
    private var open: [String: Database] = [:]
    private var unmigrated: [String: Database] = [:]
    private let pools: AsyncStream<PostgresClient>.Continuation
    private let poolStream: AsyncStream<PostgresClient>

    public init(location: DatabaseLocation, main: Database, migrator: Migrator, filter: String?, logger: Logger) {
        self.location = location
        self.main = main
        self.migrator = migrator
        self.filter = filter
        self.logger = logger
        (poolStream, pools) = AsyncStream.makeStream()
        open[main.name] = main
    }

    public func run() async throws {
        let stream = poolStream
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await client in stream { group.addTask { await client.run() } }
            }
        }
    }

    public func database(named name: String, host: String?) async throws -> Database {
        guard try await visible(name, host: host) else { throw ChainstoreError.accessError("Database not found.") }
        return try await opened(name)
    }

    /// Every database of the cluster whose schema is current: the tenants the background jobs
    /// serve, whatever the db-filter (it chooses what requests see, not what is kept up).
    public func tenants() async throws -> [Database] {
        var tenants: [Database] = []
        for name in try await names(host: nil, filtered: false) {
            if name == main.name {
                if try await migrator.pending(main, logger: logger).isEmpty { tenants.append(main) }
            } else if let database = try? await opened(name) {
                tenants.append(database)
            }
        }
        return tenants
    }

    /// The pool of `name`, opened on first use; a database whose schema is behind is refused.
    /// One pool per database for the life of the node, even for one found not migrated (it is
    /// asked again next time, without a new pool).
    private func opened(_ name: String) async throws -> Database {
        if let database = open[name] { return database }
        let database: Database
        if let known = unmigrated[name] {
            database = known
        } else {
            var configuration = location.clientConfiguration(database: name)
            configuration.options.maximumConnections = 20
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            pools.yield(client)
            database = location.makeDatabase(client, name: name)
            unmigrated[name] = database
        }
        guard try await migrator.pending(database, logger: logger).isEmpty else {
            throw ChainstoreError.userError("Database \(name) is not migrated: run `chainstore migrate --database \(name)`.")
        }
        open[name] = database
        unmigrated[name] = nil
        return database
    }

    public func names(host: String?) async throws -> [String] { try await names(host: host, filtered: true) }

    private func names(host: String?, filtered: Bool) async throws -> [String] {
        let all = try await main.withoutTransaction(logger: logger) { tx in
            try await tx.query(SQLBuilder("SELECT datname::text FROM pg_database WHERE NOT datistemplate AND datallowconn AND datname <> 'postgres' ORDER BY 1"))
                .map { try $0.decode(String.self) }
        }
        return filtered ? all.filter { Self.matches($0, filter: filter, host: host) } : all
    }

    private func visible(_ name: String, host: String?) async throws -> Bool {
        if open[name] != nil { return Self.matches(name, filter: filter, host: host) }
        return try await names(host: host).contains(name)
    }

    /// Odoo's db-filter: `%h` is the host name, `%d` its first label (`www` skipped).
    static func matches(_ name: String, filter: String?, host: String?) -> Bool {
        guard let filter, !filter.isEmpty else { return true }
        let hostName = (host ?? "").split(separator: ":").first.map(String.init) ?? ""
        var labels = hostName.split(separator: ".").map(String.init)
        if labels.first == "www" { labels.removeFirst() }
        let pattern = filter.replacingOccurrences(of: "%h", with: NSRegularExpression.escapedPattern(for: hostName))
            .replacingOccurrences(of: "%d", with: NSRegularExpression.escapedPattern(for: labels.first ?? ""))
        guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
        return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }
}
