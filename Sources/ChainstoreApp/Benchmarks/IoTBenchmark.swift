import Base
import ChainstoreCore
import ChainstoreDB
import Foundation
import IoT
import Logging
import MQTT
import ServiceLifecycle
import Synchronization

/// `chainstore bench iot`: the IoT platform through a real broker on this machine — telemetry
/// samples stored per second from simulated devices (each signed in with its own credential),
/// with the raw-PostgreSQL rate for the same rows beside it; how fast a dead connection (the
/// broker's will) and a silent device (missed heartbeats) are seen offline; command round trips
/// from `send_command` to the device's result stored. Prints figures; never pass/fail.
public enum IoTBenchmark {
    public struct Options: Sendable {
        /// `host:port`.
        public var broker = "127.0.0.1:1883"
        public var authFolder: URL?
        public var platformPassword: String?
        public var devices = 1_000
        public var samplesPerMessage = 10
        public var rates = [10_000, 20_000, 40_000]
        public var seconds = 10
        public var commands = 300
        public init() {}
    }

    public static func run(_ database: Database, options: Options, logger: Logger, print: @Sendable @escaping (String) -> Void) async throws {
        let registry = try Modules.registry()
        let (host, port) = try IoT.broker(options.broker)
        var settings = ["mqtt": options.broker]
        if let folder = options.authFolder { settings["mqtt_auth_dir"] = folder.path }
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("chainstore-bench-iot-\(getpid())")
        defer { try? FileManager.default.removeItem(at: secretFile) }
        if let password = options.platformPassword {
            try Data(password.utf8).write(to: secretFile)
            settings["mqtt_password_file"] = secretFile.path
        }
        let node = NodeContext(registry: registry, databases: RuntimeBenchmark.OneDatabase(main: database), identity: BaseIdentity(), settings: settings,
                               roles: [.api], logger: logger)

        // The devices: one type with a 2-second heartbeat (so silence shows in seconds), a
        // credential each (what a device is given once).
        let tokens: [(uid: String, token: String, site: Int64)] = try await database.transaction(logger: logger) { tx in
            let uid: Int64 = 1
            try await tx.query("""
                INSERT INTO iot_device_type (code, name, protocol, heartbeat_s, offline_grace_s, create_date, write_date)
                VALUES ('bench_probe', 'Benchmark probe', 'mqtt', 2, 300, now(), now())
                """)
            try await tx.query("""
                INSERT INTO iot_device (name, uid, device_type_id, company_id, create_uid, create_date, write_uid, write_date)
                SELECT 'probe ' || n, 'bench-' || lpad(n::text, 6, '0'), t.id, 1, \(uid), now(), \(uid), now()
                FROM generate_series(1, \(options.devices)) n, iot_device_type t WHERE t.code = 'bench_probe'
                """)
            let store = RecordStore(registry: registry, tx: tx, env: Env.system(reason: "benchmark", logger: logger))
            var tokens: [(String, String, Int64)] = []
            for row in try await tx.query("SELECT id, uid FROM iot_device WHERE uid LIKE 'bench-%' ORDER BY id") {
                let (id, uid) = try row.decode((Int64, String).self)
                let credential = try await BrokerAuth.issue(store, device: id)
                tokens.append((uid, credential.dictValue?["password"]?.stringValue ?? "", 1))
            }
            return tokens
        }

        // The platform's side, as a node with `--mqtt` runs it.
        let services = try await IoT.manifest.start!(node)
        let running = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in services { group.addTask { try await service.run() } }
                try await group.waitForAll()
            }
        }
        defer { running.cancel() }
        try await Task.sleep(for: .seconds(2))  // the broker's files written and reloaded

        // The devices' side: our own MQTT client, one connection per device.
        let answered = Mutex<[String: ContinuousClock.Instant]>([:])
        let clients = Mutex<[String: MQTTClient]>([:])
        var simulators: [(uid: String, client: MQTTClient, task: Task<Void, Never>)] = []
        var quiet = logger
        quiet.logLevel = .critical
        for (uid, token, site) in tokens {
            let will = MQTTMessage(topic: "cs/v1/\(site)/\(uid)/status", payload: Array(#"{"v":1,"state":"offline","reason":"lwt"}"#.utf8), qos: .atLeastOnce, retain: true)
            let connect = MQTTPacket.Connect(clientID: uid, keepAlive: 60, will: will, username: uid, password: token)
            let client = MQTTClient(.init(host: host, port: port, connect: connect), logger: quiet) { message in
                // A command: acknowledge, then report done (published beside the read loop).
                guard let body = try? JSONReader.parse(message.payload), let cmd = body.dictValue?["cmd_id"]?.stringValue else { return }
                answered.withLock { $0[cmd] = .now }
                let reply = clients.withLock { $0[uid] }
                Task {
                    for stage in ["ack", "result"] {
                        let text = #"{"v":1,"cmd_id":"\#(cmd)","stage":"\#(stage)","ok":true}"#
                        try? await reply?.publish(MQTTMessage(topic: "cs/v1/\(site)/\(uid)/res", payload: Array(text.utf8), qos: .atLeastOnce))
                    }
                }
            }
            clients.withLock { $0[uid] = client }
            try await client.subscribe(["cs/v1/\(site)/\(uid)/cmd/#": .atLeastOnce])
            simulators.append((uid, client, Task { try? await client.run() }))
        }
        defer { for simulator in simulators { simulator.task.cancel() } }
        var ready = 0
        for simulator in simulators where await simulator.client.waitUntilConnected(timeout: .seconds(60)) { ready += 1 }
        for (uid, client, _) in simulators {
            try await client.publish(MQTTMessage(topic: "cs/v1/1/\(uid)/status", payload: Array(#"{"v":1,"state":"online"}"#.utf8), qos: .atLeastOnce, retain: true))
        }
        let online = try await waitFor(seconds: 60) {
            try await count(database, "SELECT count(*) FROM iot_device WHERE online AND uid LIKE 'bench-%'", logger) == Int64(options.devices)
        }
        print("Chainstore IoT benchmark — \(options.devices) simulated devices (\(ready) connected with their own credential, \(online ? "all" : "not all") online), "
              + "broker \(host):\(port)")
        print("")

        // 1. Telemetry: offered rates for `seconds` each, QoS 0 messages of N samples.
        for rate in options.rates {
            let before = try await count(database, "SELECT count(*) FROM iot_telemetry", logger)
            let messagesPerSecond = Double(rate) / Double(options.samplesPerMessage)
            let started = ContinuousClock.now
            var sent = 0
            let total = Int(messagesPerSecond * Double(options.seconds))
            var sequence = 0
            while sent < total {
                let due = min(total, Int(CoreBenchmark.seconds(ContinuousClock.now - started) * messagesPerSecond) + 1)
                while sent < due {
                    let simulator = simulators[sent % simulators.count]
                    sequence += 1
                    let now = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
                    let samples = (0..<options.samplesPerMessage).map { #"{"m":"m\#($0)","v":\#(Double(sequence % 100) / 10)}"# }.joined(separator: ",")
                    let body = #"{"v":1,"ts":"\#(now)","seq":\#(sequence),"samples":[\#(samples)]}"#
                    try? await simulator.client.publish(MQTTMessage(topic: "cs/v1/1/\(simulator.uid)/tele/env", payload: Array(body.utf8)))
                    sent += 1
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            let offered = ContinuousClock.now - started
            let expected = Int64(total * options.samplesPerMessage)
            var stored: Int64 = 0
            var lastChange = ContinuousClock.now
            while ContinuousClock.now - lastChange < .seconds(2) {
                let now = try await count(database, "SELECT count(*) FROM iot_telemetry", logger) - before
                if now != stored { stored = now; lastChange = .now }
                if stored >= expected { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let elapsed = (stored >= expected ? ContinuousClock.now : lastChange) - started
            let seconds = CoreBenchmark.seconds(elapsed), offeredSeconds = CoreBenchmark.seconds(offered)
            print(String(format: "telemetry offered %6d samples/s for %4.1f s: stored %8d of %8d (%5.1f %%) at %8.0f samples/s",
                         rate, offeredSeconds, stored, expected, Double(stored) / Double(expected) * 100, Double(stored) / seconds))
        }
        let rawRate = try await rawTelemetry(database, samples: 200_000, batch: 500, logger: logger)
        print(String(format: "  raw PostgreSQL: the same rows as multi-row INSERTs of 500 (no broker, no JSON, no latest values) %8.0f samples/s", rawRate))
        print("")

        // 2. Offline: 50 devices' connections dropped (the will), then 50 devices silent (no
        // heartbeat for 3 × 2 s) while the others keep beating every second.
        let dropped = Array(simulators.prefix(50)), silent = Array(simulators.dropFirst(50).prefix(50))
        let beating = Array(simulators.dropFirst(100))
        let beats = heartbeats(beating + silent)
        _ = try await waitFor(seconds: 30) {
            try await count(database, "SELECT count(*) FROM iot_device WHERE online AND uid LIKE 'bench-%'", logger) == Int64(options.devices)
        }
        let dropAt = ContinuousClock.now
        for simulator in dropped { simulator.task.cancel() }
        let willLatency = try await offlineLatencies(database, uids: dropped.map(\.uid), since: dropAt, logger: logger)
        // The silent ones beat once more, acknowledged, then stop.
        beats.cancel()
        let others = heartbeats(beating)
        for simulator in silent {
            try await simulator.client.publish(MQTTMessage(topic: "cs/v1/1/\(simulator.uid)/tele/hb", payload: Array(#"{"v":1}"#.utf8), qos: .atLeastOnce))
        }
        let lastBeat = ContinuousClock.now
        let silenceLatency = try await offlineLatencies(database, uids: silent.map(\.uid), since: lastBeat, logger: logger).map { $0 - 6 }
        defer { others.cancel() }  // the commands' targets stay online
        print(String(format: "offline by the will (connection dropped)                               p50 %7.0f ms  p99 %7.0f ms  (%d of 50 seen)",
                     RuntimeBenchmark.percentile(willLatency, 0.5) * 1000, RuntimeBenchmark.percentile(willLatency, 0.99) * 1000, willLatency.count))
        print(String(format: "offline by silence, after the 6 s of the rule (3 heartbeats of 2 s)   p50 %7.0f ms  p99 %7.0f ms  (%d of 50 seen)",
                     RuntimeBenchmark.percentile(silenceLatency, 0.5) * 1000, RuntimeBenchmark.percentile(silenceLatency, 0.99) * 1000, silenceLatency.count))
        print("")

        // 3. Commands: send_command (committed) → published → device → ack and result stored.
        let targets = Array(simulators.dropFirst(100))
        var roundTrips: [Double] = [], deliveries: [Double] = []
        for index in 0..<options.commands {
            let target = targets[index % targets.count]
            let started = ContinuousClock.now
            let (command, cmdID) = try await database.transaction(logger: logger) { tx -> (Int64, String) in
                let store = RecordStore(registry: registry, tx: tx, env: Env.system(reason: "benchmark", logger: logger))
                let device = try await tx.query("SELECT id FROM iot_device WHERE uid = \(target.uid)")[0].decode(Int64.self)
                let id = try await Commands.send(store, device: device, type: "display.show", params: .dict(["text": .string("\(index)")]))
                return (id, try await tx.query("SELECT cmd_id FROM iot_command WHERE id = \(id)")[0].decode(String.self))
            }
            while true {
                let state = try await database.transaction(logger: logger) { tx in
                    try await tx.query("SELECT state FROM iot_command WHERE id = \(command)")[0].decode(String.self)
                }
                if state == "succeeded" || state == "timed_out" || ContinuousClock.now - started > .seconds(30) { break }
                try await Task.sleep(for: .microseconds(500))
            }
            let done = ContinuousClock.now - started
            roundTrips.append(CoreBenchmark.seconds(done))
            if let seen = answered.withLock({ $0[cmdID] }) {
                let delivery = seen - started
                deliveries.append(CoreBenchmark.seconds(delivery))
            }
        }
        print(String(format: "command send_command → device                p50 %6.1f ms  p99 %6.1f ms", RuntimeBenchmark.percentile(deliveries, 0.5) * 1000,
                     RuntimeBenchmark.percentile(deliveries, 0.99) * 1000))
        print(String(format: "command round trip (ack and result stored)   p50 %6.1f ms  p99 %6.1f ms  (%d commands, one at a time)",
                     RuntimeBenchmark.percentile(roundTrips, 0.5) * 1000, RuntimeBenchmark.percentile(roundTrips, 0.99) * 1000, roundTrips.count))
    }

    static func count(_ database: Database, _ sql: String, _ logger: Logger) async throws -> Int64 {
        try await database.transaction(logger: logger) { tx in try await tx.query(SQLBuilder(sql))[0].decode(Int64.self) }
    }

    static func waitFor(seconds: Int, _ check: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Seconds from `since` until each device of `uids` is seen offline (polled every 20 ms).
    static func offlineLatencies(_ database: Database, uids: [String], since: ContinuousClock.Instant, logger: Logger) async throws -> [Double] {
        var seen: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while seen.count < uids.count && ContinuousClock.now < deadline {
            let offline = try await database.transaction(logger: logger) { tx in
                try await tx.query("SELECT uid FROM iot_device WHERE NOT online AND uid = ANY(\(uids))").map { try $0.decode(String.self) }
            }
            let elapsed = ContinuousClock.now - since
            for uid in offline where seen[uid] == nil {
                seen[uid] = CoreBenchmark.seconds(elapsed)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Array(seen.values)
    }

    /// The same sample rows sent straight into the telemetry table as arrays, 500 a statement.
    static func rawTelemetry(_ database: Database, samples: Int, batch: Int, logger: Logger) async throws -> Double {
        let device = try await count(database, "SELECT min(id) FROM iot_device WHERE uid LIKE 'bench-%'", logger)
        let started = ContinuousClock.now
        for offset in stride(from: 0, to: samples, by: batch) {
            let n = min(batch, samples - offset)
            let devices = (0..<n).map { device + Int64(($0 + offset) % 1000) }
            let millis = (0..<n).map { _ in Int64(Date().timeIntervalSince1970 * 1000) }
            let values = (0..<n).map { "\(Double($0 % 100) / 10)" }
            _ = try await database.transaction(logger: logger) { tx in
                try await tx.query("""
                    INSERT INTO iot_telemetry (device_id, ts, metric, value)
                    SELECT d, to_timestamp(ms / 1000.0), 1, v::float8 FROM unnest(\(devices), \(millis), \(values)) AS x(d, ms, v)
                    """)
            }
        }
        let elapsed = ContinuousClock.now - started
        return Double(samples) / CoreBenchmark.seconds(elapsed)
    }

    /// The devices' heartbeats (QoS 0), every second until cancelled.
    static func heartbeats(_ devices: [(uid: String, client: MQTTClient, task: Task<Void, Never>)]) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                for device in devices where !Task.isCancelled {
                    try? await device.client.publish(MQTTMessage(topic: "cs/v1/1/\(device.uid)/tele/hb", payload: Array(#"{"v":1}"#.utf8)))
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
