import Foundation

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
