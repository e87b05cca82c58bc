import ArgumentParser
import ChainstoreApp

struct GenerateDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a whole franchise group (cities, stores, users, catalogue, price lists) in the demo database.",
        discussion: """
            Loaded with PostgreSQL COPY in one transaction; prints the time taken and the database size. Generated users
            (e.g. gz000001.cashier, gz000001.manager, gz.city.manager, ho.catalogue) log in with the password 'demo'.
            Run it once per database: a second run sees the group and does nothing.
            """)
    @Option(help: "Guangdong cities (1–21).") var cities: Int = 21
    @Option(help: "Franchise stores.") var stores: Int = 2000
    @Option(help: "Products (SKUs).") var skus: Int = 50000
    @Option(help: "Seed of the generator: the same seed gives the same group.") var seed: UInt64 = 20261126
    @OptionGroup var database: DatabaseArguments

    func run() async throws {
        var configured = ScaleDemo.Plan(cities: cities, stores: stores, skus: skus)
        configured.seed = seed
        let plan = configured
        let bar = ProgressBar(label: "generating")
        let summary = try await withLocation(database, demo: true) { db, logger in
            try await ScaleDemo.generate(db, plan: plan, progress: { table, done, total in bar.update(done, total, table) }, logger: logger)
        }
        bar.finish()
        print(summary)
    }
}
