import ArgumentParser
import ChainstoreApp
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks that print figures (never pass/fail).", subcommands: [Core.self, Stock.self])

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

    struct Stock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inventory: receipt validation, concurrent reservations, RFID ingestion, check stock and value at a past date at scale. "
                + "Uses (and recreates) the database 'bench_stock'.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "Lines of the receipt validated.") var lines = 100
        @Option(help: "Runs per figure (medians are printed).") var repeats = 5
        @Option(help: "Transactions at once for the reservations.") var concurrency = 32
        @Option(help: "Deliveries reserved per scenario.") var reservations = 2_000
        @Option(help: "RFID reads ingested.") var rfidReads = 100_000
        @Option(help: "Balances generated for check stock and the valuation.") var quants = 1_000_000

        func run() async throws {
            var arguments = database
            if arguments.databaseName == nil { arguments.databaseName = "bench_stock" }
            let logger = CLILogging.logger(default: .warning)
            let location = try arguments.location()
            let started = try location.startIfManaged(logger: logger)
            defer { if started { location.stopIfManaged(logger: logger) } }
            try await location.dropDatabase(logger: logger)
            var options = StockBenchmark.Options()
            options.lines = lines
            options.repeats = repeats
            options.concurrency = concurrency
            options.reservations = reservations
            options.rfidReads = rfidReads
            options.quants = quants
            let chosen = options
            try await location.withDatabase(logger: logger) { db in
                _ = try await ChainstoreApp.migrate(db, logger: logger)
                try await StockBenchmark.run(db, options: chosen, logger: logger) { Swift.print($0) }
            }
        }
    }
}
