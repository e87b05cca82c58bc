import ArgumentParser
import ChainstoreApp
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks that print figures (never pass/fail).", subcommands: [Core.self])

    struct Core: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Model layer vs raw SQL: create, read, search. Uses (and recreates) the database 'bench'.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "Records per create run.") var rows = 10_000
        @Option(help: "Rows in the table for the search.") var searchRows = 100_000
        @Option(help: "Runs per figure (medians are printed).") var repeats = 5

        func run() async throws {
            var arguments = database
            if arguments.databaseName == nil { arguments.databaseName = "bench" }
            let logger = CLILogging.logger(default: .warning)
            let location = try arguments.location()
            let started = try location.startIfManaged(logger: logger)
            defer { if started { location.stopIfManaged(logger: logger) } }
            try await location.dropDatabase(logger: logger)
            var options = CoreBenchmark.Options()
            options.rows = rows
            options.searchRows = searchRows
            options.repeats = repeats
            let chosen = options
            try await location.withDatabase(logger: logger) { db in
                _ = try await ChainstoreApp.migrate(db, logger: logger)
                try await CoreBenchmark.run(db, options: chosen, logger: logger) { Swift.print($0) }
            }
        }
    }
}
