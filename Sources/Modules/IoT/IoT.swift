import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import MQTT
import ServiceLifecycle

/// The IoT platform: the registry (device types, the devices of every store and DC under the
/// company rules), their credentials for the broker, heartbeats and offline alerts, telemetry
/// with alert rules, commands with acknowledgement, pick-to-light and RFID gates; in the back
/// office's "Devices" area and on its dashboard.
///
/// A node serving the API with `--mqtt HOST:PORT` takes the devices' messages from the broker
/// (shared subscriptions spread them over such nodes), writes telemetry in batches, watches for
/// silence and alert timers every second and publishes commands as soon as they are recorded.
/// With `--mqtt-auth-dir DIR` it also keeps the broker's password and ACL files there.
public enum IoT {
    public static let manifest = ModuleManifest(
        name: "iot", depends: ["base", "stock"],
        models: [.iotDeviceType, .iotDevice, .iotCredential, .iotAlertRule, .iotAlert, .iotCommand],
        migrations: [.createRegistry, .createTelemetry],
        methods: methods,
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: []),
        jobs: [
            Job("iot.telemetry", "Devices: telemetry partitions, rollups and retention", every: .seconds(60)) { job in
                try await job.database.transaction(logger: job.logger) { tx in
                    try await job.lease?.fence(tx)
                    try await TelemetryStore.maintain(tx)
                }
            },
        ],
        alerts: [
            // Devices silent beyond their grace, across the group.
            AlertProbe(kind: "iot.devices_offline", name: "Devices offline beyond their grace", threshold: 0) { job in
                try await job.database.withoutTransaction(logger: job.logger) { tx in
                    try await Double(tx.one("""
                        SELECT count(*) FROM iot_device d JOIN iot_device_type t ON t.id = d.device_type_id
                        WHERE NOT d.online AND d.state = 'active' AND d.offline_since IS NOT NULL
                          AND d.offline_since + make_interval(secs => coalesce(d.offline_grace_s, t.offline_grace_s)) <= now()
                        """).decode(Int64.self))
                }
            },
        ],
        start: start,
        views: views, menus: menus, dashboard: dashboard)

    /// A message on a site's IoT bus channel (`["db","res.company",<site>,"iot"]`), where the
    /// devices' state, alerts, commands and picks of that store or DC are announced.
    static func notice(_ database: String, site: Int64, _ type: String, _ payload: Value) -> Bus.Notification {
        Bus.Notification(channel: Bus.channel(database, "res.company", site, "iot"), type: type, payload: payload)
    }

    /// `host:port` of the broker.
    public static func broker(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), colon > address.startIndex else {
            throw ChainstoreError.validation("--mqtt takes HOST:PORT, not \(address)")
        }
        return (String(address[..<colon]), port)
    }

    @Sendable static func start(_ node: NodeContext) async throws -> [any Service] {
        guard node.roles.contains(.api), let address = node.settings["mqtt"] else { return [] }
        let (host, port) = try broker(address)
        let database = node.main
        let logger = node.logger
        var password: String?
        if let file = node.settings["mqtt_password_file"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ChainstoreError.validation("--mqtt-password-file: cannot read \(file)")
            }
            password = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var services: [any Service] = []
        if let folder = node.settings["mqtt_auth_dir"] {
            guard let password else { throw ChainstoreError.validation("--mqtt-auth-dir needs --mqtt-password-file (the platform's own password)") }
            let url = URL(fileURLWithPath: folder)
            services.append(Loop { await BrokerAuth.keep(database, folder: url, platformPassword: password, logger: logger) })
        }
        let telemetry = TelemetryWriter(database: database, logger: logger)
        let ingest = DeviceIngest(database: database, registry: node.registry, telemetry: telemetry, logger: logger)
        let connect = MQTTPacket.Connect(clientID: "chainstore-\(Scheduler.nodeName())".prefix(23).description, keepAlive: 30,
                                         username: password == nil ? nil : BrokerAuth.platformUser, password: password)
        let client = MQTTClient(.init(host: host, port: port, connect: connect, maxPacketSize: 1 << 20), logger: logger) { message in
            try await ingest.take(message)
        }
        try await client.subscribe(DeviceIngest.subscriptions)
        services.append(client)
        services.append(Loop { await telemetry.run() })
        services.append(Loop { await watch(database, client: client, logger: logger) })
        services.append(Loop { await listen(database, client: client, logger: logger) })
        return services
    }

    /// Every second: silent devices go offline and the alert timers run (one node at a time),
    /// then commands due are published.
    static func watch(_ database: Database, client: MQTTClient, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await database.transaction(logger: logger) { tx in
                    guard try await tx.query("SELECT pg_try_advisory_xact_lock(hashtext('iot.watch'))")[0].decode(Bool.self) else { return }
                    _ = try await DeviceIngest.sweep(tx, database: database.name)
                    try await Alerts.tick(tx, database: database.name)
                }
                try await Commands.dispatch(database, transport: client, logger: logger)
            } catch {
                if Task.isCancelled { break }
                logger.warning("device watch failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Publishes commands the moment they are recorded (`NOTIFY iot_command`).
    static func listen(_ database: Database, client: MQTTClient, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await database.client.withConnection { connection in
                    try await connection.listen(on: Commands.wakeUp) { notices in
                        for try await _ in notices {
                            try await Commands.dispatch(database, transport: client, logger: logger)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning("command listener lost", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// A node service that runs `body` until the node shuts down.
struct Loop: Service {
    let body: @Sendable () async -> Void

    init(_ body: @escaping @Sendable () async -> Void) { self.body = body }

    func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}
