import Foundation

// MARK: - Backups and point-in-time restores

extension ManagedCluster {
    /// Where the managed cluster's backups live by default: `<root>/backups` (base backups under
    /// `base/`, the WAL archive under `wal/`).
    public var backupDirectory: String { rootDir + "/backups" }

    /// The archive command of the managed cluster: a WAL segment is copied into `walDirectory`
    /// (atomically, under a temporary name first; a segment already there with the same content
    /// is success, with other content a failure, as PostgreSQL asks) — only once that folder
    /// exists, i.e. once a first backup was taken; before that segments are let go.
    public static func archiveCommand(walDirectory: String) -> String {
        let wal = shellQuote(walDirectory)
        return "[ ! -d \(wal) ] || if [ -f \(wal)/%f ]; then cmp -s %p \(wal)/%f; else cp %p \(wal)/%f.tmp && mv \(wal)/%f.tmp \(wal)/%f; fi"
    }

    /// Makes `path` (and its parents under the root) exist and belong to the user PostgreSQL runs
    /// as, so its archive command can write there.
    public func prepareArchiveDirectory(_ path: String, log: (String) -> Void) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if let owner = try ServiceUser.resolve(log: log) {
            try Self.chownRecursively(path, owner: owner)
            // The folders above must let that user through.
            var parent = Self.parentDirectory(of: path)
            while parent.hasPrefix(rootDir), parent != "/" {
                if chmod(parent, mode_t((Self.permissions(parent) ?? 0o700) | 0o011)) != 0 { break }
                parent = Self.parentDirectory(of: parent)
            }
        }
    }

    /// Turns `target` into a managed cluster's folder (`target/pgdata`) recovering from a base
    /// backup (`base.tar.gz`, `pg_wal.tar.gz` in `base`) and the WAL archive up to `time`, then
    /// promoted. It archives nothing (its new timeline must never reach the original's archive),
    /// waits for no standby, and takes connections on its own socket only, like any managed
    /// cluster. Start it with `start` (recovery runs then).
    public func prepareRestore(base: String, walArchive: String, time: String, log: (String) -> Void) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: dataDir), !((try? fm.contentsOfDirectory(atPath: dataDir)) ?? []).isEmpty {
            throw ManagedClusterError(kind: .invalidConfiguration, message: "\(dataDir) is not empty: restore into a new folder")
        }
        let owner = try ServiceUser.resolve(log: log)
        try prepareDirectories(owner: owner, log: log)
        let tar = Self.findExecutable("tar", path: ProcessInfo.processInfo.environment["PATH"], extraDirectories: Self.systemDirectories) ?? "/bin/tar"
        for (archive, into) in [(base + "/base.tar.gz", dataDir), (base + "/pg_wal.tar.gz", dataDir + "/pg_wal")] {
            try fm.createDirectory(atPath: into, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let result = try Self.runCommand(tar, ["-xzf", archive, "-C", into])
            guard result.status == 0 else {
                throw ManagedClusterError(kind: .commandFailed, message: "tar could not unpack \(archive)", outputTail: Self.tail(result.combinedOutput))
            }
        }
        for leftover in ["standby.signal", "postmaster.pid", "postmaster.opts"] { try? fm.removeItem(atPath: dataDir + "/" + leftover) }
        guard fm.createFile(atPath: dataDir + "/recovery.signal", contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw ManagedClusterError(kind: .permission, message: "cannot write \(dataDir)/recovery.signal")
        }
        // Read last, these win over postgresql.conf and whatever it includes.
        let settings: [(String, String)] = [
            ("restore_command", "cp \(Self.shellQuote(walArchive))/%f %p"),
            ("recovery_target_time", time),
            ("recovery_target_action", "promote"),
            ("recovery_target_inclusive", "true"),
            ("archive_mode", "off"),
            ("synchronous_standby_names", ""),
            ("primary_conninfo", ""),
            ("hot_standby", "on"),
        ]
        var text = Self.readFile(dataDir + "/postgresql.auto.conf", from: 0)
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += "# point-in-time restore to \(time)\n"
        for (name, value) in settings { text += "\(name) = '\(value.replacingOccurrences(of: "'", with: "''"))'\n" }
        try text.write(toFile: dataDir + "/postgresql.auto.conf", atomically: false, encoding: .utf8)
        // Like every managed cluster: connections through its own socket folder (0700) only.
        try "local all all trust\nlocal replication all trust\n".write(toFile: dataDir + "/pg_hba.conf", atomically: false, encoding: .utf8)
        if let owner { try Self.chownRecursively(dataDir, owner: owner) }
        _ = chmod(dataDir, 0o700)
        log("restore prepared in \(dataDir): recovery to \(time) from \(base) and \(walArchive)")
    }
}
