import ArgumentParser
import Base
import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreServer
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a node: HTTP server, audit sealer, migrations at start.")

    @OptionGroup var database: DatabaseArguments

    @Option(help: "Address to listen on. Anything but loopback is refused while admin's password is 'admin'.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port: Int = 8069

    @Flag(help: "Use the database 'demo' and give it demo companies and logins.")
    var demo = false

    @Option(help: "Regular expression over the request's host name choosing the visible databases (%h = host, %d = first label), as Odoo's --db-filter.")
    var dbFilter: String?

    @Option(help: "The payment channels' configuration (JSON naming key files; see the README); default CHAINSTORE_PAYMENTS.")
    var payments: String?

    @Option(help: "Largest RPC request body, in MiB.")
    var maxRequestMib = 64

    @Option(help: "What this node does, any of web,api,bus,cron (comma-separated; default all).")
    var role: String = "web,api,bus,cron"

    @Option(help: "A reverse proxy (address or CIDR, repeatable) whose Forwarded / X-Forwarded-For header names the real client.")
    var trustedProxy: [String] = []

    @Option(help: "HOST:PORT of the MQTT broker the devices publish to (API nodes take their messages).")
    var mqtt: String?

    @Option(help: "File holding the platform's MQTT password (user chainstore_platform); default CHAINSTORE_MQTT_PASSWORD_FILE.")
    var mqttPasswordFile: String?

    @Option(help: "Folder of the broker's password and ACL files, written from the device registry (and the broker told to reload, by the pid in its mosquitto.pid).")
    var mqttAuthDir: String?

    @Option(help: "HOST:PORT where the back office (/web, its menus, dashboard and sign-in security) listens, e.g. an intranet address; the public address then keeps only the API, the bus and the store apps.")
    var backofficeListen: String?

    @Option(help: "A standby of the database (postgres://…, repeatable) for reads that may be a moment old: searches and reads of the API by callers without a write it has not replayed yet.")
    var replicaURL: [String] = []

    @Option(help: "Seconds a replica may lag behind the primary and still serve reads.")
    var replicaMaxLag: Double = 1

    @Option(help: "Log lines as text on standard error, or json on standard output (default CHAINSTORE_LOG_FORMAT, else text).")
    var logFormat: String?

    @Option(help: "A PostgreSQL database of its own (postgres://…, created when missing) keeping the node's log records, partitioned by day.")
    var logDatabaseURL: String?

    @Option(help: "Days of log records the logs database keeps.")
    var logRetentionDays = 30

    @Option(help: "Database connections a node serving web or api holds open (to the primary, and to each replica); other roles open up to 40 as needed.")
    var poolSize = Node.Options().poolSize

    func run() async throws {
        var options = Node.Options()
        if let logFormat {
            guard let format = LogOutput.Format(rawValue: logFormat) else { throw ValidationError("--log-format takes text or json, not \(logFormat)") }
            LogOutput.shared.set(format: format)
        }
        guard logRetentionDays >= 1 else { throw ValidationError("--log-retention-days must be at least 1") }
        options.logDatabaseURL = logDatabaseURL
        options.logRetentionDays = logRetentionDays
        guard (1...200).contains(poolSize) else { throw ValidationError("--pool-size takes 1 to 200 connections, not \(poolSize)") }
        options.poolSize = poolSize
        options.replicaURLs = replicaURL
        options.replicaMaxLag = .milliseconds(Int(replicaMaxLag * 1000))
        options.host = host
        options.port = port
        options.demo = demo
        options.dbFilter = dbFilter
        options.maxRequestBytes = maxRequestMib << 20
        options.settings["payments"] = payments ?? ProcessInfo.processInfo.environment["CHAINSTORE_PAYMENTS"]
        options.settings["mqtt"] = mqtt ?? ProcessInfo.processInfo.environment["CHAINSTORE_MQTT"]
        options.settings["mqtt_password_file"] = mqttPasswordFile ?? ProcessInfo.processInfo.environment["CHAINSTORE_MQTT_PASSWORD_FILE"]
        options.settings["mqtt_auth_dir"] = mqttAuthDir
        options.roles = try Set(role.split(separator: ",").map { name in
            guard let role = NodeRole(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--role takes web, api, bus and cron, not \(name)")
            }
            return role
        })
        if let backofficeListen {
            guard let colon = backofficeListen.lastIndex(of: ":"), let port = Int(backofficeListen[backofficeListen.index(after: colon)...]),
                (1...65535).contains(port), colon > backofficeListen.startIndex
            else { throw ValidationError("--backoffice-listen takes HOST:PORT, not \(backofficeListen)") }
            let host = backofficeListen[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            options.backOffice = (host, port)
        }
        options.trustedProxies = try trustedProxy.map { text in
            guard let network = IPNetwork(text) else { throw ValidationError("--trusted-proxy takes an address or a CIDR, not \(text)") }
            return network
        }
        let logger = CLILogging.logger()
        if demo {
            var text = "Chainstore demo on http://\(host):\(port)/  (database 'demo')\n"
            if let office = options.backOffice { text += "Back office on http://\(office.host):\(office.port)/\n" }
            for (login, password, role) in Demo.logins { text += "  login \(login) / \(password)  — \(role)\n" }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        try await Node(location: database.location(demo: demo), options: options, logger: logger).run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations (safe to run on several nodes at once).")

    @OptionGroup var database: DatabaseArguments

    func run() async throws {
        let logger = CLILogging.logger()
        let location = try database.location()
        let started = try location.startIfManaged(logger: logger)
        defer { if started { location.stopIfManaged(logger: logger) } }
        let applied = try await location.withDatabase(logger: logger) { db in
            try await ChainstoreApp.migrate(db, logger: logger)
        }
        print(applied.isEmpty ? "schema is current" : "applied:\n" + applied.map { "  " + $0 }.joined(separator: "\n"))
    }
}
