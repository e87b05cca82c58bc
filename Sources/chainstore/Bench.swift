import ArgumentParser
import ChainstoreApp
import ChainstoreDB
import Foundation
import AsyncHTTPClient
import Hummingbird
import Logging
import PaymentSandbox
import Payments

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks that print figures (never pass/fail).", subcommands: [Core.self, Stock.self, PaymentsBench.self, Generic.self, PosBench.self, ReorderBench.self, WavesBench.self, CronBench.self, BusBench.self, IoTBench.self, FinanceBench.self])

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

    struct PaymentsBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "payments",
            abstract: "Payment attempts settled per second by many tills against the sandbox gateway (started here), and the latency Chainstore adds. "
                + "Uses (and recreates) the database 'bench_payments'.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "Tills paying at once.") var tills = 64
        @Option(help: "Payments per channel.") var payments = 3_000

        func run() async throws {
            var arguments = database
            if arguments.databaseName == nil { arguments.databaseName = "bench_payments" }
            let logger = CLILogging.logger(default: .warning)
            let location = try arguments.location()
            let started = try location.startIfManaged(logger: logger)
            defer { if started { location.stopIfManaged(logger: logger) } }
            try await location.dropDatabase(logger: logger)
            let (tills, payments) = (tills, payments)
            let keys = FileManager.default.temporaryDirectory.appendingPathComponent("chainstore-bench-pay-\(getpid())")
            defer { try? FileManager.default.removeItem(at: keys) }
            let material = try SandboxKeys.load(or: keys)
            let port = Int.random(in: 20_000...40_000)
            var configuration = PaymentSandbox.Configuration(wechatAPIKey: material.wechatAPIKey, alipayAppPublicKey: material.appPrivate.publicKey,
                                                             alipayPlatformKey: material.platformPrivate)
            configuration.wechatV3 = material.v3
            let sandbox = PaymentSandbox(configuration: configuration)
            var quiet = Logger(label: "sandbox-pay")
            quiet.logLevel = .critical
            let app = Application(router: sandbox.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: quiet)
            let server = Task { try await app.runService() }
            defer { server.cancel() }
            try await Task.sleep(for: .milliseconds(500))
            let base = "http://127.0.0.1:\(port)"
            var platform = WeChatV3.PlatformKeys()
            platform.add(id: material.v3.publicKeyId, key: material.v3.platformKey.publicKey)
            let accounts: [any PaymentGateway] = [
                WeChatV2Client(http: .shared, base: base, merchant: WeChatMerchant(appId: "wx8888888888888888", mchId: "1900000109", apiKey: material.wechatAPIKey)),
                WeChatV3Client(http: .shared, base: base, merchant: WeChatV3Merchant(
                    appId: "wx8888888888888888", mchId: "1900000109", serialNo: material.v3.merchantSerial, privateKey: material.merchantPrivate,
                    platformKeys: platform, apiV3Key: material.v3.apiV3Key)),
                AlipayClient(http: .shared, gateway: base + "/gateway.do", merchant: AlipayMerchant(
                    appId: "2021004112345678", privateKey: material.appPrivate, alipayPublicKey: material.platformPrivate.publicKey)),
            ]
            try await location.withDatabase(logger: logger) { db in
                _ = try await ChainstoreApp.migrate(db, logger: logger)
                Swift.print("Chainstore payment benchmark — \(tills) tills at once against the sandbox gateway in this process (codes ending 00: paid at once)")
                try await PaymentBenchmark.run(db, accounts: accounts, tills: tills, payments: payments, logger: logger) { Swift.print($0) }
            }
        }
    }

    struct Generic: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The Odoo API of a running node as the group's users (admin, city manager, store manager, cashier) beside hand-written SQL.",
            discussion: "Run it against a node serving a generated demo (chainstore demo, then chainstore serve --demo); scripts/bench-generic does both.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "The running node.") var url = "http://127.0.0.1:8069"
        @Option(help: "Password of the administrator.") var adminPassword = "admin"
        @Option(help: "Calls per figure (medians are printed).") var repeats = 15
        @Option(help: "Users as label=login:password (repeatable); default: the demo's four kinds of user.")
        var user: [String] = []

        func run() async throws {
            var arguments = database
            if arguments.databaseName == nil { arguments.databaseName = "demo" }
            let logger = CLILogging.logger(default: .warning)
            let location = try arguments.location()
            var options = GenericBenchmark.Options()
            options.url = url
            options.repeats = repeats
            options.databaseName = arguments.databaseName ?? "demo"
            let chosen = options
            let users = user.isEmpty ? [
                GenericBenchmark.User(label: "group admin", login: "admin", password: adminPassword),
                GenericBenchmark.User(label: "city manager", login: "gz.city.manager", password: "demo"),
                GenericBenchmark.User(label: "store manager", login: "gz000001.manager", password: "demo"),
                GenericBenchmark.User(label: "store cashier", login: "gz000001.cashier", password: "demo"),
            ] : try user.map { text in
                guard let equals = text.firstIndex(of: "="), let colon = text[equals...].firstIndex(of: ":") else {
                    throw ValidationError("--user wants label=login:password")
                }
                return GenericBenchmark.User(label: String(text[..<equals]), login: String(text[text.index(after: equals)..<colon]),
                                             password: String(text[text.index(after: colon)...]))
            }
            try await location.withDatabase(logger: logger) { db in
                try await GenericBenchmark.run(db, users: users, options: chosen, logger: logger) { Swift.print($0) }
            }
        }
    }

    struct PosBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pos",
            abstract: "POS sales through create_from_ui on a running node (64 tills, one order and batches of 20), beside pgbench doing the same row writes.",
            discussion: "Give the node's database (--data-dir or --database-url) so pgbench runs beside it; scripts/bench-pos starts a release node and runs this.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "The running node.") var url = "http://127.0.0.1:8069"
        @Option(help: "Who sends the sales (a POS manager or administrator).") var login = "admin"
        @Option(help: "That user's password.") var password = "admin"
        @Option(help: "Concurrent tills, each its own session and connection.") var tills = 64
        @Option(help: "Seconds per figure.") var seconds = 15
        @Option(help: "Rounds (medians are printed).") var rounds = 3
        @Option(help: "Orders per request, comma-separated.") var batches = "1,20"
        @Option(help: "Also offer these rates (sales/s, comma-separated) on a fixed schedule, one order a request, for latency at a given load.")
        var rates = ""
        @Flag(help: "No pgbench figure.") var noRaw = false

        func run() async throws {
            var arguments = database
            if arguments.databaseName == nil { arguments.databaseName = "demo" }
            let logger = CLILogging.logger(default: .warning)
            let location = try arguments.location()
            var options = PosBenchmark.Options()
            options.rates = try rates.split(separator: ",").map { text in
                guard let rate = Double(text), rate > 0, rate <= 100_000 else { throw ValidationError("--rates wants sales per second above 0") }
                return rate
            }
            options.url = url
            options.databaseName = location.databaseName
            options.login = login
            options.password = password
            options.tills = tills
            options.seconds = seconds
            options.rounds = rounds
            options.batches = try batches.split(separator: ",").map { text in
                guard let batch = Int(text), (1...100).contains(batch) else { throw ValidationError("--batches wants numbers from 1 to 100") }
                return batch
            }
            guard (1...1000).contains(tills), seconds > 0, rounds > 0 else { throw ValidationError("--tills 1–1000, --seconds and --rounds above 0") }
            options.pgbench = noRaw ? nil : location.libpqArguments
            let chosen = options
            try await location.withDatabase(logger: logger) { db in
                try await PosBenchmark.run(db, options: chosen, logger: logger) { Swift.print($0) }
            }
        }
    }

    struct ReorderBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reorder",
            abstract: "The reordering run over the stores of a generated group, for growing numbers of stores, beside one hand-written SQL statement.",
            discussion: "Run it on a database made by `chainstore demo` (it adds each city DC as a vendor and --skus rules per store, once); "
                + "scripts/bench-reorder does both.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "Numbers of stores to run for, comma-separated.") var stores = "2000,20000"
        @Option(help: "Rules (products) per store.") var skus = 500

        func run() async throws {
            var arguments = database
            if arguments.databaseName == nil { arguments.databaseName = "demo" }
            let logger = CLILogging.logger(default: .warning)
            let location = try arguments.location()
            var options = ReorderBenchmark.Options()
            options.stores = try stores.split(separator: ",").map { text in
                guard let count = Int(text), count > 0 else { throw ValidationError("--stores wants store counts above 0") }
                return count
            }
            guard (1...5_000).contains(skus) else { throw ValidationError("--skus 1–5000") }
            options.skus = skus
            let chosen = options
            let started = try location.startIfManaged(logger: logger)
            defer { if started { location.stopIfManaged(logger: logger) } }
            try await location.withDatabase(logger: logger, create: false) { db in
                _ = try await ChainstoreApp.migrate(db, logger: logger)
                try await ReorderBenchmark.run(db, options: chosen, logger: logger) { Swift.print($0) }
            }
        }
    }

    struct WavesBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "waves",
            abstract: "The centre's side of a round of store orders: approval, the DCs' purchasing, delivery waves and a wave shipped.",
            discussion: "Run it after `chainstore bench reorder` on the same group (it approves the stores' requests for quotation to their "
                + "DCs); scripts/bench-reorder runs both.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "Stores whose orders are approved.") var stores = 2_000
        @Option(help: "Orders approved per transaction.") var batch = 20

        func run() async throws {
            var arguments = database
            if arguments.databaseName == nil { arguments.databaseName = "demo" }
            let logger = CLILogging.logger(default: .warning)
            let location = try arguments.location()
            guard stores > 0, (1...1_000).contains(batch) else { throw ValidationError("--stores above 0, --batch 1–1000") }
            var options = WaveBenchmark.Options()
            options.stores = stores
            options.batch = batch
            let chosen = options
            let started = try location.startIfManaged(logger: logger)
            defer { if started { location.stopIfManaged(logger: logger) } }
            try await location.withDatabase(logger: logger, create: false) { db in
                _ = try await ChainstoreApp.migrate(db, logger: logger)
                try await WaveBenchmark.run(db, options: chosen, logger: logger) { Swift.print($0) }
            }
        }
    }

    /// Runs `body` on the freshly recreated, migrated database `name` (unless one was named).
    static func onFreshDatabase(
        _ database: DatabaseArguments, name: String, _ body: @escaping @Sendable (Database, Logger) async throws -> Void
    ) async throws {
        var arguments = database
        if arguments.databaseName == nil { arguments.databaseName = name }
        let logger = CLILogging.logger(default: .warning)
        let location = try arguments.location()
        let started = try location.startIfManaged(logger: logger)
        defer { if started { location.stopIfManaged(logger: logger) } }
        try await location.dropDatabase(logger: logger)
        try await location.withDatabase(logger: logger) { db in
            _ = try await ChainstoreApp.migrate(db, logger: logger)
            try await body(db, logger)
        }
    }

    struct CronBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cron", abstract: "Jobs claimed per second by two cron nodes, and duplicates (must be 0). Uses (and recreates) the database 'bench_runtime'.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "One-shot jobs per run.") var jobs = 2_000
        @Option(help: "Runs (the median is printed).") var repeats = 3

        func run() async throws {
            let (jobs, repeats) = (jobs, repeats)
            try await Bench.onFreshDatabase(database, name: "bench_runtime") { db, logger in
                try await RuntimeBenchmark.cron(db, jobs: jobs, repeats: repeats, logger: logger) { Swift.print($0) }
            }
        }
    }

    struct BusBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bus", abstract: "Bus fan-out: commit-to-delivery latency and rates for many subscribers of one channel. Uses (and recreates) the database 'bench_runtime'.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "Subscriber counts, comma-separated.") var subscribers = "1000,10000"
        @Option(help: "Notifications committed per count.") var messages = 200

        func run() async throws {
            let counts = subscribers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let messages = messages
            try await Bench.onFreshDatabase(database, name: "bench_runtime") { db, logger in
                try await RuntimeBenchmark.bus(db, subscribers: counts, messages: messages, logger: logger) { Swift.print($0) }
            }
        }
    }

    struct IoTBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "iot",
            abstract: "Devices through a real MQTT broker: telemetry samples stored per second, offline detection, command round trips. "
                + "Uses (and recreates) the database 'bench_iot'; the broker is started by scripts/bench-iot.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "HOST:PORT of the broker.") var mqtt = "127.0.0.1:1883"
        @Option(help: "The broker's password and ACL folder (as serve --mqtt-auth-dir).") var mqttAuthDir: String?
        @Option(help: "File holding the platform's MQTT password.") var mqttPasswordFile: String?
        @Option(help: "Simulated devices.") var devices = 1_000
        @Option(help: "Offered telemetry rates in samples per second, comma-separated.") var rates = "10000,20000,40000"
        @Option(help: "Seconds per offered rate.") var seconds = 10
        @Option(help: "Commands timed one at a time.") var commands = 300

        func run() async throws {
            var options = IoTBenchmark.Options()
            options.broker = mqtt
            options.authFolder = mqttAuthDir.map { URL(fileURLWithPath: $0) }
            if let file = mqttPasswordFile {
                options.platformPassword = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            options.devices = devices
            options.rates = rates.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            options.seconds = seconds
            options.commands = commands
            let chosen = options
            try await Bench.onFreshDatabase(database, name: "bench_iot") { db, logger in
                // Each line as soon as it is measured (stdout to a file is otherwise held until the end).
                try await IoTBenchmark.run(db, options: chosen, logger: logger) { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
            }
        }
    }

    struct FinanceBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "finance",
            abstract: "The finance nightly run (daily accrual, valuation of every pledge) for a generated book, beside raw SQL; what a pledge adds "
                + "to a stock move. Uses (and recreates) the database 'bench_finance'.")
        @OptionGroup var database: DatabaseArguments
        @Option(help: "Borrowers, each with a credit line, a pledge and a loan.") var borrowers = 200_000
        @Option(help: "Pledged balances per pledge.") var lines = 5
        @Option(help: "Timed stock moves and valuations.") var samples = 200

        func run() async throws {
            var options = FinanceBenchmark.Options()
            guard borrowers > 0, (1...100).contains(lines), samples > 0 else { throw ValidationError("--borrowers > 0, --lines 1–100, --samples > 0") }
            (options.borrowers, options.lines, options.samples) = (borrowers, lines, samples)
            let chosen = options
            try await Bench.onFreshDatabase(database, name: "bench_finance") { db, logger in
                try await FinanceBenchmark.run(db, options: chosen, logger: logger) { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
            }
        }
    }
}
