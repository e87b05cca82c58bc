import ArgumentParser
import ChainstoreApp

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the tamper-evident audit trail.", subcommands: [Verify.self, Seal.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the hash chain; name the first altered or removed row. Exit 1 when tampered.")
        @OptionGroup var database: DatabaseArguments

        func run() async throws {
            let report = try await withLocation(database) { db, logger in try await AuditTools.verify(db, logger: logger) }
            print(report)
            if !report.isIntact { throw ExitCode(1) }
        }
    }

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal committed audit rows now (the cron role does this every second).")
        @OptionGroup var database: DatabaseArguments

        func run() async throws {
            let count = try await withLocation(database) { db, logger in try await AuditTools.sealAll(db, logger: logger) }
            print("sealed \(count) rows")
        }
    }
}
