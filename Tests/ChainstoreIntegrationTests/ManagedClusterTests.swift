import ChainstoreApp
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Runs the real `chainstore` executable on its own private cluster, kills it with SIGKILL, and
/// checks that it starts again on the same data folder.
@Suite("Managed PostgreSQL", .enabled(if: TestDatabase.isAvailable), .serialized)
struct ManagedClusterTests {
    @Test func survivesKillNineOfTheServerAndOfPostgres() async throws {
        let root = FileManager.default.temporaryDirectory.path + "/chainstore-kill-\(getpid())"
        defer {
            try? ManagedCluster(root: root).stop(mode: "immediate") { _ in }
            try? FileManager.default.removeItem(atPath: root)
        }
        try #require(ServerProcess.executable != nil, "build the chainstore executable first (swift build)")
        let port = Int.random(in: 20_000...40_000)
        var server = try ServerProcess.start(dataDir: root, port: port)
        #expect(try await server.waitUntilReady())
        await server.killNine()

        server = try ServerProcess.start(dataDir: root, port: port)
        #expect(try await server.waitUntilReady(), "restart after kill -9 of the server")
        await server.killNine()
        let pid = try String(contentsOfFile: root + "/pgdata/postmaster.pid", encoding: .utf8).split(separator: "\n").first.flatMap { Int32($0) }
        #expect(pid != nil)
        if let pid { kill(pid, SIGKILL) }

        server = try ServerProcess.start(dataDir: root, port: port)
        #expect(try await server.waitUntilReady(), "restart after kill -9 of PostgreSQL too")
        server.terminate()
        #expect(await server.exited(within: 30) == 0)
        #expect(!ManagedCluster(root: root).isRunning(), "a clean stop also stops PostgreSQL")
    }
}

extension ManagedClusterTests {
    /// A cluster made before a setting was added gets it when it is next opened, and a server
    /// already running reads it at once; a setting the administrator changed (ALTER SYSTEM writes
    /// the same file) keeps its value.
    @Test func aClusterMadeBeforeASettingGetsItAndKeepsWhatWasChanged() async throws {
        try await TestDatabase.withOwnCluster("settings", database: "settings") { location, root in
            let cluster = ManagedCluster(root: root)
            let path = root + "/pgdata/postgresql.auto.conf"
            let made = try String(contentsOfFile: path, encoding: .utf8)
            #expect(made.contains("autovacuum_naptime = '10s'") && made.contains("max_wal_size = '4GB'"))
            // The server started again on an older cluster's file: no autovacuum_naptime, and
            // max_wal_size changed by hand.
            let older = made.split(separator: "\n").filter { !$0.hasPrefix("autovacuum_naptime") }
                .map { $0.hasPrefix("max_wal_size") ? "max_wal_size = '8GB'" : String($0) }.joined(separator: "\n") + "\n"
            try older.write(toFile: path, atomically: false, encoding: .utf8)
            try await offThread {
                try cluster.stop { _ in }
                try cluster.start { _ in }
            }
            let before = try await Self.naptime(location, awaiting: nil)
            let said = try await offThread { try Self.opened(cluster) }
            let now = try String(contentsOfFile: path, encoding: .utf8)
            #expect(now.components(separatedBy: "autovacuum_naptime = '10s'").count == 2)
            #expect(now.contains("max_wal_size = '8GB'") && !now.contains("max_wal_size = '4GB'"))
            #expect(said.contains { $0.contains("settings added") && $0.contains("autovacuum_naptime") } && said.contains { $0.contains("reloaded") })
            let after = try await Self.naptime(location, awaiting: "10s")
            #expect(before == "1min" && after == "10s", "was \(before), then \(after)")
            // Nothing more to add the next time.
            let again = try await offThread { try Self.opened(cluster) }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == now && !again.contains { $0.contains("settings added") })
        }
    }

    /// What `ensureInitialized` says on a cluster already made.
    static func opened(_ cluster: ManagedCluster) throws -> [String] {
        var said: [String] = []
        try cluster.ensureInitialized { said.append($0) }
        return said
    }

    /// The running server's `autovacuum_naptime`, asked again for a while until it is `awaiting`
    /// (a reload reaches the server's processes a moment after `pg_ctl reload` returns).
    static func naptime(_ location: DatabaseLocation, awaiting: String?) async throws -> String {
        var value = ""
        for _ in 0..<50 {
            value = try await location.maintenance(logger: TestDatabase.quiet) { tx in
                try await tx.query("SHOW autovacuum_naptime")[0].decode(String.self)
            }
            if value == (awaiting ?? value) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return value
    }

    /// `serve --backoffice-listen`: the back office (its page and routes) only on its own address,
    /// the API and the store apps only on the public one.
    @Test func theBackOfficeListensOnItsOwnAddress() async throws {
        let root = FileManager.default.temporaryDirectory.path + "/chainstore-office-\(getpid())"
        defer {
            try? ManagedCluster(root: root).stop(mode: "immediate") { _ in }
            try? FileManager.default.removeItem(atPath: root)
        }
        try #require(ServerProcess.executable != nil)
        let port = Int.random(in: 20_000...30_000), office = Int.random(in: 30_001...40_000)
        let server = try ServerProcess.start(dataDir: root, port: port, extra: ["--backoffice-listen", "127.0.0.1:\(office)"])
        defer {
            server.terminate()
            _ = server.waitForExit(seconds: 30)
        }
        #expect(try await server.waitUntilReady())
        func status(_ port: Int, _ path: String, post: String? = nil) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            if let post {
                request.httpMethod = "POST"
                request.httpBody = Data(post.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let (body, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: body, as: UTF8.self))
        }
        #expect(try await status(port, "/web").0 == 404)
        #expect(try await status(port, "/web/webclient/load_menus").0 == 404)
        #expect(try await status(port, "/").1 == "Chainstore\n")
        let version = #"{"jsonrpc":"2.0","method":"call","params":{"service":"common","method":"version","args":[]}}"#
        #expect(try await status(port, "/jsonrpc", post: version).1.contains("server_version"))
        #expect(try await status(port, "/scan").0 == 200)
        let page = try await status(office, "/")
        #expect(page.0 == 200 && page.1.contains("/assets/base/webclient."))
        #expect(try await status(office, "/web/webclient/load_menus").0 == 401)
        #expect(try await status(office, "/web/session/authenticate", post: #"{"params":{"db":"killtest","login":"admin","password":"x"}}"#).0 == 200)
        #expect(try await status(office, "/xmlrpc/2/common", post: "<methodCall/>").0 == 404)
        #expect(try await status(office, "/scan").0 == 404)
    }

    @Test func refusesAPublicAddressWhileAdminHasTheDefaultPassword() async throws {
        try #require(ServerProcess.executable != nil)
        let root = FileManager.default.temporaryDirectory.path + "/chainstore-public-\(getpid())"
        defer {
            try? ManagedCluster(root: root).stop(mode: "immediate") { _ in }
            try? FileManager.default.removeItem(atPath: root)
        }
        let output = FileManager.default.temporaryDirectory.path + "/chainstore-public-\(getpid()).log"
        defer { try? FileManager.default.removeItem(atPath: output) }
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.executable!)
        process.arguments = ["serve", "--demo", "--host", "0.0.0.0", "--port", String(Int.random(in: 20_000...40_000)), "--data-dir", root]
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "CHAINSTORE_ADMIN_PASSWORD" }
        process.standardOutput = FileHandle(forWritingAtPath: output)
        process.standardError = FileHandle(forWritingAtPath: output)
        try process.run()
        let server = ServerProcess(process: process, port: 0)
        let status = await server.exited(within: 120)
        #expect(status != nil && status != 0)
        let log = try String(contentsOfFile: output, encoding: .utf8)
        #expect(log.contains("Refusing to listen on 0.0.0.0"), "\(log.suffix(2000))")
        #expect(!ManagedCluster(root: root).isRunning(), "PostgreSQL is stopped when start-up fails")
    }
}

struct ServerProcess {
    let process: Process
    let port: Int

    /// The `chainstore` executable built beside the test bundle.
    static var executable: String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let candidate = directory + "/chainstore"
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    static func start(dataDir: String, port: Int, extra: [String] = []) throws -> ServerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable!)
        process.arguments = ["serve", "--data-dir", dataDir, "--port", String(port), "--database", "killtest"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return ServerProcess(process: process, port: port)
    }

    func waitUntilReady(seconds: Int = 120) async throws -> Bool {
        let url = URL(string: "http://127.0.0.1:\(port)/health/ready")!
        for _ in 0..<(seconds * 4) {
            if let (_, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 {
                return true
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    func killNine() async {
        kill(process.processIdentifier, SIGKILL)
        _ = await exited(within: 10)
    }

    func terminate() { process.terminate() }

    /// The exit status once the process has ended, waited for without holding a thread (the
    /// other tests run on the same two); nil if it still runs after `seconds`.
    func exited(within seconds: Int) async -> Int32? {
        for _ in 0..<(seconds * 10) where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// The same, holding the thread: only where nothing can be awaited (a `defer`).
    func waitForExit(seconds: Int) -> Int32? {
        for _ in 0..<(seconds * 10) where process.isRunning { usleep(100_000) }
        return process.isRunning ? nil : process.terminationStatus
    }
}
