import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
@testable import MQTT
import ServiceLifecycle
import Testing

/// Debian's Mosquitto on a port of its own, for the client to talk to. It runs as a daemon
/// (`-d`, its pid in a file), spawned with posix_spawn with nothing of the test process but
/// /dev/null inherited: no Foundation `Process` (whose child monitoring other tests rely on) and
/// no inherited pipe that would keep `swift test` waiting should a test stop early.
final class Mosquitto: @unchecked Sendable {
    static let path = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// Under scripts/test (and CI) the broker must be there: a missing one fails instead of skipping.
    static let required = ProcessInfo.processInfo.environment["CHAINSTORE_STRICT"] == "1"

    /// Below the kernel's ephemeral range (32768 and up): a port there may be held by an
    /// outgoing connection, or its TIME_WAIT, and the broker could not listen on it. (The HA lab
    /// takes 26400–26430.)
    let port = Int.random(in: 27_000...31_999)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mosquitto-\(UUID().uuidString)")
    var daemon: pid_t?

    var pidFile: String { folder.appendingPathComponent("mosquitto.pid").path }

    init(anonymous: Bool = true) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        try configure(anonymous: anonymous)
        try start()
    }

    func configure(anonymous: Bool) throws {
        try "listener \(port) 127.0.0.1\nallow_anonymous \(anonymous)\npersistence false\npid_file \(pidFile)\n"
            .write(to: folder.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    func start() throws {
        try? FileManager.default.removeItem(atPath: pidFile)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") { _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3) }
        let configuration: String = folder.appendingPathComponent("mosquitto.conf").path
        let words: [String] = [Self.path!, "-d", "-c", configuration]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // A clean signal mask and default dispositions: the test process's threads block signals
        // (SIGTERM among them) that the broker must hear.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&all)
        for signal in 1..<32 where signal != SIGKILL && signal != SIGSTOP { sigaddset(&all, Int32(signal)) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var launcher = pid_t()
        guard posix_spawn(&launcher, Self.path!, &actions, &attributes, argv, environ) == 0 else { throw MQTTError.connectionClosed }
        var status: Int32 = 0
        _ = waitpid(launcher, &status, 0)  // the launcher exits once the daemon runs
        for _ in 0..<250 {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                daemon = pid
                break
            }
            usleep(20_000)
        }
        // Listening? (Under load the daemon takes its time.)
        for _ in 0..<500 where !accepts() { usleep(20_000) }
        guard accepts() else { throw MQTTError.refused(3) }
    }

    /// Whether the broker's port takes a TCP connection.
    func accepts() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    func stop() {
        guard let daemon else { return }
        self.daemon = nil
        kill(daemon, SIGTERM)
        for _ in 0..<250 where kill(daemon, 0) == 0 { usleep(20_000) }
        if kill(daemon, 0) == 0 { kill(daemon, SIGKILL) }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Collects what a client receives.
actor Inbox {
    var messages: [MQTTMessage] = []
    func add(_ message: MQTTMessage) { messages.append(message) }
    func wait(for count: Int, seconds: Double = 10) async -> [MQTTMessage] {
        let deadline = Date().addingTimeInterval(seconds)
        while messages.count < count && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return messages
    }
}

@Suite("MQTT client against Mosquitto", .enabled(if: Mosquitto.path != nil || Mosquitto.required), .serialized)
struct MQTTBrokerTests {
    static let logger = Logger(label: "mqtt.test")

    func client(_ broker: Mosquitto, _ id: String, will: MQTTMessage? = nil, inbox: Inbox) -> MQTTClient {
        MQTTClient(.init(host: "127.0.0.1", port: broker.port, connect: .init(clientID: id, keepAlive: 5, will: will)), logger: Self.logger) { message in
            await inbox.add(message)
        }
    }

    /// Runs `body` while the clients run.
    func running(_ clients: [MQTTClient], _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients { group.addTask { try await client.run() } }
            for client in clients { #expect(await client.waitUntilConnected(timeout: .seconds(30))) }
            try await body()
            group.cancelAll()
        }
    }

    @Test func publishesSubscribesAndKeepsTheRetainedStatus() async throws {
        let broker = try Mosquitto()
        let (received, ignored) = (Inbox(), Inbox())
        let platform = client(broker, "platform", inbox: received)
        let device = client(broker, "t1", inbox: ignored)
        try await running([platform, device]) {
            try await device.publish(MQTTMessage(topic: "cs/v1/GZ001/t1/status", payload: Array(#"{"state":"online"}"#.utf8), qos: .atLeastOnce, retain: true))
            // Subscribed after the birth: the retained status still arrives, then new messages.
            try await platform.subscribe(["cs/v1/+/+/status": .atLeastOnce, "cs/v1/+/+/tele/#": .atMostOnce])
            for n in 0..<50 {
                try await device.publish(MQTTMessage(topic: "cs/v1/GZ001/t1/tele/temp", payload: Array("\(n)".utf8), qos: n % 2 == 0 ? .atLeastOnce : .atMostOnce))
            }
            let messages = await received.wait(for: 51)
            #expect(messages.first?.topic == "cs/v1/GZ001/t1/status" && messages.first?.retain == true)
            #expect(messages.dropFirst().map { String(decoding: $0.payload, as: UTF8.self) } == (0..<50).map(String.init))
        }
    }

    @Test func aSharedSubscriptionGivesEachMessageToOneMember() async throws {
        let broker = try Mosquitto()
        let (first, second, ignored) = (Inbox(), Inbox(), Inbox())
        let nodes = [client(broker, "node-a", inbox: first), client(broker, "node-b", inbox: second)]
        let device = client(broker, "sensor-1", inbox: ignored)
        try await running(nodes + [device]) {
            for node in nodes { try await node.subscribe(["$share/ingest/cs/v1/+/+/tele/#": .atLeastOnce]) }
            for n in 0..<200 {
                try await device.publish(MQTTMessage(topic: "cs/v1/DC1/sensor-1/tele/temp", payload: Array("\(n)".utf8), qos: .atLeastOnce))
            }
            let deadline = Date().addingTimeInterval(10)
            while await first.messages.count + second.messages.count < 200 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let (a, b) = (await first.messages, await second.messages)
            #expect(a.count + b.count == 200 && !a.isEmpty && !b.isEmpty)
            #expect(Set((a + b).map { String(decoding: $0.payload, as: UTF8.self) }).count == 200)
        }
    }

    @Test func reconnectsAndSubscribesAgainAfterTheBrokerRestarts() async throws {
        let broker = try Mosquitto()
        let (received, ignored) = (Inbox(), Inbox())
        let platform = client(broker, "platform", inbox: received)
        let device = client(broker, "t2", inbox: ignored)
        try await running([platform, device]) {
            try await platform.subscribe(["cs/v1/+/+/evt/#": .atLeastOnce])
            broker.stop()
            try await Task.sleep(for: .milliseconds(300))
            await #expect(throws: MQTTError.self) { try await device.publish(MQTTMessage(topic: "cs/v1/S/t2/evt/x", payload: [1], qos: .atLeastOnce)) }
            try broker.start()
            let (back, again) = (await platform.waitUntilConnected(timeout: .seconds(15)), await device.waitUntilConnected(timeout: .seconds(15)))
            #expect(back && again)
            try await device.publish(MQTTMessage(topic: "cs/v1/S/t2/evt/confirm", payload: Array("after".utf8), qos: .atLeastOnce))
            let messages = await received.wait(for: 1)
            #expect(messages.map(\.topic) == ["cs/v1/S/t2/evt/confirm"])
        }
    }

    @Test func theBrokerRefusingTheConnectionIsReported() async throws {
        let broker = try Mosquitto(anonymous: false)
        let refused = MQTTClient(.init(host: "127.0.0.1", port: broker.port, connect: .init(clientID: "nobody")), logger: Self.logger) { _ in }
        await #expect(throws: MQTTError.refused(5)) { try await refused.connectOnce {} }
    }
}
