import ArgumentParser
import ChainstoreApp

@main
struct Chainstore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chainstore",
        abstract: "Supply chain and retail platform for franchise groups.",
        discussion: """
            Start here:  chainstore serve --demo     (private PostgreSQL in ./.chainstore, demo data, http://127.0.0.1:8069)
            Without --database-url (or CHAINSTORE_DATABASE_URL) every command uses the private cluster in --data-dir.
            """,
        subcommands: [Serve.self, Migrate.self, Cron.self, GenerateDemo.self, User.self, Import.self, Export.self, Audit.self, Backup.self, Restore.self, Check.self, Codec.self, SandboxPay.self, PaymentCommands.self, Bench.self, RoleAgentCommand.self])
}

/// Where the data is: shared by every subcommand that touches the database.
struct DatabaseArguments: ParsableArguments {
    @Option(help: "Folder of the private PostgreSQL cluster used when no database URL is given.")
    var dataDir: String = "./.chainstore"

    @Option(help: "PostgreSQL URL (postgres://user:password@host:5432/db). Overrides CHAINSTORE_DATABASE_URL; nothing is managed then.")
    var databaseURL: String?

    @Option(name: .customLong("database"), help: "Database name (default: 'demo' with --demo, else 'chainstore').")
    var databaseName: String?

    func location(demo: Bool = false) throws -> DatabaseLocation {
        try DatabaseLocation(url: databaseURL, dataDir: dataDir, databaseName: databaseName ?? (demo ? "demo" : nil))
    }
}
