import ChainstoreCore
import ChainstoreDB
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs PostgreSQL's client programs (pgbench, pg_basebackup, pg_archivecleanup) and returns
/// their exit status and output. Spawned with no blocked signals and default handlers: this
/// process's event-loop threads block some (SIGALRM among them), and pgbench ends its `-T` run
/// on SIGALRM; `Process` would pass the blocked set on.
enum Subprocess {
    /// `arguments[0]` is found on PATH unless it is a path. Standard error joins the output when
    /// `errors` is set, else it is dropped.
    static func run(_ arguments: [String], errors: Bool = false) throws -> (status: Int32, output: String) {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw ChainstoreError.userError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        if errors {
            posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        close(pipe[1])
        guard spawned == 0 else {
            close(pipe[0])
            throw ChainstoreError.userError("\(arguments[0]) could not be started (is it installed?)")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
            if count > 0 { output += buffer[0..<count] } else if count == 0 || errno != EINTR { break }
        }
        close(pipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS by hand (macros are not imported).
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : -1, String(decoding: output, as: UTF8.self))
    }

    /// A program of the PostgreSQL installation the managed cluster uses (beside its initdb).
    static func postgresProgram(_ name: String) throws -> String {
        let binaries = try ManagedCluster.findBinaries()
        return (binaries.initdb as NSString).deletingLastPathComponent + "/" + name
    }
}
