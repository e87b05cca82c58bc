import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import PostgresNIO

/// A throwaway PostgreSQL for a test run: started once per process (or taken from
/// `TEST_DATABASE_URL`), with a template database migrated once; each test gets a fresh clone.
public enum TestDatabase {
    public static let logger: Logger = {
        var logger = Logger(label: "chainstore.test")
        logger.logLevel = ProcessInfo.processInfo.environment["CHAINSTORE_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// The pools' own background chatter (e.g. a lease queued while `run()` starts) stays out of test output.
    public static let quiet: Logger = {
        var logger = Logger(label: "chainstore.test.pool")
        logger.logLevel = .error
        return logger
    }()

    static let template = "chainstore_template"
    private static let setup = Setup()

    /// Whether tests can reach a PostgreSQL (a bare `swift test` without binaries skips them,
    /// and says so). Under `CHAINSTORE_STRICT=1` (scripts/test, CI) they always run, so a missing
    /// PostgreSQL fails them instead of skipping them.
    public static var isAvailable: Bool {
        if ProcessInfo.processInfo.environment["CHAINSTORE_STRICT"] == "1" { return true }
        if let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty { return true }
        return (try? ManagedCluster.findBinaries()) != nil
    }

    /// Runs `body` against a fresh database cloned from the migrated template, dropped afterwards.
    public static func withFreshDatabase<T: Sendable>(
        _ body: @Sendable (Database, Registry) async throws -> T
    ) async throws -> T {
        let location = try await setup.location()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
        try await admin(location) { tx in
            try await tx.execute("CREATE DATABASE \(quoted(name)) TEMPLATE \(template)")
        }
        let registry = try Modules.registry()
        var configuration = location.clientConfiguration(database: name)
        configuration.options.maximumConnections = 8
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                return .success(try await body(Database(name: name, client: client), registry))
            } catch {
                return .failure(error)
            }
        }
        try? await admin(location) { tx in try await tx.execute("DROP DATABASE IF EXISTS \(quoted(name)) WITH (FORCE)") }
        return try result.get()
    }

    /// The location of the test cluster (for tests that need raw access, such as a second migrator).
    public static func location(database: String) async throws -> DatabaseLocation {
        try await setup.location().renamed(database)
    }

    static func admin(_ location: DatabaseLocation, _ body: @escaping @Sendable (Transaction) async throws -> Void) async throws {
        try await location.maintenance(logger: logger, backgroundLogger: quiet, body)
    }

    /// Starts the cluster and builds the template exactly once, whatever the number of tests.
    actor Setup {
        private var task: Task<DatabaseLocation, any Error>?

        func location() async throws -> DatabaseLocation {
            if let task { return try await task.value }
            let task = Task { try await Self.start() }
            self.task = task
            return try await task.value
        }

        static func start() async throws -> DatabaseLocation {
            let location: DatabaseLocation
            if let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty {
                location = try DatabaseLocation(url: url, dataDir: "", databaseName: template)
            } else {
                let root = FileManager.default.temporaryDirectory.path + "/chainstore-test-\(getpid())"
                location = try DatabaseLocation(url: nil, dataDir: root, databaseName: template)
                try await offThread { try location.startIfManaged(logger: logger) }
                ClusterCleanup.register(root: root)
            }
            try await admin(location) { tx in
                try await tx.execute("DROP DATABASE IF EXISTS \(template) WITH (FORCE)")
                try await tx.execute("CREATE DATABASE \(template) ENCODING 'UTF8' TEMPLATE template0")
            }
            try await location.withDatabase(logger: logger, create: false) { db in
                _ = try await ChainstoreApp.migrate(db, logger: logger)
            }
            return location
        }
    }
}

extension DatabaseLocation {
    func renamed(_ database: String) throws -> DatabaseLocation {
        switch kind {
        case .managed(let cluster):
            return try DatabaseLocation(url: nil, dataDir: Self.root(of: cluster), databaseName: database)
        case .url:
            return try DatabaseLocation(url: ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], dataDir: "", databaseName: database)
        }
    }

    static func root(of cluster: ManagedCluster) -> String {
        (cluster.dataDir as NSString).deletingLastPathComponent
    }
}

/// Stops the throwaway cluster and removes its folder when the test process exits.
enum ClusterCleanup {
    nonisolated(unsafe) private static var root: String?

    static func register(root: String) {
        Self.root = root
        atexit {
            guard let root = ClusterCleanup.root else { return }
            // No subprocesses at exit: signal the postmaster directly (SIGQUIT = immediate shutdown).
            let pidFile = root + "/pgdata/postmaster.pid"
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                let pid = text.split(separator: "\n").first.flatMap({ Int32($0) }), pid > 0
            {
                kill(pid, SIGQUIT)
                for _ in 0..<100 where kill(pid, 0) == 0 { usleep(50_000) }
            }
            try? FileManager.default.removeItem(atPath: root)
        }
    }
}

extension TestDatabase {
    /// A PostgreSQL cluster of the test's own, in a temporary folder (`root`), started, with
    /// `database` created: for tests that stop, restart or reconfigure the server. Stopped and
    /// removed afterwards, however `body` ends.
    public static func withOwnCluster<T: Sendable>(
        _ name: String, database: String, _ body: (_ location: DatabaseLocation, _ root: String) async throws -> T
    ) async throws -> T {
        let root = FileManager.default.temporaryDirectory.path + "/chainstore-\(name)-\(getpid())"
        defer {
            try? ManagedCluster(root: root).stop(mode: "immediate") { _ in }
            try? FileManager.default.removeItem(atPath: root)
        }
        let location = try DatabaseLocation(url: nil, dataDir: root, databaseName: database)
        try await offThread { try location.startIfManaged(logger: logger) }
        try await location.createDatabaseIfMissing(logger: logger)
        return try await body(location, root)
    }
}

/// Runs blocking work (a cluster started by `pg_ctl -w`, a process waited for) on a thread of its
/// own: the tests share two cooperative threads, and work holding one for seconds held every
/// other test's timed waits back.
@discardableResult
public func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
