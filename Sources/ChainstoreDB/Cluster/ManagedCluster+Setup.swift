import Foundation

extension ManagedCluster {
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
        // WAL is archived for point-in-time restores once `chainstore backup` made the archive
        // folder (until then the command lets segments go): archive_mode needs no restart later.
        let archiveCommand = Self.archiveCommand(walDirectory: backupDirectory + "/wal").replacingOccurrences(of: "'", with: "''")
        try appendSettings(Self.initialSettings + [("archive_mode", "on"), ("archive_command", archiveCommand)], owner: owner)
    }

    /// Appends to postgresql.auto.conf the initial settings it does not name (a cluster made
    /// before they were added), and answers their names.
    func addMissingSettings(owner: ServiceUser?) throws -> [String] {
        let named = Set(Self.readFile(dataDir + "/postgresql.auto.conf", from: 0).split(separator: "\n").compactMap { line -> String? in
            let name = line.split(separator: "=", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces) ?? ""
            return name.isEmpty || name.hasPrefix("#") ? nil : name
        })
        let missing = Self.initialSettings.filter { !named.contains($0.0) }
        if !missing.isEmpty { try appendSettings(missing, owner: owner) }
        return missing.map(\.0)
    }

    /// `name = 'value'` lines appended to postgresql.auto.conf (values already quoted for it),
    /// the file left to the server's user.
    func appendSettings(_ settings: [(String, String)], owner: ServiceUser?) throws {
        let path = dataDir + "/postgresql.auto.conf"
        var text = Self.readFile(path, from: 0)
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        for (name, value) in settings { text += "\(name) = '\(value)'\n" }
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

}
