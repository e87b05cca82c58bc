import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// Base backups with a WAL archive, and restores to a point in time (`chainstore backup`,
/// `chainstore restore`). A backup is `pg_basebackup` in tar format with the WAL it needs, in
/// `<backup dir>/base/<UTC time>/` beside a `backup.json` (when it started and finished, by the
/// server's clock, and its first WAL segment); the archive holds every segment since, written by
/// the server's `archive_command`. A restore unpacks the newest backup finished before the
/// target time into a new managed data folder and replays the archive up to that time.
public enum Backups {
    public struct Taken: Sendable, CustomStringConvertible {
        public let folder: String
        public let startedAt: String
        public let finishedAt: String
        public let bytes: UInt64
        public let kept: Int
        public let removed: [String]
        public let warnings: [String]
        public var description: String {
            var lines = ["base backup \(folder)", "  started \(startedAt), finished \(finishedAt), \(bytes / 1_048_576) MiB",
                         "  \(kept) kept" + (removed.isEmpty ? "" : ", removed \(removed.joined(separator: ", "))")]
            lines += warnings.map { "  warning: \($0)" }
            return lines.joined(separator: "\n")
        }
    }

    struct Manifest: Codable {
        let label: String
        let startedAt: String
        let finishedAt: String
        let startWAL: String
    }

    /// The folders of a location: the managed cluster's own `backups/` unless given; for a
    /// server named by URL both must be given (the archive is where its archive_command writes).
    public static func folders(_ location: DatabaseLocation, backupDir: String?, walArchive: String?) throws -> (base: String, wal: String) {
        switch location.kind {
        case .managed(let cluster):
            let base = backupDir ?? cluster.backupDirectory
            return (base, walArchive ?? base + "/wal")
        case .url:
            guard let backupDir, let walArchive else {
                throw ChainstoreError.valueError("With --database-url, give --backup-dir and --wal-archive (the folder the server's archive_command writes to).")
            }
            return (backupDir, walArchive)
        }
    }

    public static func backup(_ location: DatabaseLocation, backupDir: String?, walArchive: String?, keep: Int, logger: Logger) async throws -> Taken {
        guard keep >= 1 else { throw ChainstoreError.valueError("--keep must be at least 1") }
        let (base, wal) = try folders(location, backupDir: backupDir, walArchive: walArchive)
        // The managed cluster archives with our command; a server of one's own with its own.
        var ours: String?
        if case .managed(let cluster) = location.kind {
            try cluster.prepareArchiveDirectory(wal) { logger.info("\($0)") }
            ours = ManagedCluster.archiveCommand(walDirectory: wal)
        }
        let command = ours
        var (warnings, startedAt, startWAL) = try await onServer(location, logger: logger) { tx in
            let warnings = try await archiving(tx, command: command)
            let (startedAt, startWAL) = try await position(tx)
            return (warnings, startedAt, startWAL)
        }
        let label = startedAt.replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ".", with: "")
        let folder = base + "/base/" + label
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let result = try Subprocess.run([try Subprocess.postgresProgram("pg_basebackup")] + location.replicationArguments
            + ["-D", folder, "-Ft", "-z", "-X", "stream", "-c", "fast", "-l", "chainstore " + label], errors: true)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(atPath: folder)
            throw ChainstoreError(.internalError, "pg_basebackup failed: \(result.output.suffix(2000))")
        }
        // The segment in progress goes to the archive now, so the backup's end is restorable at once.
        let (finishedAt, _) = try await onServer(location, logger: logger) { tx in
            try await tx.execute("SELECT pg_switch_wal()")
            return try await position(tx)
        }
        let manifest = Manifest(label: label, startedAt: startedAt, finishedAt: finishedAt, startWAL: startWAL)
        try JSONEncoder().encode(manifest).write(to: URL(fileURLWithPath: folder + "/backup.json"))
        let bytes = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).reduce(UInt64(0)) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size] as? UInt64) ?? 0)
        }
        // Retention: the newest `keep` backups, and the archive from the oldest one's first segment.
        let all = try list(base)
        let removed = all.dropLast(keep).map(\.label)
        for old in removed { try FileManager.default.removeItem(atPath: base + "/base/" + old) }
        if let oldest = all.suffix(keep).first, FileManager.default.fileExists(atPath: wal) {
            let cleanup = try Subprocess.run([try Subprocess.postgresProgram("pg_archivecleanup"), wal, oldest.startWAL], errors: true)
            if cleanup.status != 0 { warnings.append("pg_archivecleanup failed: \(cleanup.output.suffix(500))") }
        }
        return Taken(folder: folder, startedAt: startedAt, finishedAt: finishedAt, bytes: bytes, kept: min(all.count, keep), removed: removed, warnings: warnings)
    }

    /// The backups in `base`, oldest first.
    static func list(_ base: String) throws -> [Manifest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base + "/base")) ?? []
        return names.sorted().compactMap { name in
            (try? Data(contentsOf: URL(fileURLWithPath: base + "/base/" + name + "/backup.json"))).flatMap { try? JSONDecoder().decode(Manifest.self, from: $0) }
        }
    }

    public struct Restored: Sendable, CustomStringConvertible {
        public let into: String
        public let backup: String
        public let target: String
        public let seconds: Double
        public var description: String {
            "restored \(into) to \(target) from base backup \(backup) in \(String(format: "%.1f", seconds)) s\n"
                + "serve it with: chainstore serve --data-dir \(into)"
        }
    }

    /// Restores into `into` (a new managed data folder) the state committed at `time`.
    public static func restore(backupDir: String, walArchive: String, time text: String, into: String, logger: Logger) async throws -> Restored {
        let started = ContinuousClock.now
        let target = try parseTime(text)
        let backups = try list(backupDir)
        guard let chosen = backups.last(where: { (try? parseTime($0.finishedAt)).map { $0 <= target } ?? false }) else {
            throw ChainstoreError.valueError("No base backup in \(backupDir) finished before \(text) (\(backups.count) backups there).")
        }
        let location = try DatabaseLocation(url: nil, dataDir: into, databaseName: "postgres")
        guard case .managed(let cluster) = location.kind else { throw ChainstoreError(.internalError, "not a managed folder") }
        // PostgreSQL reads the time itself, to the microsecond; without an offset it is UTC.
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let formatted = hasOffset(trimmed) ? trimmed : trimmed + "+00"
        try cluster.prepareRestore(base: backupDir + "/base/" + chosen.label, walArchive: walArchive, time: formatted) { logger.info("\($0)") }
        try cluster.start { logger.info("\($0)") }
        defer { try? cluster.stop { logger.info("\($0)") } }
        // Recovery replays the archive, then promotes the copy: done when it is out of recovery
        // (asked on one session, which lives on through the promotion).
        try await onServer(location, logger: logger) { tx in
            let deadline = ContinuousClock.now + .seconds(1800)
            while try await tx.one("SELECT pg_is_in_recovery()").decode(Bool.self) {
                guard ContinuousClock.now < deadline else { throw ChainstoreError(.internalError, "recovery did not finish within 30 minutes") }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let seconds = CoreBenchmark.seconds(ContinuousClock.now - started)
        return Restored(into: into, backup: chosen.label, target: formatted, seconds: seconds)
    }

    // MARK: helpers

    /// Runs `body` on one session of the location's server: a server named by URL through the
    /// URL's database (which exists: its user was given it); the managed cluster through its
    /// maintenance database, whatever application database it holds (`--database` or not).
    @discardableResult
    static func onServer<T: Sendable>(_ location: DatabaseLocation, logger: Logger, _ body: @escaping @Sendable (Transaction) async throws -> T) async throws -> T {
        if case .managed = location.kind { return try await location.maintenance(logger: logger, body) }
        return try await location.withDatabase(logger: logger, create: false) { db in try await db.withoutTransaction(logger: logger, body) }
    }

    /// What archiving will keep of this backup's future: with `command` (the managed cluster's),
    /// the server is made to archive with it, saying so when the mode needs a restart; without,
    /// the server's own setting is only checked.
    static func archiving(_ tx: Transaction, command: String?) async throws -> [String] {
        let mode = try await tx.one("SELECT current_setting('archive_mode')").decode(String.self)
        guard let command else {
            return mode == "off" ? ["the server archives no WAL (archive_mode = off): this backup restores to its own end only"] : []
        }
        if try await tx.one("SELECT current_setting('archive_command')").decode(String.self) != command {
            // ALTER SYSTEM takes no parameters: the command (our own paths) as a quoted literal.
            try await tx.execute("ALTER SYSTEM SET archive_command = '" + command.replacingOccurrences(of: "'", with: "''") + "'")
            try await tx.execute("SELECT pg_reload_conf()")
        }
        guard mode == "off" else { return [] }
        try await tx.execute("ALTER SYSTEM SET archive_mode = on")
        return ["WAL archiving starts when PostgreSQL restarts (restart the node); until then this backup restores to its own end only"]
    }

    /// The server's clock (UTC, to the microsecond) and the WAL segment it writes now.
    static func position(_ tx: Transaction) async throws -> (String, String) {
        try await tx.one("""
            SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), pg_walfile_name(pg_current_wal_lsn())
            """).decode((String, String).self)
    }

    /// A time with its offset (`2026-12-06 10:00:00+08`, ISO 8601 with `Z` or `+08:00`); without
    /// one, UTC.
    public static func parseTime(_ text: String) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for pattern in ["yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXXXX", "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX",
                        "yyyy-MM-dd HH:mm:ss.SSSSSSXXXXX", "yyyy-MM-dd HH:mm:ss.SSSXXXXX", "yyyy-MM-dd HH:mm:ssXXXXX",
                        "yyyy-MM-dd HH:mm:ssX", "yyyy-MM-dd HH:mm:ss.SSSSSS", "yyyy-MM-dd HH:mm:ss"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = pattern
            if let date = formatter.date(from: trimmed) { return date }
        }
        throw ChainstoreError.valueError("'\(text)' is not a time: use e.g. 2026-12-06 10:00:00+08 or 2026-12-06T02:00:00Z")
    }

    /// Whether a time that parsed names its offset (`Z`, `+08`, `-05:30` after the clock time).
    static func hasOffset(_ text: String) -> Bool {
        guard let clock = text.range(of: #"\d{2}:\d{2}:\d{2}"#, options: .regularExpression) else { return false }
        let rest = text[clock.upperBound...]
        return rest.contains("Z") || rest.contains("+") || rest.contains("-")
    }
}
