import ArgumentParser
import ChainstoreApp

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Prove the books balance.", subcommands: [Stock.self])

    struct Stock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every stock balance must equal the sum of its done move lines, and every reservation what open lines hold. "
                + "Reports each difference; exit 1 when there is one.")
        @OptionGroup var database: DatabaseArguments

        func run() async throws {
            let report = try await withLocation(database) { db, logger in try await CheckTools.stock(db, logger: logger) }
            print(report)
            if !report.differences.isEmpty { throw ExitCode(1) }
        }
    }
}
