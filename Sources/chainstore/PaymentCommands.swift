import ArgumentParser
import ChainstoreApp
import Payment
import Foundation

struct PaymentCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "payments", abstract: "Payment-code payments.", subcommands: [Reconcile.self])

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a day's bills of every configured channel and list what they and the attempts disagree on. Exit 1 on a mismatch.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "The payment channels' configuration (as for serve --payments).") var payments: String
        @Option(help: "The day (YYYY-MM-DD, China time).") var date: String

        func run() async throws {
            let (payments, date) = (payments, date)
            let report = try await withLocation(database) { db, logger in
                try await PaymentTools.reconcile(db, settings: payments, date: date, logger: logger)
            }
            print(report)
            if report.contains("  ") { throw ExitCode(1) }
        }
    }
}
