import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// What the platform needs of its connection to the broker; `MQTTClient` is ours, and another
/// client (mqtt-nio, where it can be built) can take its place behind this protocol.
public protocol MQTTTransport: Sendable {
    /// Sends a message; at QoS 1, returns once the broker acknowledged it (PUBACK).
    func publish(_ message: MQTTMessage) async throws
    /// Subscribes (again after every reconnection) to topic filters, `$share/<group>/…` included.
    func subscribe(_ filters: [String: MQTTQoS]) async throws
}

/// A small MQTT 3.1.1 client on SwiftNIO: CONNECT with a will, credentials and keep-alive,
/// SUBSCRIBE, PUBLISH at QoS 0 and 1 (in-flight messages tracked until PUBACK), PINGREQ, and
/// reconnection with a growing delay (0.2 s doubling to 30 s). Incoming messages go to `handler`
/// one at a time, in order; a QoS 1 message is acknowledged only after the handler returned, so
/// one the handler could not take (it threw: the database is down) is delivered again by the
/// broker after the connection is re-established. `run()` is a service: it ends at graceful
/// shutdown.
public final class MQTTClient: MQTTTransport, Service {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var connect: MQTTPacket.Connect
        /// Largest packet accepted from the broker (bytes of remaining length).
        public var maxPacketSize: Int

        public init(host: String, port: Int = 1883, connect: MQTTPacket.Connect, maxPacketSize: Int = 256 << 10) {
            self.host = host
            self.port = port
            self.connect = connect
            self.maxPacketSize = maxPacketSize
        }
    }

    public let configuration: Configuration
    let handler: @Sendable (MQTTMessage) async throws -> Void
    let logger: Logger
    let session = Session()

    public init(_ configuration: Configuration, logger: Logger, handler: @escaping @Sendable (MQTTMessage) async throws -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
    }

    /// Waits until the client is connected (and its subscriptions are made), or `timeout` passes.
    public func waitUntilConnected(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await session.isReady { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    public func publish(_ message: MQTTMessage) async throws {
        try await session.publish(message)
    }

    public func subscribe(_ filters: [String: MQTTQoS]) async throws {
        let codes = try await session.subscribe(filters)
        for ((filter, _), code) in zip(filters.sorted(by: { $0.key < $1.key }), codes) where code == 0x80 {
            throw MQTTError.subscriptionRefused(filter)
        }
    }

    public func run() async throws {
        await runUntilShutdown()
    }

    func runUntilShutdown() async {
        await cancelWhenGracefulShutdown {
            var delay = Duration.milliseconds(200)
            while !Task.isCancelled {
                do {
                    try await self.connectOnce { delay = .milliseconds(200) }
                } catch is CancellationError {
                    break
                } catch {
                    self.logger.warning("MQTT connection lost", metadata: ["broker": "\(self.configuration.host):\(self.configuration.port)", "error": "\(error)"])
                }
                await self.session.dropped()
                guard !Task.isCancelled else { break }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(30))
            }
            await self.session.dropped()
        }
    }

    /// One connection, from CONNECT to its end.
    func connectOnce(connected: () -> Void) async throws {
        let maxSize = configuration.maxPacketSize
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)  // acknowledgements and answers are small: never held back by Nagle
            .connectTimeout(.seconds(5))
            .connect(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTDecoder(maxSize: maxSize)))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MQTTEncoder()))
                    return try NIOAsyncChannel<MQTTPacket, MQTTPacket>(wrappingChannelSynchronously: channel)
                }
            }
        // A broker that takes the connection but never answers CONNECT is left after 10 s (and
        // tried again), rather than waited for for ever.
        let unanswered = channel.channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.channel.close(promise: nil) }
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.connect(configuration.connect))
            var packets = inbound.makeAsyncIterator()
            let answer = try await packets.next()
            unanswered.cancel()
            guard case .connack(_, let code)? = answer else { throw MQTTError.malformed("the broker answered without CONNACK") }
            guard code == 0 else { throw MQTTError.refused(code) }
            connected()
            let keepAlive = Int64(configuration.connect.keepAlive)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    guard keepAlive > 0 else { return }
                    while true {
                        try await Task.sleep(for: .seconds(max(1, keepAlive / 2)))
                        try await outbound.write(.pingreq)
                    }
                }
                group.addTask { try await self.session.connected(outbound) }
                // However the connection ends, the subscriptions made again on it are told so
                // before the group waits for its tasks: an answer that never came would hold it.
                do {
                    while let packet = try await packets.next() {
                        switch packet {
                        case .publish(let message, let id, _):
                            try await handler(message)
                            if let id { try await outbound.write(.puback(id)) }
                        case .puback(let id): await session.acknowledged(id)
                        case .suback(let id, let codes): await session.subscribed(id, codes)
                        default: break
                        }
                    }
                } catch {
                    await session.dropped()
                    throw error
                }
                await session.dropped()
                group.cancelAll()
            }
        }
    }

    /// What outlives a connection: the subscriptions to make again, the messages in flight, the
    /// packet ids.
    actor Session {
        var writer: NIOAsyncChannelOutboundWriter<MQTTPacket>?
        var isReady = false
        var lastID: UInt16 = 0
        var filters: [String: MQTTQoS] = [:]
        var acks: [UInt16: CheckedContinuation<Void, any Error>] = [:]
        var subacks: [UInt16: CheckedContinuation<[UInt8], any Error>] = [:]

        func nextID() -> UInt16 {
            repeat { lastID = lastID &+ 1 } while lastID == 0 || acks[lastID] != nil || subacks[lastID] != nil
            return lastID
        }

        /// A new connection: the subscriptions again, then ready.
        func connected(_ writer: NIOAsyncChannelOutboundWriter<MQTTPacket>) async throws {
            self.writer = writer
            if !filters.isEmpty { _ = try await send(filters) }
            isReady = true
        }

        func dropped() {
            writer = nil
            isReady = false
            for (_, waiting) in acks { waiting.resume(throwing: MQTTError.connectionClosed) }
            for (_, waiting) in subacks { waiting.resume(throwing: MQTTError.connectionClosed) }
            acks = [:]
            subacks = [:]
        }

        func publish(_ message: MQTTMessage) async throws {
            guard let writer else { throw MQTTError.connectionClosed }
            guard message.qos == .atLeastOnce else {
                do { try await writer.write(.publish(message, packetID: nil, duplicate: false)) } catch { throw MQTTError.connectionClosed }
                return
            }
            let id = nextID()
            try await withCheckedThrowingContinuation { (waiting: CheckedContinuation<Void, any Error>) in
                acks[id] = waiting
                Task { await self.write(.publish(message, packetID: id, duplicate: false), failing: id) }
            }
        }

        func subscribe(_ more: [String: MQTTQoS]) async throws -> [UInt8] {
            filters.merge(more) { _, new in new }
            guard writer != nil else { return [] }  // made when the connection comes back
            return try await send(more)
        }

        func send(_ wanted: [String: MQTTQoS]) async throws -> [UInt8] {
            let id = nextID()
            return try await withCheckedThrowingContinuation { (waiting: CheckedContinuation<[UInt8], any Error>) in
                subacks[id] = waiting
                Task { await self.write(.subscribe(id, wanted), failing: id) }
            }
        }

        /// Writes a packet whose answer someone waits for; a connection that is gone (even one
        /// not yet noticed as gone) fails the waiter with `connectionClosed`.
        func write(_ packet: MQTTPacket, failing id: UInt16) async {
            do {
                guard let writer else { throw MQTTError.connectionClosed }
                try await writer.write(packet)
            } catch {
                acks.removeValue(forKey: id)?.resume(throwing: MQTTError.connectionClosed)
                subacks.removeValue(forKey: id)?.resume(throwing: MQTTError.connectionClosed)
            }
        }

        func acknowledged(_ id: UInt16) { acks.removeValue(forKey: id)?.resume() }
        func subscribed(_ id: UInt16, _ codes: [UInt8]) { subacks.removeValue(forKey: id)?.resume(returning: codes) }
    }
}

struct MQTTDecoder: ByteToMessageDecoder {
    typealias InboundOut = MQTTPacket
    let maxSize: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: min(5, buffer.readableBytes)),
            let total = try MQTTPacket.frameLength(header[...], maxSize: maxSize), buffer.readableBytes >= total,
            let bytes = buffer.readBytes(length: total)
        else { return .needMoreData }
        guard let (packet, _) = try MQTTPacket.decode(bytes[...], maxSize: maxSize) else { throw MQTTError.malformed("incomplete packet") }
        context.fireChannelRead(wrapInboundOut(packet))
        return .continue
    }
}

struct MQTTEncoder: MessageToByteEncoder {
    typealias OutboundIn = MQTTPacket

    func encode(data: MQTTPacket, out: inout ByteBuffer) throws {
        var bytes: [UInt8] = []
        data.encode(into: &bytes)
        out.writeBytes(bytes)
    }
}
