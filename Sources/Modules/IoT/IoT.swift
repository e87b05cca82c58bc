import ChainstoreCore
import ChainstoreDB
import Foundation
import MQTT

/// The IoT platform's registry: device types and the devices of every store and DC, under the
/// company rules (a store sees its own devices, a city its stores'), in the back office's
/// "Devices" area and on its dashboard (devices offline). The broker connection (`MQTT`),
/// heartbeats, telemetry and commands build on it.
public enum IoT {
    public static let manifest = ModuleManifest(
        name: "iot", depends: ["base", "stock"],
        models: [.iotDeviceType, .iotDevice],
        migrations: [.createRegistry],
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: []),
        jobs: [
            Job("iot.offline_sweep", every: .seconds(30)) { job in
                _ = try await DeviceIngest.sweep(job.database, logger: job.logger)
            },
        ],
        start: { node in
            // Nodes serving the API take the devices' messages from the broker (`serve --mqtt
            // HOST:PORT`), sharing the work through shared subscriptions.
            guard node.roles.contains(.api), let address = node.settings["mqtt"] else { return [] }
            let (host, port) = try broker(address)
            let database = node.main
            let logger = node.logger
            let connect = MQTTPacket.Connect(clientID: "chainstore-\(Scheduler.nodeName())".prefix(23).description, keepAlive: 30)
            let client = MQTTClient(.init(host: host, port: port, connect: connect, maxPacketSize: 1 << 20), logger: logger) { message in
                try await DeviceIngest.take(message, database: database, logger: logger)
            }
            try await client.subscribe(DeviceIngest.subscriptions)
            return [client]
        },
        views: views, menus: menus, dashboard: dashboard)

    /// `host:port` of the broker.
    static func broker(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), colon > address.startIndex else {
            throw ChainstoreError.validation("--mqtt takes HOST:PORT, not \(address)")
        }
        return (String(address[..<colon]), port)
    }
}
