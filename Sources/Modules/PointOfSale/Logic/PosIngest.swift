import ChainstoreCore
import ChainstoreDB
import Crypto
import Foundation
import OrderedCollections

/// Orders from the till, each taken exactly once: Odoo 17's `pos.order.create_from_ui(orders,
/// draft)` with its envelope (`{"id", "data": {…, "lines", "statement_ids", …}}`).
///
/// Every order has a key: the till's UUID (`order_uuid`, or Odoo 17's `access_token`; for tills
/// that send neither, the session and the receipt's `uid`). Orders with one key are serialised by
/// a transaction lock on the key; the first is stored with the digest of what was sent. The same
/// order sent again (a retry, a second tab, a resend after a lost answer, a node that died after
/// the commit) answers the stored order as a `duplicate`; other contents under a used key are
/// `rejected`, kept in `pos.order.conflict` for review, and never become a second order. Each
/// order runs under its own savepoint: one bad order never blocks the others of the batch.
enum PosIngest {
    static let methods: [ModelMethod] = [
        ModelMethod(model: "pos.order", name: "create_from_ui", receiver: .model) { call in
            guard case .array(let orders)? = call.args.first ?? call.kwargs["orders"] else {
                throw ChainstoreError.typeError("create_from_ui() takes a list of orders")
            }
            let draft = (call.args.count > 1 ? call.args[1] : call.kwargs["draft"])?.boolValue ?? false
            var results: [Value] = []
            for order in orders { results.append(try await ingest(call.store, envelope: order, draft: draft)) }
            return .array(results)
        }
    ]

    /// One order: created, a duplicate of the stored one, or rejected with the reason.
    static func ingest(_ store: RecordStore, envelope: Value, draft: Bool) async throws -> Value {
        let data = envelope.dictValue?["data"]?.dictValue ?? envelope.dictValue ?? [:]
        let digest = SHA256.hash(data: Array(canonicalJSON(.dict(data)).utf8)).hexDigits()
        let session = data["pos_session_id"]?.intValue ?? data["session_id"]?.intValue
        let uid = data["uid"]?.stringValue ?? (envelope.dictValue?["id"]?.stringValue)
        guard let session else { return rejected(nil, key: nil, "The order names no session (pos_session_id)") }
        let key = data["order_uuid"]?.stringValue ?? data["access_token"]?.stringValue ?? uid.map { "session-\(session)/\($0)" }
        guard let key, !key.isEmpty, key.utf8.count <= 100 else { return rejected(nil, key: nil, "The order has no key (order_uuid, access_token or uid)") }
        let reference = data["name"]?.stringValue ?? uid.map { "Order \($0)" }
        try await store.tx.execute("SAVEPOINT pos_ingest")
        do {
            try await store.tx.query("SELECT pg_advisory_xact_lock(hashtext('pos.order/' || \(key)))")
            let sessions = try await store.read("pos.session", ids: [session], fields: ["state", "config_id", "company_id"])
            guard let found = sessions.first, let company = found["company_id"]?.arrayValue?.first?.intValue,
                let config = found["config_id"]?.arrayValue?.first?.intValue
            else { throw ChainstoreError.missing("Session \(session) does not exist") }
            let stored = try await store.tx.query("""
                SELECT id, content_hash, pos_reference FROM pos_order WHERE company_id = \(company) AND access_token = \(key)
                """).first.map { try $0.decode((Int64, String?, String?).self) }
            if let stored {
                try await store.tx.execute("RELEASE SAVEPOINT pos_ingest")
                if stored.1 == digest {
                    return .dict(["id": .int(stored.0), "pos_reference": stored.2.map(Value.string) ?? .false, "account_move": .false,
                                  "order_uuid": .string(key), "status": "duplicate"])
                }
                try await store.tx.query("""
                    INSERT INTO pos_order_conflict (company_id, session_id, order_id, access_token, received, received_hash, stored_hash, reason,
                                                    create_uid, create_date, write_uid, write_date)
                    VALUES (\(company), \(session), \(stored.0), \(key), \(canonicalJSON(envelope)), \(digest), \(stored.1),
                            'Another order was already taken under this key', \(store.env.uid), now(), \(store.env.uid), now())
                    """)
                return rejected(stored.0, key: key, "Another order was already taken under this key; the one sent is kept for review")
            }
            let id = try await create(store, data: data, session: session, late: found["state"] != "opened", config: config, key: key,
                                      uid: uid, reference: reference, digest: digest, draft: draft)
            try await store.tx.execute("RELEASE SAVEPOINT pos_ingest")
            let state = try await store.read("pos.order", ids: [id], fields: ["state"]).first?["state"]
            return .dict(["id": .int(id), "pos_reference": reference.map(Value.string) ?? .false, "account_move": .false,
                          "order_uuid": .string(key), "status": "created", "state": state ?? .false])
        } catch let error as ChainstoreError {
            try await store.tx.execute("ROLLBACK TO SAVEPOINT pos_ingest")
            return rejected(nil, key: key, error.message)
        }
    }

    static func rejected(_ id: Int64?, key: String?, _ reason: String) -> Value {
        .dict(["id": id.map(Value.int) ?? .false, "order_uuid": key.map(Value.string) ?? .false, "status": "rejected", "error": .string(reason)])
    }

    /// The order with its lines and payments (and the change as its own negative cash payment,
    /// as Odoo keeps it), paid when the payments cover the total.
    static func create(
        _ store: RecordStore, data: OrderedDictionary<String, Value>, session: Int64, late: Bool, config: Int64, key: String, uid: String?,
        reference: String?, digest: String, draft: Bool
    ) async throws -> Int64 {
        let methods = Set(try await store.read("pos.config", ids: [config], fields: ["payment_method_ids"]).first?["payment_method_ids"]?
            .arrayValue?.compactMap(\.intValue) ?? [])
        var lines: [Value] = []
        for command in data["lines"]?.arrayValue ?? [] {
            guard let line = command.arrayValue?.last?.dictValue, let product = line["product_id"]?.intValue else {
                throw ChainstoreError.valueError("Each line names a product_id")
            }
            var values: OrderedDictionary<String, Value> = ["product_id": .int(product)]
            for field in ["full_product_name", "qty", "price_unit", "discount", "price_subtotal", "price_subtotal_incl", "uuid", "refunded_orderline_id"] {
                if let value = line[field], value != .false { values[field] = value }
            }
            lines.append(.array([.int(0), .int(0), .dict(values)]))
        }
        var payments: [Value] = []
        var paid = 0.0
        for command in data["statement_ids"]?.arrayValue ?? [] {
            guard let payment = command.arrayValue?.last?.dictValue, let method = payment["payment_method_id"]?.intValue,
                let amount = payment["amount"]?.doubleValue
            else { throw ChainstoreError.valueError("Each payment names a payment_method_id and an amount") }
            guard methods.contains(method) else { throw ChainstoreError.valueError("Payment method \(method) is not one of this till's") }
            var values: OrderedDictionary<String, Value> = ["payment_method_id": .int(method), "amount": .double(amount)]
            for field in ["name", "card_type", "transaction_id", "payment_status"] {
                if let value = payment[field], value != .false, value != "" { values[field] = value }
            }
            payments.append(.array([.int(0), .int(0), .dict(values)]))
            paid += amount
        }
        let change = data["amount_return"]?.doubleValue ?? 0
        if change > 0 {
            let cash = try await store.search("pos.payment.method", domain: .and([
                .leaf("id", .in, .array(methods.map(Value.int))), .leaf("type", .equal, "cash"),
            ]), limit: 1)
            guard let cash = cash.first else { throw ChainstoreError.userError("This till takes no cash: it cannot give change") }
            payments.append(.array([.int(0), .int(0), .dict(["payment_method_id": .int(cash), "amount": .double(-change), "is_change": true, "name": "return"])]))
            paid -= change
        }
        let total = data["amount_total"]?.doubleValue ?? 0
        let settled = !draft && abs(paid - total) < 0.005
        var order: OrderedDictionary<String, Value> = [
            "session_id": .int(session), "access_token": .string(key), "content_hash": .string(digest), "late_receipt": .bool(late),
            "amount_total": .double(total), "amount_tax": data["amount_tax"] ?? .int(0), "amount_paid": .double(paid),
            "amount_return": .double(change), "state": settled ? "paid" : "draft", "lines": .array(lines), "payment_ids": .array(payments),
        ]
        if let uid { order["uid"] = .string(uid) }
        if let reference { order["pos_reference"] = .string(reference) }
        for field in ["user_id", "partner_id", "pricelist_id", "date_order", "sequence_number", "note"] {
            if let value = data[field], value != .false { order[field] = value }
        }
        if order["date_order"] == nil, let creation = data["creation_date"] { order["date_order"] = creation }
        return try await store.create("pos.order", [order])[0]
    }

    /// `value` as JSON with every object's keys sorted: one text for one content, whatever order
    /// the till wrote its keys in.
    static func canonicalJSON(_ value: Value) -> String {
        func sorted(_ value: Value) -> Value {
            switch value {
            case .dict(let fields):
                return .dict(OrderedDictionary(uniqueKeysWithValues: fields.sorted { $0.key < $1.key }.map { ($0.key, sorted($0.value)) }))
            case .array(let items): return .array(items.map(sorted))
            default: return value
            }
        }
        var json = JSONWriter()
        json.value(sorted(value))
        return json.text
    }
}
