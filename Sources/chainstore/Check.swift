import ArgumentParser
import ChainstoreApp

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Prove the books balance.", subcommands: [Stock.self, Finance.self])

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

    struct Finance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pledged quantities within their balances and in their places, accruals, repayments, exposures and entries that add up. "
                + "Reports each breach; exit 1 when there is one.")
        @OptionGroup var database: DatabaseArguments

        func run() async throws {
            let report = try await withLocation(database) { db, logger in try await CheckTools.finance(db, logger: logger) }
            print(report)
            if !report.breaches.isEmpty { throw ExitCode(1) }
        }
    }
}
