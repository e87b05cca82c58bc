import Foundation

extension ManagedCluster {
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
