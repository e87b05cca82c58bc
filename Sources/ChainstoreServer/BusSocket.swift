import ChainstoreCore
import ChainstoreDB
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// Odoo 17's bus WebSocket, `GET /websocket` on nodes with the `bus` role. The upgrade request
/// signs in as the JSON APIs do (the web session cookie, as Odoo's client sends, or HTTP Basic);
/// then the client sends `{"event_name":"subscribe","data":{"channels":[…],"last":N}}` and
/// receives frames `[{"id":…,"message":{"type":…,"payload":…}}, …]`: first what it missed after
/// `last` (or `bus/resync` when that is no longer kept), then what commits. Channels are
/// granted by `Bus.allowedChannels`; others are dropped. Messages over 1 MiB close the socket
/// with 1009, malformed events with 1003, more than 10 events in a burst (one more every 0.2 s)
/// or a client that cannot keep up with 1013.
public enum BusSocket {
    public static let maxMessageBytes = 1 << 20

    /// The HTTP/1 server, upgrading `/websocket` to the bus when `node` has the `bus` role.
    public static func server(node: NodeContext?) -> HTTPServerBuilder {
        guard let node, node.roles.contains(.bus) else { return .http1() }
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            ws: .init(maxFrameSize: maxMessageBytes, autoPing: .enabled(timePeriod: .seconds(45)), closeTimeout: .seconds(15)))
        return .http1WebSocketUpgrade(configuration: configuration) { request, channel, logger in
            guard request.path?.split(separator: "?", maxSplits: 1).first == "/websocket" else { return .dontUpgrade }
            var headers: [String: String] = [:]
            for field in request.headerFields { headers[field.name.canonicalName] = field.value }
            let query = Dictionary(
                (URLComponents(string: request.path ?? "")?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
            let client = Client(address: channel.remoteAddress?.ipAddress ?? Client.unknownAddress, host: request.authority, logger: logger)
            // Without valid credentials the socket is closed at once with 1008 (a refused upgrade
            // could only answer 400); a plain `GET /websocket` answers 401.
            guard let caller = try? await EndpointAdapter.signIn(headers: headers, query: query, client: client, node: node),
                (try? await caller.environment()) != nil
            else {
                return .upgrade([:]) { _, outbound, _ in try await outbound.close(.policyViolation, reason: "sign in first") }
            }
            return .upgrade([:]) { inbound, outbound, _ in
                await Connection(node: node, caller: caller, outbound: outbound, logger: logger).serve(inbound)
            }
        }
    }

    /// One client's socket.
    final class Connection: Sendable {
        let node: NodeContext
        let caller: CallerSession
        let outbound: WebSocketOutboundWriter
        let logger: Logger
        /// Ids sent lately (the backlog and the live feed can overlap): at most 1,000 kept.
        let sent = Mutex<(ids: Set<Int64>, order: [Int64])>(([], []))

        init(node: NodeContext, caller: CallerSession, outbound: WebSocketOutboundWriter, logger: Logger) {
            self.node = node
            self.caller = caller
            self.outbound = outbound
            self.logger = logger
        }

        func serve(_ inbound: WebSocketInboundStream) async {
            var feed: (subscription: BusDispatcher.Subscription, task: Task<Void, Never>)?
            // Every socket ends after an hour and up to half an hour more at random, as Odoo's
            // do (4002, keep-alive timeout): clients reconnect spread out, and load rebalances
            // across nodes after a deploy.
            let lifetime = Task { [outbound] in
                try? await Task.sleep(for: .seconds(3600 + Int.random(in: 0...1800)))
                if !Task.isCancelled { try? await outbound.close(.unknown(4002), reason: "keep-alive timeout") }
            }
            defer {
                lifetime.cancel()
                if let feed {
                    feed.task.cancel()
                    node.bus.cancel(feed.subscription)
                }
            }
            var tokens = 10.0, refilled = ContinuousClock.now
            do {
                for try await message in inbound.messages(maxSize: BusSocket.maxMessageBytes) {
                    let now = ContinuousClock.now
                    let elapsed = now - refilled
                    tokens = min(10, tokens + 5 * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
                    refilled = now
                    guard tokens >= 1 else { return try await outbound.close(.unknown(1013), reason: "too many messages") }
                    tokens -= 1
                    guard case .text(let text) = message, let event = try? JSONReader.parse(Array(text.utf8)),
                        case .string(let name)? = event.dictValue?["event_name"]
                    else { return try await outbound.close(.unacceptableData, reason: "events are JSON objects with an event_name") }
                    guard name == "subscribe" else { continue }  // update_presence and the like: nothing to do here
                    let data = event.dictValue?["data"]?.dictValue ?? [:]
                    var channels: [String] = []
                    for channel in data["channels"]?.arrayValue ?? [] {
                        guard case .string(let text) = channel else {
                            return try await outbound.close(.unacceptableData, reason: "channels are strings")
                        }
                        channels.append(text)
                    }
                    let last = max(0, data["last"]?.intValue ?? 0)
                    if let feed {
                        feed.task.cancel()
                        node.bus.cancel(feed.subscription)
                    }
                    feed = try await subscribe(channels, last: last)
                }
            } catch {
                logger.debug("bus socket closed", metadata: ["error": "\(error)"])
            }
        }

        /// Grants the channels, starts the live feed, then sends what the client missed.
        func subscribe(_ requested: [String], last: Int64) async throws -> (BusDispatcher.Subscription, Task<Void, Never>) {
            let database = caller.database
            let (allowed, beyond) = try await caller.run { store in
                let (allowed, refused) = try await Bus.allowedChannels(store, database: database.name, requested: requested + ["broadcast"])
                if !refused.isEmpty { store.env.logger.notice("bus channels refused", metadata: ["channels": "\(refused)"]) }
                return (allowed, try await Bus.isBeyondRetention(store.tx, last: last))
            }
            // Live rows wait in the subscription's buffer until what the client missed has gone
            // out: a live row sent first would move the client's `last` past rows it has not had
            // yet, and a reconnection then (its node dying) would skip them.
            let subscription = node.bus.subscribe(database, channels: Set(allowed))
            await node.bus.ready(subscription)
            do {
                if beyond {
                    try await outbound.writeTextMessage(#"[{"id":0,"message":{"type":"bus/resync","payload":{}}}]"#)
                } else {
                    let missed = try await database.withoutTransaction(logger: logger) { tx in
                        try await Bus.backlog(tx, channels: allowed, last: last)
                    }
                    try await send(missed)
                }
            } catch {
                node.bus.cancel(subscription)
                throw error
            }
            let task = Task {
                for await batch in subscription.rows {
                    do { try await send(batch) } catch { break }
                }
                if subscription.overflowed.load(ordering: .relaxed) {
                    try? await outbound.close(.unknown(1013), reason: "the client does not keep up")
                }
            }
            return (subscription, task)
        }

        /// One frame with the rows not sent yet.
        func send(_ rows: [Bus.Row]) async throws {
            let fresh = sent.withLock { sent -> [Bus.Row] in
                let fresh = rows.filter { sent.ids.insert($0.id).inserted }
                sent.order += fresh.map(\.id)
                if sent.order.count > 1000 {
                    for id in sent.order.prefix(sent.order.count - 1000) { sent.ids.remove(id) }
                    sent.order.removeFirst(sent.order.count - 1000)
                }
                return fresh
            }
            guard !fresh.isEmpty else { return }
            try await outbound.writeTextMessage("[" + fresh.map(\.json).joined(separator: ",") + "]")
        }
    }
}
