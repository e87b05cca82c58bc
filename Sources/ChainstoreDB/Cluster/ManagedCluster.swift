import Foundation

// MARK: - ManagedCluster

/// A private PostgreSQL cluster owned by one server or one test run.
///
/// Layout under `root`:
///   root/pgdata           the data directory (0700)
///   root/run              the Unix socket directory (0700); the server listens on no TCP port at all
///   root/postgresql.log   the server log (pg_ctl -l)
///
/// PostgreSQL refuses to run as root. When the current process is root (CI), initdb and pg_ctl are run
/// through `runuser` as an unprivileged system user (`postgres` if it exists, otherwise a `chainstore`
/// system user is created), and the data and socket directories are owned by that user. Root can still
/// connect through the socket.
///
/// All methods are synchronous and block while child processes run (initdb takes a few seconds).
public struct ManagedCluster: Sendable {
    public struct Binaries: Sendable, Equatable {
        public let initdb: String
        public let pgCtl: String
        public let postgres: String
        /// Major version, e.g. 15.
        public let version: Int

        public init(initdb: String, pgCtl: String, postgres: String, version: Int) {
            self.initdb = initdb
            self.pgCtl = pgCtl
            self.postgres = postgres
            self.version = version
        }
    }

    /// Absolute path of the data directory, `<root>/pgdata`.
    public let dataDir: String
    /// Absolute path of the Unix socket directory, `<root>/run`.
    public let socketDir: String
    /// Only names the socket file `.s.PGSQL.<port>`; no TCP listener is opened.
    public let port: Int
    /// Database superuser role created by initdb.
    public let superuser: String
    /// Binaries to use; `nil` means `findBinaries()` is called when needed.
    public let binaries: Binaries?

    /// `dataDir = root/pgdata`, `socketDir = root/run`; a relative `root` is resolved against the
    /// current directory.
    public init(root: String, port: Int = 5432, superuser: String = "chainstore", binaries: Binaries? = nil) {
        let absoluteRoot = Self.absolutePath(root)
        self.dataDir = absoluteRoot == "/" ? "/pgdata" : absoluteRoot + "/pgdata"
        self.socketDir = absoluteRoot == "/" ? "/run" : absoluteRoot + "/run"
        self.port = port
        self.superuser = superuser
        self.binaries = binaries
    }

    /// `socketDir + "/.s.PGSQL.<port>"`.
    public var socketPath: String { socketDir + "/.s.PGSQL.\(port)" }

    /// The server log, `dataDir/../postgresql.log`.
    var logFile: String { Self.parentDirectory(of: dataDir) + "/postgresql.log" }
    var rootDir: String { Self.parentDirectory(of: dataDir) }
    var pidFile: String { dataDir + "/postmaster.pid" }
    var socketLockFile: String { socketPath + ".lock" }

    /// Seconds pg_ctl waits for start / stop.
    static let pgCtlTimeoutSeconds = 120
    /// Settings written to postgresql.auto.conf right after initdb; a setting added here later
    /// reaches clusters made before it the next time `ensureInitialized` runs (`addMissingSettings`;
    /// a running server reloads). ALTER SYSTEM may change them: a setting the file names, whatever
    /// its value, is left alone.
    static let initialSettings: [(String, String)] = [
        ("max_connections", "200"),
        ("shared_buffers", "256MB"),
        ("fsync", "on"),
        ("synchronous_commit", "on"),
        ("full_page_writes", "on"),
        // The default 1 GB of WAL between checkpoints is written in minutes at a few hundred sales
        // a second; a checkpoint forced that early (and the full pages written after it) showed
        // as 0.2–0.5 s stalls in the tills' p99. Checkpoints come every 5 minutes instead.
        ("max_wal_size", "4GB"),
        // Short transactions whose estimated cost is large (a valuation of 500 pledges) spent two
        // seconds compiling their plan with LLVM for 0.3 s of work: the managed cluster does not JIT.
        ("jit", "off"),
        // Each connection keeps its plan of a key's check until the table's statistics change; a
        // fresh database's tables are analysed empty, so until autovacuum analysed them a minute
        // or two in, every sale's checks scanned the POS register whole (120 million rows read
        // in one POS benchmark; its first round sold 110 a second in batches of 20, the next
        // ones 150). Checked every 10 s instead of every minute.
        ("autovacuum_naptime", "10s"),
    ]
    /// Rotate the log (to postgresql.log.1) at start when it is larger than this.
    static let maxLogBytes = 16 * 1024 * 1024

    // MARK: Binaries

    /// Searches, in order: `$CHAINSTORE_PG_BINDIR` (if set, it is the only place looked at),
    /// `/usr/lib/postgresql/<highest version>/bin`, `pg_config --bindir`, then `$PATH`.
    /// A directory qualifies when it holds executable `initdb`, `pg_ctl` and `postgres`.
    public static func findBinaries() throws -> Binaries {
        try findBinaries(environment: ProcessInfo.processInfo.environment)
    }

    /// Testing hook: the same search with an explicit environment and switchable sources.
    static func findBinaries(
        environment: [String: String],
        versionedRoot: String? = "/usr/lib/postgresql",
        usePgConfig: Bool = true
    ) throws -> Binaries {
        var tried: [String] = []

        if let explicit = environment["CHAINSTORE_PG_BINDIR"], !explicit.isEmpty {
            if let found = binaries(inDirectory: explicit) { return found }
            throw ManagedClusterError(
                kind: .binariesNotFound,
                message: "CHAINSTORE_PG_BINDIR is set to '\(explicit)', but that directory does not contain "
                    + "executable initdb, pg_ctl and postgres. Point CHAINSTORE_PG_BINDIR at a PostgreSQL "
                    + "server bin directory (on Debian/Ubuntu /usr/lib/postgresql/<version>/bin, installed by "
                    + "`apt-get install postgresql`), or unset it to search the usual locations."
            )
        }
        tried.append("CHAINSTORE_PG_BINDIR (unset)")

        if let versionedRoot {
            let versions = installedVersionDirectories(under: versionedRoot)
            for dir in versions {
                if let found = binaries(inDirectory: versionedRoot + "/" + dir + "/bin") { return found }
            }
            tried.append(versions.isEmpty
                ? "\(versionedRoot)/<version>/bin (none installed)"
                : "\(versionedRoot)/{\(versions.joined(separator: ","))}/bin (incomplete)")
        }

        if usePgConfig {
            if let pgConfig = findExecutable("pg_config", path: environment["PATH"], extraDirectories: []),
               let result = try? runCommand(pgConfig, ["--bindir"]), result.status == 0 {
                let dir = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                if !dir.isEmpty, let found = binaries(inDirectory: dir) { return found }
                tried.append("`pg_config --bindir` (\(dir.isEmpty ? "no answer" : dir + ": incomplete"))")
            } else {
                tried.append("`pg_config --bindir` (pg_config not found)")
            }
        }

        let pathDirectories = (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        for dir in pathDirectories {
            if let found = binaries(inDirectory: dir) { return found }
        }
        tried.append(pathDirectories.isEmpty ? "PATH (empty)" : "PATH (\(pathDirectories.joined(separator: ":")))")

        throw ManagedClusterError(
            kind: .binariesNotFound,
            message: "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found; looked in: "
                + tried.joined(separator: "; ") + ". "
                + "Install the PostgreSQL server, e.g. on Debian/Ubuntu `apt-get install postgresql` "
                + "(it provides /usr/lib/postgresql/<version>/bin), or set the environment variable "
                + "CHAINSTORE_PG_BINDIR to the directory that contains initdb, pg_ctl and postgres."
        )
    }

    /// Names of `<root>/<version>` directories, highest version first.
    static func installedVersionDirectories(under root: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return [] }
        func key(_ name: String) -> [Int] { name.split(separator: ".").map { Int($0) ?? -1 } }
        return names
            .filter { !key($0).isEmpty && !key($0).contains(-1) }
            .sorted { key($0).lexicographicallyPrecedes(key($1)) }
            .reversed()
    }

    static func binaries(inDirectory dir: String) -> Binaries? {
        let dir = dir.hasSuffix("/") && dir.count > 1 ? String(dir.dropLast()) : dir
        let initdb = dir + "/initdb", pgCtl = dir + "/pg_ctl", postgres = dir + "/postgres"
        for file in [initdb, pgCtl, postgres] where !isExecutableFile(file) { return nil }
        guard let version = majorVersion(ofPostgres: postgres, directory: dir) else { return nil }
        return Binaries(initdb: initdb, pgCtl: pgCtl, postgres: postgres, version: version)
    }

    /// `postgres --version` prints e.g. "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
    static func majorVersion(ofPostgres postgres: String, directory: String) -> Int? {
        if let result = try? runCommand(postgres, ["--version"]), result.status == 0 {
            let words = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if let index = words.firstIndex(where: { $0.hasSuffix("(PostgreSQL)") }), index + 1 < words.count {
                let digits = words[index + 1].prefix(while: { $0.isNumber })
                if let major = Int(digits) { return major }
            }
        }
        // Fall back to the Debian layout /usr/lib/postgresql/<major>/bin.
        let versionComponent = (parentDirectory(of: directory) as NSString).lastPathComponent
        return Int(versionComponent.prefix(while: { $0.isNumber }))
    }

    func resolvedBinaries() throws -> Binaries {
        if let binaries { return binaries }
        return try Self.findBinaries()
    }

    // MARK: Public operations

    /// Runs initdb if `dataDir/PG_VERSION` is absent, then writes the initial settings to
    /// postgresql.auto.conf; on a cluster already made, adds the initial settings its file does
    /// not name. Creates the root, data and socket directories as needed.
    public func ensureInitialized(log: (String) -> Void) throws {
        try validateConfiguration()
        let binaries = try resolvedBinaries()
        let owner = try ServiceUser.resolve(log: log)
        try prepareDirectories(owner: owner, log: log)

        let versionFile = dataDir + "/PG_VERSION"
        if FileManager.default.fileExists(atPath: versionFile) {
            try checkDataVersion(binaries)
            log("cluster already initialized at \(dataDir) (PostgreSQL \(binaries.version))")
            let added = try addMissingSettings(owner: owner)
            guard !added.isEmpty else { return }
            log("settings added to \(dataDir)/postgresql.auto.conf (the cluster predates them): \(added.joined(separator: ", "))")
            // A server already running reads them now (those it can change without a restart).
            if case .running = readPostmasterState() {
                let result = try runAsOwner(owner, binaries.pgCtl, ["reload", "-D", dataDir])
                log(result.status == 0 ? "PostgreSQL reloaded its settings" : "pg_ctl reload failed (exit \(result.status)); the settings apply at the next start")
            }
            return
        }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: dataDir)) ?? []
        if !leftovers.isEmpty {
            throw ManagedClusterError(
                kind: .invalidConfiguration,
                message: "\(dataDir) is not empty but has no PG_VERSION file, so it is not a PostgreSQL data "
                    + "directory; refusing to initialize over it. Remove it (or choose another root) and retry.",
                outputTail: leftovers.sorted().prefix(20).joined(separator: "\n")
            )
        }

        log("initializing PostgreSQL \(binaries.version) cluster in \(dataDir)"
            + (owner.map { " as system user '\($0.name)'" } ?? ""))
        let baseArguments = ["-D", dataDir, "-U", superuser, "--auth=trust", "--encoding=UTF8"]
        let first = try runAsOwner(owner, binaries.initdb, baseArguments + ["--locale=C.UTF-8"])
        if first.status != 0 {
            log("initdb with --locale=C.UTF-8 failed (exit \(first.status)); retrying with --locale=C")
            let second = try runAsOwner(owner, binaries.initdb, baseArguments + ["--locale=C"])
            if second.status != 0 {
                throw ManagedClusterError(
                    kind: .commandFailed,
                    message: "initdb failed for \(dataDir) with --locale=C.UTF-8 (exit \(first.status)) and "
                        + "with --locale=C (exit \(second.status))",
                    outputTail: Self.tail(first.combinedOutput + "\n--- retry with --locale=C ---\n" + second.combinedOutput)
                )
            }
        }

        try writeInitialSettings(owner: owner)
        log("initialized \(dataDir) (superuser '\(superuser)', trust authentication, Unix socket only)")
    }

    /// Starts the server (or reuses one already running for this data directory) and returns once
    /// it accepts connections on `socketPath`.
    public func start(log: (String) -> Void) throws {
        try validateConfiguration()
        let binaries = try resolvedBinaries()
        guard FileManager.default.fileExists(atPath: dataDir + "/PG_VERSION") else {
            throw ManagedClusterError(
                kind: .notInitialized,
                message: "\(dataDir) is not an initialized PostgreSQL data directory; call ensureInitialized first"
            )
        }
        try checkDataVersion(binaries)
        let owner = try ServiceUser.resolve(log: log)
        try prepareDirectories(owner: owner, log: log)

        switch readPostmasterState() {
        case let .running(info):
            if info.port != nil && info.port != port || info.socketDir != nil && info.socketDir != socketDir {
                throw ManagedClusterError(
                    kind: .alreadyInUse,
                    message: "a server (pid \(info.pid)) is already running for \(dataDir) but with port "
                        + "\(info.port.map(String.init) ?? "?") and socket directory '\(info.socketDir ?? "?")' instead "
                        + "of \(port) and '\(socketDir)'; stop it first"
                )
            }
            if try waitUntilReady(pid: info.pid) {
                log("PostgreSQL already running for \(dataDir) (pid \(info.pid)); reusing it")
                return
            }
            log("server pid \(info.pid) exited while we waited for it; starting a new one")
            try cleanUpAfterDeadPostmaster(log: log)
        case let .stale(pid, reason):
            log("removing stale \(pidFile)" + (pid.map { " (pid \($0) \(reason))" } ?? " (\(reason))"))
            try cleanUpAfterDeadPostmaster(log: log)
        case .absent:
            try killOrphanedBackends(log: log)
        }
        try removeStaleSocketLock(log: log)
        try rotateLogIfLarge(owner: owner, log: log)

        let logOffset = Self.fileSize(logFile)
        let options = [
            "-c", "listen_addresses=",
            "-c", "unix_socket_directories=\(socketDir)",
            "-p", String(port),
        ].map(Self.shellQuote).joined(separator: " ")
        log("starting PostgreSQL \(binaries.version) on \(socketPath) (no TCP), log \(logFile)")
        let result = try runAsOwner(owner, binaries.pgCtl, [
            "start", "-w", "-t", String(Self.pgCtlTimeoutSeconds),
            "-D", dataDir, "-l", logFile, "-o", options,
        ], startsDaemon: true)
        if result.status != 0 {
            throw ManagedClusterError(
                kind: .startFailed,
                message: "pg_ctl start failed for \(dataDir) (exit \(result.status)); see \(logFile)",
                outputTail: Self.tail(result.combinedOutput + "\n--- server log ---\n" + Self.readFile(logFile, from: logOffset))
            )
        }
        guard Self.isSocket(socketPath) else {
            throw ManagedClusterError(
                kind: .startFailed,
                message: "pg_ctl reported success but \(socketPath) does not exist; see \(logFile)",
                outputTail: Self.tail(result.combinedOutput + "\n--- server log ---\n" + Self.readFile(logFile, from: logOffset))
            )
        }
        let pid = readPidFile().map { String($0.pid) } ?? "?"
        log("PostgreSQL started (pid \(pid)), accepting connections on \(socketPath)")
    }

    /// `pg_ctl stop -D dataDir -m mode -w`; does nothing if the server is not running.
    /// `mode` is "smart", "fast" or "immediate".
    public func stop(mode: String = "fast", log: (String) -> Void) throws {
        guard ["smart", "fast", "immediate"].contains(mode) else {
            throw ManagedClusterError(kind: .invalidConfiguration,
                                      message: "stop mode must be smart, fast or immediate, not '\(mode)'")
        }
        // Our own liveness check first: pg_ctl only does kill(pid, 0), so with a stale pid file whose
        // pid was reused it would signal an unrelated process.
        guard case let .running(info) = readPostmasterState() else {
            log("PostgreSQL for \(dataDir) is not running; nothing to stop")
            return
        }
        let binaries = try resolvedBinaries()
        let owner = try ServiceUser.resolve(log: log)
        log("stopping PostgreSQL (pid \(info.pid), mode \(mode))")
        let result = try runAsOwner(owner, binaries.pgCtl, [
            "stop", "-D", dataDir, "-m", mode, "-w", "-t", String(Self.pgCtlTimeoutSeconds),
        ])
        if result.status != 0 {
            if !isRunning() {
                log("PostgreSQL stopped")
                return
            }
            throw ManagedClusterError(
                kind: .stopFailed,
                message: "pg_ctl stop -m \(mode) failed for \(dataDir) (exit \(result.status)); the server is still running",
                outputTail: Self.tail(result.combinedOutput + "\n--- server log ---\n" + Self.readTail(of: logFile))
            )
        }
        log("PostgreSQL stopped")
    }

    /// True when `postmaster.pid` names a live postgres process serving this data directory.
    public func isRunning() -> Bool {
        if case .running = readPostmasterState() { return true }
        return false
    }

}
