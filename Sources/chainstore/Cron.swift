import ArgumentParser
import ChainstoreApp

struct Cron: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Scheduled jobs (ir.cron).", subcommands: [List.self, Run.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every scheduled job: interval, next and last run, the node running it, failures, progress.")
        @OptionGroup var database: DatabaseArguments

        func run() async throws {
            print(try await withLocation(database) { db, logger in try await CronTools.list(db, logger: logger) }, terminator: "")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a job due now and wait until a cron node has run it (the same claim as a scheduled run). Exit 1 if it failed or did not run.")
        @OptionGroup var database: DatabaseArguments
        @Argument(help: "The job, e.g. payment.reconcile.") var job: String
        @Option(help: "Seconds to wait for a cron node.") var wait = 60

        func run() async throws {
            let (job, wait) = (job, wait)
            let result = try await withLocation(database) { db, logger in
                try await CronTools.run(db, job: job, wait: .seconds(wait), logger: logger)
            }
            print(result.message)
            if !result.ok { throw ExitCode(1) }
        }
    }
}
