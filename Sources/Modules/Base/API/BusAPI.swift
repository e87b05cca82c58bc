import ChainstoreCore
import ChainstoreDB
import Foundation

/// The bus for clients that cannot hold a WebSocket, with Odoo's routes and shapes (role `bus`):
/// - `POST /websocket/peek_notifications` (JSON-RPC `{channels, last, is_first_poll}`) →
///   `{"channels": [the ones granted], "notifications": [{"id", "message": {"type", "payload"}}]}`
/// - `POST /longpolling/poll` (JSON-RPC `{channels, last}`) → the notifications after `last`,
///   held up to 50 s (or `timeout` seconds) until there is one.
/// - `GET /websocket/health` → `{"status": "pass"}`.
enum BusAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.get, "/websocket/health", role: .bus, access: .anyone) { _ in .json(.dict(["status": .string("pass")])) },
        // Reached only when the request was not upgraded: signed in (else 401) but no upgrade asked.
        Endpoint(.get, "/websocket", role: .bus) { _ in throw ChainstoreError.valueError("/websocket expects a WebSocket upgrade") },
        Endpoint(.post, "/websocket/peek_notifications", role: .bus, maxBodyBytes: 1 << 20, handler: peek),
        Endpoint(.post, "/longpolling/poll", role: .bus, maxBodyBytes: 1 << 20, handler: poll),
    ]

    /// The JSON-RPC call's `params.channels` and `params.last`, and the request's `id`.
    struct Call {
        let id: Value
        let channels: [String]
        let last: Int64
        let params: Value
    }

    static func call(_ request: EndpointRequest) throws -> Call {
        guard let body = try? JSONReader.parse(request.body), case .dict(let envelope) = body else {
            throw ChainstoreError.valueError("The body must be a JSON-RPC object")
        }
        let params = envelope["params"] ?? .dict([:])
        guard case .dict(let fields) = params else { throw ChainstoreError.valueError("params must be an object") }
        var channels: [String] = []
        if case .array(let given)? = fields["channels"] {
            for channel in given {
                guard case .string(let name) = channel else { throw ChainstoreError.valueError("channels must be strings") }
                channels.append(name)
            }
        }
        let last = fields["last"]?.intValue ?? 0
        guard last >= 0 else { throw ChainstoreError.valueError("last must be a notification id") }
        return Call(id: envelope["id"] ?? .null, channels: channels, last: last, params: params)
    }

    static func answer(_ call: Call, _ result: Value) -> EndpointResponse {
        .json(.dict(["jsonrpc": .string("2.0"), "id": call.id, "result": result]))
    }

    static func notifications(_ rows: [Bus.Row]) throws -> Value {
        .array(try rows.map { row in
            guard let message = try? JSONReader.parse(Array(row.message.utf8)) else { throw ChainstoreError(.internalError, "A bus message is not JSON") }
            return .dict(["id": .int(row.id), "message": message])
        })
    }

    static func peek(_ request: EndpointRequest) async throws -> EndpointResponse {
        let call = try call(request)
        let caller = try request.signedIn()
        let database = caller.database.name
        let (allowed, rows) = try await caller.run { store in
            let (allowed, refused) = try await Bus.allowedChannels(store, database: database, requested: call.channels + ["broadcast"])
            if !refused.isEmpty { store.env.logger.notice("bus channels refused", metadata: ["channels": "\(refused)"]) }
            return (allowed, try await Bus.backlog(store.tx, channels: allowed, last: call.last))
        }
        return answer(call, .dict(["channels": .array(allowed.map(Value.string)), "notifications": try notifications(rows)]))
    }

    static func poll(_ request: EndpointRequest) async throws -> EndpointResponse {
        let call = try call(request)
        let caller = try request.signedIn()
        let database = caller.database
        let wait = Duration.seconds(min(max(call.params.dictValue?["timeout"]?.doubleValue ?? 50, 0), 50))
        let allowed = try await caller.run { store in
            try await Bus.allowedChannels(store, database: database.name, requested: call.channels + ["broadcast"]).allowed
        }
        // Listening before looking back: a row committed in between is in one or the other.
        let subscription = request.node.bus.subscribe(database, channels: Set(allowed))
        defer { request.node.bus.cancel(subscription) }
        await request.node.bus.ready(subscription)
        let missed = try await database.withoutTransaction(logger: request.client.logger) { tx in
            try await Bus.backlog(tx, channels: allowed, last: call.last)
        }
        if !missed.isEmpty { return answer(call, try notifications(missed)) }
        let rows = await withTaskGroup(of: [Bus.Row].self) { group in
            group.addTask {
                for await batch in subscription.rows {
                    let fresh = batch.filter { $0.id > call.last }
                    if !fresh.isEmpty { return fresh }
                }
                return []
            }
            group.addTask {
                try? await Task.sleep(for: wait)
                return []
            }
            let first = await group.next() ?? []
            group.cancelAll()
            return first
        }
        return answer(call, try notifications(rows))
    }
}
