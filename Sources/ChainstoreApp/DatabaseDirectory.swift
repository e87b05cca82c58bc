import ChainstoreCore
import ChainstoreDB
import ChainstoreRPC
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The tenant databases of this node: one pool per database, opened on first use and run inside
/// this service (so they stop with the node). `--db-filter` (a regular expression over the host
/// name, `%h` = the host, `%d` = its first label, as in Odoo) restricts which are visible.
public actor DatabaseDirectory: DatabaseProvider, Service {
    let location: DatabaseLocation
    let main: Database
    let migrator: Migrator
    let filter: String?
    let logger: Logger
    private var open: [String: Database] = [:]
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
        if let database = open[name] { return database }
        var configuration = location.clientConfiguration(database: name)
        configuration.options.maximumConnections = 20
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        pools.yield(client)
        let database = Database(name: name, client: client)
        guard try await migrator.pending(database, logger: logger).isEmpty else {
            throw ChainstoreError.userError("Database \(name) is not migrated: run `chainstore migrate --database \(name)`.")
        }
        open[name] = database
        return database
    }

    public func names(host: String?) async throws -> [String] {
        let all = try await main.withoutTransaction(logger: logger) { tx in
            try await tx.query(SQLBuilder("SELECT datname::text FROM pg_database WHERE NOT datistemplate AND datallowconn AND datname <> 'postgres' ORDER BY 1"))
                .map { try $0.decode(String.self) }
        }
        return all.filter { Self.matches($0, filter: filter, host: host) }
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
