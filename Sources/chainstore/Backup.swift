import ArgumentParser
import ChainstoreApp
import Foundation

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a base backup (pg_basebackup, with the WAL it needs) and keep the newest --keep; WAL is archived between backups.",
        discussion: """
            Managed cluster: backups go to <data-dir>/backups (base/ and wal/), and the cluster's archive command \
            starts filling wal/ with the first backup. With --database-url: give --backup-dir, and --wal-archive, \
            the folder the server's archive_command writes to (deploy/postgresql/archive-wal); the URL's user needs \
            the REPLICATION attribute.
            """)

    @OptionGroup var database: DatabaseArguments

    @Option(help: "Folder of the base backups (default <data-dir>/backups for the managed cluster).")
    var backupDir: String?

    @Option(help: "Folder of the WAL archive (default <backup-dir>/wal for the managed cluster).")
    var walArchive: String?

    @Option(help: "Base backups to keep; older ones, and the WAL only they needed, are removed.")
    var keep = 7

    func run() async throws {
        let logger = CLILogging.logger()
        let location = try database.location()
        let started = try location.startIfManaged(logger: logger)
        defer { if started { location.stopIfManaged(logger: logger) } }
        print(try await Backups.backup(location, backupDir: backupDir, walArchive: walArchive, keep: keep, logger: logger))
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore the state committed at a point in time into a new data folder (then: chainstore serve --data-dir FOLDER).")

    @OptionGroup var database: DatabaseArguments

    @Option(help: "The time to restore to, with its offset: '2026-12-06 10:00:00+08' or 2026-12-06T02:00:00Z (without one: UTC).")
    var to: String

    @Option(help: "The new data folder (must not exist, or be empty).")
    var into: String

    @Option(help: "Folder of the base backups (default <data-dir>/backups for the managed cluster).")
    var backupDir: String?

    @Option(help: "Folder of the WAL archive (default <backup-dir>/wal for the managed cluster).")
    var walArchive: String?

    func run() async throws {
        let logger = CLILogging.logger()
        let (base, wal) = try Backups.folders(try database.location(), backupDir: backupDir, walArchive: walArchive)
        print(try await Backups.restore(backupDir: base, walArchive: wal, time: to, into: into, logger: logger))
    }
}
