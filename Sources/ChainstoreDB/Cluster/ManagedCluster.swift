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
    /// Settings written to postgresql.auto.conf once, right after initdb. ALTER SYSTEM may change them later.
    static let initialSettings: [(String, String)] = [
        ("max_connections", "200"),
        ("shared_buffers", "256MB"),
        ("fsync", "on"),
        ("synchronous_commit", "on"),
        ("full_page_writes", "on"),
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
    /// postgresql.auto.conf. Creates the root, data and socket directories as needed.
    public func ensureInitialized(log: (String) -> Void) throws {
        try validateConfiguration()
        let binaries = try resolvedBinaries()
        let owner = try ServiceUser.resolve(log: log)
        try prepareDirectories(owner: owner, log: log)

        let versionFile = dataDir + "/PG_VERSION"
        if FileManager.default.fileExists(atPath: versionFile) {
            try checkDataVersion(binaries)
            log("cluster already initialized at \(dataDir) (PostgreSQL \(binaries.version))")
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

    // MARK: Validation

    func validateConfiguration() throws {
        guard (1...65535).contains(port) else {
            throw ManagedClusterError(kind: .invalidConfiguration, message: "port must be 1...65535, not \(port)")
        }
        guard !superuser.isEmpty, !superuser.contains("\0") else {
            throw ManagedClusterError(kind: .invalidConfiguration, message: "superuser must be a non-empty role name")
        }
        // pg_ctl puts -D and -l inside double quotes of a /bin/sh command line; the socket directory
        // is a comma-separated list for the server.
        let shellUnsafe: Set<Character> = ["\"", "\\", "$", "`", "\n", "\r", "\0"]
        for (name, path) in [("data directory", dataDir), ("log file", logFile), ("socket directory", socketDir)] {
            if let bad = path.first(where: { shellUnsafe.contains($0) || (name == "socket directory" && $0 == ",") }) {
                throw ManagedClusterError(
                    kind: .invalidConfiguration,
                    message: "the \(name) path '\(path)' contains the character \(bad.debugDescription), which "
                        + "pg_ctl cannot pass through its shell command line; choose another root folder"
                )
            }
        }
        // sun_path is 108 bytes including the terminating NUL.
        if socketPath.utf8.count > 107 {
            throw ManagedClusterError(
                kind: .invalidConfiguration,
                message: "the Unix socket path '\(socketPath)' is \(socketPath.utf8.count) bytes; the limit is 107. "
                    + "Choose a shorter root folder."
            )
        }
    }

    func checkDataVersion(_ binaries: Binaries) throws {
        let text = Self.readFile(dataDir + "/PG_VERSION", from: 0).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let dataVersion = Int(text.prefix(while: { $0.isNumber })) else { return }
        if dataVersion != binaries.version {
            throw ManagedClusterError(
                kind: .invalidConfiguration,
                message: "\(dataDir) was created by PostgreSQL \(dataVersion) but the binaries found are PostgreSQL "
                    + "\(binaries.version) (\(binaries.postgres)). Set CHAINSTORE_PG_BINDIR to a PostgreSQL "
                    + "\(dataVersion) bin directory, or upgrade the cluster with pg_upgrade (or remove it)."
            )
        }
    }

    // MARK: Directories, ownership, permissions

    func prepareDirectories(owner: ServiceUser?, log: (String) -> Void) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: rootDir, withIntermediateDirectories: true)
            for dir in [dataDir, socketDir] where !fm.fileExists(atPath: dir) {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: false,
                                       attributes: [.posixPermissions: 0o700])
            }
            if !fm.fileExists(atPath: logFile) {
                guard fm.createFile(atPath: logFile, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw ManagedClusterError(kind: .permission, message: "cannot create \(logFile)")
                }
            }
        } catch let error as ManagedClusterError {
            throw error
        } catch {
            throw ManagedClusterError(kind: .permission, message: "cannot create the cluster folders under \(rootDir): \(error)")
        }

        if let owner {
            // Only the cluster's own paths are chowned, never the root folder itself (it may be shared).
            for path in [dataDir, socketDir] where Self.ownerUID(path) != owner.uid || Self.ownerUID(path + "/PG_VERSION").map({ $0 != owner.uid }) == true {
                try Self.chownRecursively(path, owner: owner)
                log("changed owner of \(path) to '\(owner.name)'")
            }
            for path in [logFile, logFile + ".1"] where Self.ownerUID(path).map({ $0 != owner.uid }) == true {
                if chown(path, owner.uid, owner.gid) != 0 {
                    throw ManagedClusterError(kind: .permission,
                                              message: "chown \(owner.name) \(path) failed: \(String(cString: strerror(errno)))")
                }
            }
            try ensureTraversable(by: owner, log: log)
        }
        // initdb wants 0700 or 0750; the socket directory guards a trust-authenticated server.
        for dir in [dataDir, socketDir] where Self.permissions(dir) != 0o700 {
            if chmod(dir, 0o700) != 0 {
                throw ManagedClusterError(kind: .permission,
                                          message: "chmod 700 \(dir) failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// The service user must be able to search every directory above the data and socket directories.
    /// Directories that are not searchable get o+x (search only: no read, no write), and that is logged.
    func ensureTraversable(by owner: ServiceUser, log: (String) -> Void) throws {
        var ancestors: [String] = ["/"]
        var current = ""
        for component in rootDir.split(separator: "/") {
            current += "/" + component
            ancestors.append(current)
        }
        // Fast path: every ancestor is world-searchable.
        if ancestors.allSatisfy({ (Self.permissions($0) ?? 0) & 0o001 != 0 }) { return }
        if try owner.canSearch(rootDir) { return }

        for dir in ancestors where try !owner.canSearch(dir) {
            guard let mode = Self.permissions(dir), chmod(dir, mode_t(mode | 0o001)) == 0 else {
                throw ManagedClusterError(
                    kind: .permission,
                    message: "system user '\(owner.name)' cannot reach \(rootDir) because it cannot search \(dir), "
                        + "and granting o+x on it failed: \(String(cString: strerror(errno))). "
                        + "Choose a root folder outside private directories such as /root."
                )
            }
            log("granted o+x (search only) on \(dir) so that system user '\(owner.name)' can reach \(rootDir)")
        }
        guard try owner.canSearch(rootDir) else {
            throw ManagedClusterError(
                kind: .permission,
                message: "system user '\(owner.name)' still cannot reach \(rootDir) (ACLs or a restrictive mount?). "
                    + "Choose a root folder such as /var/lib/chainstore or /tmp/<name>."
            )
        }
    }

    func writeInitialSettings(owner: ServiceUser?) throws {
        let path = dataDir + "/postgresql.auto.conf"
        var text = Self.readFile(path, from: 0)
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        for (name, value) in Self.initialSettings {
            text += "\(name) = '\(value)'\n"
        }
        do {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        } catch {
            throw ManagedClusterError(kind: .permission, message: "cannot write \(path): \(error)")
        }
        if let owner, chown(path, owner.uid, owner.gid) != 0 {
            throw ManagedClusterError(kind: .permission,
                                      message: "chown \(owner.name) \(path) failed: \(String(cString: strerror(errno)))")
        }
    }

    func rotateLogIfLarge(owner: ServiceUser?, log: (String) -> Void) throws {
        guard Self.fileSize(logFile) > UInt64(Self.maxLogBytes) else { return }
        let old = logFile + ".1"
        _ = unlink(old)
        guard rename(logFile, old) == 0,
              FileManager.default.createFile(atPath: logFile, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw ManagedClusterError(kind: .permission, message: "cannot rotate \(logFile): \(String(cString: strerror(errno)))")
        }
        if let owner { _ = chown(logFile, owner.uid, owner.gid) }
        log("rotated \(logFile) to \(old)")
    }

    // MARK: Postmaster state

    struct PidFileInfo {
        let pid: pid_t
        let port: Int?
        let socketDir: String?
        let status: String?
    }

    enum PostmasterState {
        case absent
        case stale(pid: pid_t?, reason: String)
        case running(PidFileInfo)
    }

    /// postmaster.pid lines: pid, data dir, start time, port, socket dir, listen address, shmem key, status.
    func readPidFile() -> PidFileInfo? {
        guard let data = FileManager.default.contents(atPath: pidFile),
              let text = String(data: data, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first, let pid = pid_t(first.trimmingCharacters(in: .whitespaces)), pid > 0 else {
            return nil
        }
        func line(_ index: Int) -> String? {
            guard index < lines.count else { return nil }
            let value = lines[index].trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : value
        }
        return PidFileInfo(pid: pid, port: line(3).flatMap { Int($0) }, socketDir: line(4), status: line(7))
    }

    func readPostmasterState() -> PostmasterState {
        guard FileManager.default.fileExists(atPath: pidFile) else { return .absent }
        var info = readPidFile()
        if info == nil {
            // Possibly a server writing its pid file right now; look again before calling it stale.
            usleep(500_000)
            guard FileManager.default.fileExists(atPath: pidFile) else { return .absent }
            info = readPidFile()
        }
        guard let info else { return .stale(pid: nil, reason: "empty or unreadable pid file") }
        if isPostgresProcessOfThisCluster(info.pid) { return .running(info) }
        let reason: String
        if !Self.processExists(info.pid) {
            reason = "is not running"
        } else if Self.isZombie(info.pid) {
            reason = "has exited; its zombie was not reaped yet"
        } else {
            reason = "belongs to another process, not a postgres server for this data directory"
        }
        return .stale(pid: info.pid, reason: reason)
    }

    /// Polls the pid file until the server reports "ready" (or "standby"). Returns false if it died.
    func waitUntilReady(pid: pid_t) throws -> Bool {
        let deadline = Date().addingTimeInterval(TimeInterval(Self.pgCtlTimeoutSeconds))
        while Date() < deadline {
            guard isPostgresProcessOfThisCluster(pid) else { return false }
            if let info = readPidFile(), info.pid == pid,
               info.status == "ready" || info.status == "standby", Self.isSocket(socketPath) {
                return true
            }
            usleep(100_000)
        }
        throw ManagedClusterError(
            kind: .startFailed,
            message: "the server already running for \(dataDir) (pid \(pid)) did not become ready within "
                + "\(Self.pgCtlTimeoutSeconds) s (crash recovery in progress?)",
            outputTail: Self.tail(Self.readTail(of: logFile))
        )
    }

    func cleanUpAfterDeadPostmaster(log: (String) -> Void) throws {
        try killOrphanedBackends(log: log)
        if unlink(pidFile) != 0 && errno != ENOENT {
            throw ManagedClusterError(kind: .permission,
                                      message: "cannot remove stale \(pidFile): \(String(cString: strerror(errno)))")
        }
    }

    /// Backends of a dead postmaster keep the old shared memory segment attached, and PostgreSQL then
    /// refuses to start ("pre-existing shared memory block is still in use"). They normally exit on their
    /// own when they notice the postmaster died; whatever is left after a grace period is killed.
    func killOrphanedBackends(log: (String) -> Void) throws {
        var leftovers = postgresProcessesOfThisCluster()
        guard !leftovers.isEmpty else { return }
        log("waiting for \(leftovers.count) leftover postgres process(es) of a dead server to exit: "
            + leftovers.map(String.init).joined(separator: " "))
        let graceDeadline = Date().addingTimeInterval(5)
        while !leftovers.isEmpty && Date() < graceDeadline {
            usleep(100_000)
            leftovers = postgresProcessesOfThisCluster()
        }
        guard !leftovers.isEmpty else { return }
        log("killing leftover postgres process(es) with SIGKILL: " + leftovers.map(String.init).joined(separator: " "))
        for pid in leftovers { _ = kill(pid, SIGKILL) }
        let killDeadline = Date().addingTimeInterval(5)
        while !leftovers.isEmpty && Date() < killDeadline {
            usleep(50_000)
            leftovers = postgresProcessesOfThisCluster()
        }
        if !leftovers.isEmpty {
            throw ManagedClusterError(
                kind: .alreadyInUse,
                message: "postgres processes of a previous server for \(dataDir) are still alive after SIGKILL: "
                    + leftovers.map(String.init).joined(separator: " ")
            )
        }
    }

    /// `.s.PGSQL.<port>.lock` holds the pid of the server owning the socket. Removed (with the socket)
    /// when that pid is not a live postgres; an error when another cluster's server owns it.
    func removeStaleSocketLock(log: (String) -> Void) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: socketLockFile) else { return }
        let text = Self.readFile(socketLockFile, from: 0)
        let pid = text.split(separator: "\n").first.flatMap { pid_t($0.trimmingCharacters(in: .whitespaces)) }
        if let pid, pid > 0, Self.processExists(pid), Self.isPostgresExecutable(pid) {
            throw ManagedClusterError(
                kind: .alreadyInUse,
                message: "\(socketPath) is in use by another PostgreSQL server (pid \(pid), data directory "
                    + "\(Self.processWorkingDirectory(pid) ?? "unknown")); use another port or root folder",
                outputTail: text
            )
        }
        log("removing stale socket lock \(socketLockFile)" + (pid.map { " (pid \($0) is not a running server)" } ?? ""))
        for path in [socketLockFile, socketPath] where unlink(path) != 0 && errno != ENOENT {
            throw ManagedClusterError(kind: .permission,
                                      message: "cannot remove stale \(path): \(String(cString: strerror(errno)))")
        }
    }

    var canonicalDataDir: String { Self.realPath(dataDir) ?? dataDir }

    func isPostgresProcessOfThisCluster(_ pid: pid_t) -> Bool {
        #if os(Linux)
        guard pid > 0, pid != getpid(), Self.processExists(pid), !Self.isZombie(pid) else { return false }
        if let cwd = Self.processWorkingDirectory(pid) {
            // postgres chdirs into its data directory; all its processes share that working directory.
            return cwd == canonicalDataDir && Self.isPostgresExecutable(pid)
        }
        // Another user's process (cwd and exe are not readable): /proc/<pid>/cmdline is, and a
        // postmaster started by pg_ctl has "-D <dataDir>" there. Err on the side of "running".
        let arguments = Self.readFile("/proc/\(pid)/cmdline", from: 0).split(separator: "\0").map(String.init)
        guard let program = arguments.first, (program as NSString).lastPathComponent.hasPrefix("postgres"),
              let flag = arguments.firstIndex(of: "-D"), flag + 1 < arguments.count else { return false }
        let dir = arguments[flag + 1]
        return dir == dataDir || Self.realPath(dir) == canonicalDataDir
        #else
        return pid > 0 && Self.processExists(pid)
        #endif
    }

    func postgresProcessesOfThisCluster() -> [pid_t] {
        #if os(Linux)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { pid_t($0) }.filter { isPostgresProcessOfThisCluster($0) }.sorted()
        #else
        return []
        #endif
    }

    // MARK: Running commands

    /// Runs a command as the service user (through runuser) when root, else directly.
    /// `startsDaemon`: the command leaves a long-lived process behind (pg_ctl start); see `runCommand`.
    func runAsOwner(_ owner: ServiceUser?, _ executable: String, _ arguments: [String],
                    startsDaemon: Bool = false) throws -> CommandResult {
        let (program, argv) = owner.map { ($0.runuser, ["-u", $0.name, "--", executable] + arguments) }
            ?? (executable, arguments)
        #if os(Linux)
        if startsDaemon { return try Self.spawnAndWait(program, argv) }
        #endif
        return try Self.runCommand(program, argv)
    }

    struct CommandResult {
        let status: Int32
        let stdout: String
        let stderr: String
        var combinedOutput: String {
            [stdout, stderr].filter { !$0.isEmpty }.joined(separator: stdout.hasSuffix("\n") ? "" : "\n")
        }
    }

    /// Environment for child processes: ours without PG* variables (PGDATA, PGPORT, PGHOST, ... must not
    /// redirect the tools).
    static var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
    }

    static func temporaryOutputPaths() -> (out: String, err: String) {
        let base = FileManager.default.temporaryDirectory.path + "/chainstore-cmd-\(getpid())-\(UUID().uuidString)"
        return (base + ".out", base + ".err")
    }

    /// Runs a program with Foundation `Process` and an argument array (no shell), in "/", stdin from
    /// /dev/null. Output goes to temporary files rather than pipes: no reader thread is needed and
    /// the output of a chatty command cannot fill a pipe.
    ///
    /// Not for commands that leave a daemon behind: on Linux, swift-corelibs-foundation detects the
    /// child's exit through the end-of-file of a socket that every child inherits (it is not
    /// close-on-exec), so `waitUntilExit()` would block until the daemon itself exits.
    static func runCommand(_ executable: String, _ arguments: [String]) throws -> CommandResult {
        let fm = FileManager.default
        let (outPath, errPath) = temporaryOutputPaths()
        defer {
            _ = unlink(outPath)
            _ = unlink(errPath)
        }
        guard fm.createFile(atPath: outPath, contents: nil, attributes: [.posixPermissions: 0o600]),
              fm.createFile(atPath: errPath, contents: nil, attributes: [.posixPermissions: 0o600]),
              let outHandle = FileHandle(forWritingAtPath: outPath),
              let errHandle = FileHandle(forWritingAtPath: errPath)
        else {
            throw ManagedClusterError(kind: .commandFailed,
                                      message: "cannot create temporary output files in \(fm.temporaryDirectory.path)")
        }
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = childEnvironment
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        do {
            try process.run()
        } catch {
            throw ManagedClusterError(kind: .commandFailed,
                                      message: "cannot run \(([executable] + arguments).joined(separator: " ")): \(error)")
        }
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: readFile(outPath, from: 0),
                             stderr: readFile(errPath, from: 0))
    }

    #if os(Linux)
    /// Like `runCommand`, but with posix_spawn + waitpid so that nothing of ours but stdin/stdout/stderr
    /// reaches the child: a daemon it starts (the postmaster, started by pg_ctl) cannot keep us waiting.
    /// File descriptors 3 and up are closed in the child, the working directory is "/", the signal mask is
    /// cleared and signal dispositions are reset to their defaults.
    static func spawnAndWait(_ executable: String, _ arguments: [String]) throws -> CommandResult {
        let (outPath, errPath) = temporaryOutputPaths()
        defer {
            _ = unlink(outPath)
            _ = unlink(errPath)
        }
        func failure(_ what: String, _ code: Int32) -> ManagedClusterError {
            ManagedClusterError(kind: .commandFailed,
                                message: "cannot run \(([executable] + arguments).joined(separator: " ")): \(what): "
                                    + String(cString: strerror(code)))
        }

        var actions = posix_spawn_file_actions_t()
        guard posix_spawn_file_actions_init(&actions) == 0 else { throw failure("posix_spawn_file_actions_init", errno) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        var rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if rc == 0 { rc = posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        if rc == 0 { rc = posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        guard rc == 0 else { throw failure("posix_spawn_file_actions_addopen", rc) }
        // glibc >= 2.34 / 2.29; not exported by Swift's Glibc module, hence dlsym.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
        typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            rc = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        } else {
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            for fd in open.compactMap({ Int32($0) }) where fd > 2 && rc == 0 {
                rc = posix_spawn_file_actions_addclose(&actions, fd)
            }
        }
        guard rc == 0 else { throw failure("closing inherited descriptors", rc) }
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") {
            rc = unsafeBitCast(symbol, to: ChangeDirectory.self)(&actions, "/")
            guard rc == 0 else { throw failure("posix_spawn_file_actions_addchdir_np", rc) }
        }

        var attributes = posix_spawnattr_t()
        guard posix_spawnattr_init(&attributes) == 0 else { throw failure("posix_spawnattr_init", errno) }
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in 1..<32 where signal != SIGKILL && signal != SIGSTOP {
            sigaddset(&defaultSignals, Int32(signal))
        }
        rc = posix_spawnattr_setsigmask(&attributes, &emptyMask)
        if rc == 0 { rc = posix_spawnattr_setsigdefault(&attributes, &defaultSignals) }
        if rc == 0 { rc = posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) }
        guard rc == 0 else { throw failure("posix_spawnattr", rc) }

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = childEnvironment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw failure("posix_spawn", rc) }

        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw failure("waitpid", errno) }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        let exitStatus: Int32 = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return CommandResult(status: exitStatus, stdout: readFile(outPath, from: 0), stderr: readFile(errPath, from: 0))
    }
    #endif

    static func findExecutable(_ name: String, path: String?, extraDirectories: [String]) -> String? {
        let dirs = (path ?? "").split(separator: ":").map(String.init) + extraDirectories
        return dirs.lazy.filter { !$0.isEmpty }.map { $0 + "/" + name }.first(where: isExecutableFile)
    }

    static let systemDirectories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    // MARK: Small file-system and process helpers

    static func absolutePath(_ path: String) -> String {
        var result = URL(fileURLWithPath: path.isEmpty ? "." : path).standardizedFileURL.path
        while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
        return result
    }

    static func parentDirectory(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "/" : parent
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && !isDirectory.boolValue && access(path, X_OK) == 0
    }

    static func fileStat(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    static func ownerUID(_ path: String) -> uid_t? { fileStat(path)?.st_uid }

    static func permissions(_ path: String) -> Int? { fileStat(path).map { Int($0.st_mode) & 0o7777 } }

    static func isSocket(_ path: String) -> Bool {
        guard let info = fileStat(path) else { return false }
        return (info.st_mode & S_IFMT) == S_IFSOCK
    }

    static func fileSize(_ path: String) -> UInt64 {
        fileStat(path).map { UInt64($0.st_size) } ?? 0
    }

    static func readFile(_ path: String, from offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: offset)
            let data = try handle.readToEnd() ?? Data()
            return String(decoding: data, as: UTF8.self)
        } catch {
            return ""
        }
    }

    static func readTail(of path: String, bytes: UInt64 = 8192) -> String {
        let size = fileSize(path)
        return readFile(path, from: size > bytes ? size - bytes : 0)
    }

    /// The last lines of a command's output or a log, for error messages.
    static func tail(_ text: String, lines: Int = 40, characters: Int = 6000) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var last = trimmed.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        if last.count > characters { last = "…" + last.suffix(characters) }
        return last
    }

    static func shellQuote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func processExists(_ pid: pid_t) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    static func processWorkingDirectory(_ pid: pid_t) -> String? {
        #if os(Linux)
        return readLink("/proc/\(pid)/cwd")
        #else
        return nil
        #endif
    }

    static func isPostgresExecutable(_ pid: pid_t) -> Bool {
        #if os(Linux)
        if let exe = readLink("/proc/\(pid)/exe") {
            return (exe as NSString).lastPathComponent.hasPrefix("postgres")
        }
        // Not readable (another user's process): argv[0] is the binary path for a postmaster and
        // "postgres: <role>" for its children.
        let program = readFile("/proc/\(pid)/cmdline", from: 0).split(separator: "\0").first.map(String.init) ?? ""
        return (program as NSString).lastPathComponent.hasPrefix("postgres")
        #else
        return true
        #endif
    }

    static func isZombie(_ pid: pid_t) -> Bool {
        #if os(Linux)
        // /proc/<pid>/stat: "pid (comm) S ..."; comm may contain spaces and parentheses.
        let text = readFile("/proc/\(pid)/stat", from: 0)
        guard let close = text.lastIndex(of: ")") else { return true }
        let state = text[text.index(after: close)...].drop(while: { $0 == " " }).first
        return state == nil || state == "Z" || state == "X"
        #else
        return false
        #endif
    }

    static func chownRecursively(_ path: String, owner: ServiceUser) throws {
        guard let chownTool = findExecutable("chown", path: ProcessInfo.processInfo.environment["PATH"],
                                             extraDirectories: systemDirectories) else {
            throw ManagedClusterError(kind: .permission, message: "chown not found; cannot hand \(path) to '\(owner.name)'")
        }
        let result = try runCommand(chownTool, ["-R", "\(owner.uid):\(owner.gid)", path])
        if result.status != 0 {
            throw ManagedClusterError(kind: .permission, message: "chown -R \(owner.name) \(path) failed",
                                      outputTail: tail(result.combinedOutput))
        }
    }
}

// MARK: - Service user (running as root)

extension ManagedCluster {
    /// The unprivileged account that runs initdb/pg_ctl/postgres when the current process is root.
    struct ServiceUser: Sendable {
        let name: String
        let uid: uid_t
        let gid: gid_t
        let runuser: String

        /// nil when not root (commands then run as the current user). The first existing account of
        /// `candidates` is used; if none exists, the last one is created as a system user.
        static func resolve(candidates: [String] = ["postgres", "chainstore"],
                            log: (String) -> Void) throws -> ServiceUser? {
            guard geteuid() == 0 else { return nil }
            guard let created = candidates.last else { return nil }
            let path = ProcessInfo.processInfo.environment["PATH"]
            guard let runuser = ManagedCluster.findExecutable("runuser", path: path, extraDirectories: ManagedCluster.systemDirectories) else {
                throw ManagedClusterError(
                    kind: .permission,
                    message: "running as root, but `runuser` (util-linux) was not found; PostgreSQL refuses to run "
                        + "as root and needs runuser to switch to an unprivileged user. Install util-linux or run as a normal user."
                )
            }
            for name in candidates {
                if let account = lookUp(name) {
                    return ServiceUser(name: name, uid: account.uid, gid: account.gid, runuser: runuser)
                }
            }
            guard let useradd = ManagedCluster.findExecutable("useradd", path: path, extraDirectories: ManagedCluster.systemDirectories) else {
                throw ManagedClusterError(
                    kind: .permission,
                    message: "running as root and none of the system users \(candidates.joined(separator: ", ")) exists, "
                        + "and `useradd` was not found to create '\(created)'"
                )
            }
            log("creating system user '\(created)' to run PostgreSQL (it refuses to run as root)")
            let result = try ManagedCluster.runCommand(useradd, ["--system", "--no-create-home",
                                                                 "--shell", "/usr/sbin/nologin", created])
            // Exit 9: the user was created concurrently by someone else.
            guard result.status == 0 || result.status == 9, let account = lookUp(created) else {
                throw ManagedClusterError(kind: .permission,
                                          message: "useradd \(created) failed (exit \(result.status))",
                                          outputTail: ManagedCluster.tail(result.combinedOutput))
            }
            return ServiceUser(name: created, uid: account.uid, gid: account.gid, runuser: runuser)
        }

        static func lookUp(_ name: String) -> (uid: uid_t, gid: gid_t)? {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>? = nil
            var buffer = [CChar](repeating: 0, count: 16384)
            let status = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
            guard status == 0, result != nil else { return nil }
            return (entry.pw_uid, entry.pw_gid)
        }

        /// `runuser -u <user> -- test -x <dir>`: whether this user can search `dir` (and reach it).
        func canSearch(_ dir: String) throws -> Bool {
            guard let test = ManagedCluster.findExecutable("test", path: ProcessInfo.processInfo.environment["PATH"],
                                                           extraDirectories: ManagedCluster.systemDirectories) else {
                throw ManagedClusterError(kind: .permission, message: "`test` not found in PATH")
            }
            return try ManagedCluster.runCommand(runuser, ["-u", name, "--", test, "-x", dir]).status == 0
        }
    }
}

// MARK: - Errors

public struct ManagedClusterError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable, Equatable {
        /// initdb/pg_ctl/postgres were not found.
        case binariesNotFound
        /// Bad port, unusable path, version mismatch, non-empty non-cluster data directory.
        case invalidConfiguration
        /// Folders, ownership, the service user, runuser.
        case permission
        /// A command (initdb, chown, ...) failed or could not be run.
        case commandFailed
        /// start() before ensureInitialized().
        case notInitialized
        /// pg_ctl start failed, or an already running server never became ready.
        case startFailed
        /// pg_ctl stop failed and the server is still running.
        case stopFailed
        /// The data directory or the socket is held by a server with other settings or of another cluster.
        case alreadyInUse
    }

    public let kind: Kind
    public let message: String
    /// The last lines of the failing command's output and/or of the server log; may be empty.
    public let outputTail: String

    public init(kind: Kind, message: String, outputTail: String = "") {
        self.kind = kind
        self.message = message
        self.outputTail = outputTail
    }

    public var description: String {
        let trimmed = outputTail.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? message : message + "\n--- output (tail) ---\n" + trimmed
    }
}
