import Foundation

extension ManagedCluster {
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

}
