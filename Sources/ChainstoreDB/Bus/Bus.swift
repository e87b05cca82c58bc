import ChainstoreCore
import Foundation
import Logging
import PostgresNIO

/// Real-time notifications, as Odoo's `bus.bus`: a notification is a row written in the
/// transaction of the change that causes it, so it exists exactly when the change does, and a
/// `NOTIFY cs_bus` in the same transaction wakes every bus node at commit (PostgreSQL delivers
/// it only then). The notice carries nothing: nodes read the table (`BusDispatcher`).
public enum Bus {
    /// The NOTIFY channel that wakes bus nodes.
    public static let wakeUp = "cs_bus"
    /// The largest message (type and payload as JSON); larger data is sent as a reference.
    public static let maxMessageBytes = 256 << 10

    /// Odoo's channel of a record: `["db","pos.config",42]`, or `["db","stock.warehouse",7,"pick"]`.
    public static func channel(_ database: String, _ model: String, _ id: Int64, _ suffix: String? = nil) -> String {
        var json = JSONWriter()
        json.value(.array([.string(database), .string(model), .int(id)] + (suffix.map { [.string($0)] } ?? [])))
        return json.text
    }

    /// Odoo's named channel: `["db","broadcast"]`.
    public static func channel(_ database: String, _ name: String) -> String {
        var json = JSONWriter()
        json.value(.array([.string(database), .string(name)]))
        return json.text
    }

    /// One notification to send: where, what kind (`pos.order/synced`), what.
    public struct Notification: Sendable {
        public let channel: String
        public let type: String
        public let payload: Value
        public init(channel: String, type: String, payload: Value) {
            self.channel = channel
            self.type = type
            self.payload = payload
        }
    }

    /// Writes `notifications` in `tx` (delivered if and when it commits) and wakes the bus nodes.
    public static func send(_ tx: Transaction, _ notifications: [Notification], uid: Int64? = nil) async throws {
        guard !notifications.isEmpty else { return }
        var messages: [String] = []
        for notification in notifications {
            var json = JSONWriter()
            json.value(.dict(["type": .string(notification.type), "payload": notification.payload]))
            guard json.bytes.count <= maxMessageBytes else {
                throw ChainstoreError.valueError("A bus message may hold at most \(maxMessageBytes) bytes; send a reference to the record instead")
            }
            messages.append(json.text)
        }
        var sql = SQLBuilder("INSERT INTO bus_bus (channel, message, create_uid) SELECT c, m, ")
        sql.bind(uid.map(SQLBind.int) ?? .null, cast: "bigint")
        sql += " FROM "
        sql.appendUnnest([(.textArray(notifications.map(\.channel)), "text[]"), (.textArray(messages), "text[]")], as: "n(c, m)")
        try await tx.query(sql)
        try await tx.query(SQLBuilder("SELECT pg_notify('\(unsafeRaw: wakeUp)', '')"))
    }

    /// A notification as clients receive it: `{"id": …, "message": {"type": …, "payload": …}}`
    /// (`message` is the stored JSON text, sent as is).
    public struct Row: Sendable, Equatable {
        public let id: Int64
        public let channel: String
        public let message: String

        /// The frame element, JSON.
        public var json: String { #"{"id":"# + String(id) + #","message":"# + message + "}" }
    }

    /// Rows of `channels` after `last`, the id a client saw last (with 0, the last minute).
    public static func backlog(_ tx: Transaction, channels: [String], last: Int64) async throws -> [Row] {
        var sql: SQLBuilder = "SELECT b.id, b.channel, b.message FROM bus_bus b WHERE b.channel = ANY(\(channels)) AND "
        if last > 0 {
            sql += "b.id > \(last)" as SQLBuilder
        } else {
            sql += "b.create_date >= now() - interval '1 minute'"
        }
        sql += " ORDER BY b.id LIMIT 10000"
        return try await tx.query(sql).map { row in
            let (id, channel, message) = try row.decode((Int64, String, String).self)
            return Row(id: id, channel: channel, message: message)
        }
    }

    /// Whether rows after `last` were already purged (the client must reload its state).
    public static func isBeyondRetention(_ tx: Transaction, last: Int64) async throws -> Bool {
        guard last > 0 else { return false }
        return try await tx.query("SELECT coalesce(min(id), 0) > \(last) + 1 FROM bus_bus")[0].decode(Bool.self)
    }

    /// Drops notifications older than `retention` (a day by default); run by the cron role.
    @discardableResult
    public static func purge(_ database: Database, retention: Duration = .seconds(86_400), logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { tx in
            let sql: SQLBuilder = "WITH d AS (DELETE FROM bus_bus WHERE create_date < now() - \(Double(retention.components.seconds)) * interval '1 second' RETURNING 1) SELECT count(*)::bigint FROM d"
            return Int(try await tx.query(sql)[0].decode(Int64.self))
        }
    }
}

extension Bus {
    /// The channels among `requested` the caller may hear, in Odoo's form: `broadcast` (given as
    /// a plain name or `["db","broadcast"]`), a module's named channel (`["db","family/name"]`)
    /// when the module's `BusChannel` authorises the caller, and a record's channels
    /// (`["db",model,id(,suffix)]`) when the caller may read that record — access rights and
    /// record rules, as RPC `read`.
    /// Anything else (another database, an unknown name or model, a record out of reach) is
    /// refused; a till cannot hear another store's channel.
    public static func allowedChannels(_ store: RecordStore, database: String, requested: [String]) async throws -> (allowed: [String], refused: [String]) {
        var allowed: [String] = [], refused: [String] = []
        var records: [String: [(id: Int64, channel: String)]] = [:]
        for text in requested.prefix(1000) {
            if text == "broadcast" {
                allowed.append(channel(database, "broadcast"))
                continue
            }
            guard text.utf8.count <= 512, let parsed = try? JSONReader.parse(Array(text.utf8)), case .array(var parts) = parsed else {
                refused.append(text)
                continue
            }
            // A record's channel may leave out the database (`["payment.transaction",42]`): the
            // caller's own is meant, as in a browser page that does not know its name.
            if case .string(let model)? = parts.first, store.registry.models[model] != nil, parts.count >= 2, case .int = parts[1] {
                parts.insert(.string(database), at: 0)
            }
            guard parts.first == .string(database) else { refused.append(text); continue }
            switch parts.count {
            case 2 where parts[1] == .string("broadcast"):
                allowed.append(channel(database, "broadcast"))
            case 2:
                // A module's named family (`payment.display/<till>`), authorised by the module.
                guard case .string(let name) = parts[1],
                    store.registry.channels.contains(where: { name.hasPrefix($0.prefix + "/") && $0.authorize(store.env, name) })
                else { refused.append(text); continue }
                allowed.append(channel(database, name))
            case 3, 4:
                guard case .string(let model) = parts[1], case .int(let id) = parts[2], store.registry.models[model] != nil,
                    parts.count == 3 || parts[3].stringValue != nil
                else { refused.append(text); continue }
                records[model, default: []].append((id, channel(database, model, id, parts.count == 4 ? parts[3].stringValue : nil)))
            default:
                refused.append(text)
            }
        }
        for (model, wanted) in records {
            do {
                let readable = Set(try await store.search(model, domain: .leaf(path: ["id"], op: .in, value: .array(wanted.map { .int($0.id) }))))
                for (id, channel) in wanted { if readable.contains(id) { allowed.append(channel) } else { refused.append(channel) } }
            } catch let error as ChainstoreError where error.code == .accessError {
                refused += wanted.map(\.channel)
            }
        }
        return (Array(Set(allowed)).sorted(), refused)
    }
}
