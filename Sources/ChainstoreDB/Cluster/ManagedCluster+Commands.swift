import Foundation

extension ManagedCluster {
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

}
