import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

/// `chainstore backup` and `chainstore restore --to` on a managed cluster of their own: a base
/// backup, rows before and after a moment, and the restore to that moment holding exactly the
/// rows committed by then.
@Suite("Backups", .enabled(if: TestDatabase.isAvailable), .serialized)
struct BackupTests {
    @Test func aRestoreToAPointInTimeHoldsExactlyWhatWasCommittedThen() async throws {
        let root = FileManager.default.temporaryDirectory.path + "/chainstore-backup-\(getpid())"
        let into = root + "-restored"
        defer {
            for folder in [root, into] {
                try? ManagedCluster(root: folder).stop(mode: "immediate") { _ in }
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
        let logger = TestDatabase.logger
        let location = try DatabaseLocation(url: nil, dataDir: root, databaseName: "shop")
        try await offThread { try location.startIfManaged(logger: logger) }
        defer { location.stopIfManaged(logger: logger) }
        try await location.createDatabaseIfMissing(logger: logger)
        try await location.withDatabase(logger: logger, create: false) { db in
            try await db.withoutTransaction(logger: logger) { tx in try await tx.execute("CREATE TABLE sale (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())") }
        }
        let taken = try await Backups.backup(location, backupDir: nil, walArchive: nil, keep: 2, logger: logger)
        #expect(taken.kept == 1 && taken.warnings.isEmpty, "\(taken)")
        // Without --database the location names the default database, which this folder lacks:
        // the server is backed up all the same.
        let bare = try DatabaseLocation(url: nil, dataDir: root, databaseName: nil)
        let again = try await Backups.backup(bare, backupDir: nil, walArchive: nil, keep: 2, logger: logger)
        #expect(again.kept == 2, "\(again)")

        let moment = try await location.withDatabase(logger: logger, create: false) { db in
            try await db.transaction(logger: logger) { tx in try await tx.execute("INSERT INTO sale (id) SELECT generate_series(1, 100)") }
            let moment = try await db.withoutTransaction(logger: logger) { tx in
                try await tx.one("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'").decode(String.self)
            }
            try await Task.sleep(for: .milliseconds(50))
            try await db.transaction(logger: logger) { tx in try await tx.execute("INSERT INTO sale (id) SELECT generate_series(101, 150)") }
            try await db.transaction(logger: logger) { tx in try await tx.execute("DELETE FROM sale WHERE id <= 10") }
            // The segment holding all of it goes to the archive.
            let segment = try await db.withoutTransaction(logger: logger) { tx in
                let name = try await tx.one("SELECT pg_walfile_name(pg_current_wal_lsn())").decode(String.self)
                try await tx.execute("SELECT pg_switch_wal()")
                return name
            }
            for _ in 0..<200 where !FileManager.default.fileExists(atPath: root + "/backups/wal/" + segment) {
                try await Task.sleep(for: .milliseconds(100))
            }
            return moment
        }
        #expect(FileManager.default.fileExists(atPath: root + "/backups/wal"), "the archive filled after the first backup")

        let restored = try await Backups.restore(
            backupDir: root + "/backups", walArchive: root + "/backups/wal", time: moment, into: into, logger: logger)
        #expect(restored.target.hasPrefix(String(moment.prefix(19))))
        let copy = try DatabaseLocation(url: nil, dataDir: into, databaseName: "shop")
        try await offThread { try copy.startIfManaged(logger: logger) }
        defer { copy.stopIfManaged(logger: logger) }
        let ids = try await copy.withDatabase(logger: logger, create: false) { db in
            try await db.withoutTransaction(logger: logger) { tx in try await tx.query("SELECT id FROM sale ORDER BY id").map { try $0.decode(Int.self) } }
        }
        #expect(ids == Array(1...100), "the 100 rows committed before the moment, none after, none deleted")

        // Bad input: a time before every backup, and one that is no time.
        await #expect(throws: ChainstoreError.self) {
            try await Backups.restore(backupDir: root + "/backups", walArchive: root + "/backups/wal", time: "2001-01-01 00:00:00+00",
                                      into: into + "-old", logger: logger)
        }
        await #expect(throws: ChainstoreError.self) {
            try await Backups.restore(backupDir: root + "/backups", walArchive: root + "/backups/wal", time: "yesterday'; DROP", into: into + "-bad", logger: logger)
        }
        // Retention: a third backup with --keep 2 removes the first.
        _ = try await Backups.backup(location, backupDir: nil, walArchive: nil, keep: 2, logger: logger)
        let third = try await Backups.backup(location, backupDir: nil, walArchive: nil, keep: 2, logger: logger)
        #expect(third.kept == 2 && third.removed.count == 1)
    }
}
