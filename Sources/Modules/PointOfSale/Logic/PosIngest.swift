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
    /// as Odoo keeps it), paid when the payments cover the total; with their audit rows. One
    /// statement: the till's whole sale is one round trip.
    static func create(
        _ store: RecordStore, data: OrderedDictionary<String, Value>, session: Int64, late: Bool, config: Int64, key: String, uid: String?,
        reference: String?, digest: String, draft: Bool
    ) async throws -> Int64 {
        for model in ["pos.order", "pos.order.line", "pos.payment"] { try await store.checkAccess(try store.model(model), .create) }
        let methods = try await store.tx.query("""
            SELECT m.id, m.type = 'cash' FROM pos_config_pos_payment_method_rel r JOIN pos_payment_method m ON m.id = r.pos_payment_method_id
            WHERE r.pos_config_id = \(config) AND m.active ORDER BY m.sequence, m.id
            """).map { try $0.decode((Int64, Bool).self) }
        func number(_ value: Value?) -> String? {
            switch value {
            case .int(let i)?: String(i)
            case .double(let d)? where d.isFinite: String(d)
            case .string(let s)? where Decimal(string: s) != nil: s
            default: nil
            }
        }
        var lineColumns: (product: [Int64], name: [String], qty: [String], price: [String], discount: [String], sub: [String], incl: [String],
                          uuid: [String], refunded: [String]) = ([], [], [], [], [], [], [], [], [])
        for command in data["lines"]?.arrayValue ?? [] {
            guard let line = command.arrayValue?.last?.dictValue, let product = line["product_id"]?.intValue else {
                throw ChainstoreError.valueError("Each line names a product_id")
            }
            lineColumns.product.append(product)
            lineColumns.name.append(line["full_product_name"]?.stringValue ?? "")
            lineColumns.qty.append(number(line["qty"]) ?? "1")
            lineColumns.price.append(number(line["price_unit"]) ?? "0")
            lineColumns.discount.append(number(line["discount"]) ?? "0")
            lineColumns.sub.append(number(line["price_subtotal"]) ?? "0")
            lineColumns.incl.append(number(line["price_subtotal_incl"]) ?? "0")
            lineColumns.uuid.append(line["uuid"]?.stringValue ?? "")
            lineColumns.refunded.append(line["refunded_orderline_id"]?.intValue.map(String.init) ?? "")
        }
        var payColumns: (method: [Int64], amount: [String], name: [String], change: [Bool], card: [String], transaction: [String], status: [String]) =
            ([], [], [], [], [], [], [])
        var paid = Decimal(0)
        for command in data["statement_ids"]?.arrayValue ?? [] {
            guard let payment = command.arrayValue?.last?.dictValue, let method = payment["payment_method_id"]?.intValue,
                let amount = number(payment["amount"]), let value = Decimal(string: amount)
            else { throw ChainstoreError.valueError("Each payment names a payment_method_id and an amount") }
            guard methods.contains(where: { $0.0 == method }) else { throw ChainstoreError.valueError("Payment method \(method) is not one of this till's") }
            payColumns.method.append(method)
            payColumns.amount.append(amount)
            payColumns.name.append(payment["name"]?.stringValue ?? "")
            payColumns.change.append(false)
            payColumns.card.append(payment["card_type"]?.stringValue ?? "")
            payColumns.transaction.append(payment["transaction_id"]?.stringValue ?? "")
            payColumns.status.append(payment["payment_status"]?.stringValue ?? "")
            paid += value
        }
        let change = Decimal(string: number(data["amount_return"]) ?? "0") ?? 0
        if change > 0 {
            guard let cash = methods.first(where: { $0.1 })?.0 else { throw ChainstoreError.userError("This till takes no cash: it cannot give change") }
            payColumns.method.append(cash)
            payColumns.amount.append("\(-change)")
            payColumns.name.append("return")
            payColumns.change.append(true)
            payColumns.card.append("")
            payColumns.transaction.append("")
            payColumns.status.append("")
            paid -= change
        }
        let total = Decimal(string: number(data["amount_total"]) ?? "0") ?? 0
        let settled = !draft && abs(NSDecimalNumber(decimal: paid - total).doubleValue) < 0.005
        let actor = store.env.uid
        let date = data["date_order"]?.stringValue ?? data["creation_date"]?.stringValue
        var sql: SQLBuilder = """
            WITH o AS (
                INSERT INTO pos_order (session_id, company_id, config_id, currency_id, access_token, content_hash, late_receipt, uid, pos_reference,
                    user_id, partner_id, pricelist_id, date_order, sequence_number, note, amount_total, amount_tax, amount_paid, amount_return, state,
                    create_uid, create_date, write_uid, write_date)
                SELECT s.id, s.company_id, s.config_id, s.currency_id, \(key), \(digest), \(late), \(uid), \(reference),
                    \(data["user_id"]?.intValue), \(data["partner_id"]?.intValue), \(data["pricelist_id"]?.intValue),
                    coalesce(\(date)::timestamptz, now()), \(data["sequence_number"]?.intValue), \(data["note"]?.stringValue),
                    \(total), \(Decimal(string: number(data["amount_tax"]) ?? "0") ?? 0), \(paid), \(change), \(settled ? "paid" : "draft"),
                    \(actor), now(), \(actor), now()
                FROM pos_session s WHERE s.id = \(session)
                RETURNING *),
            l AS (
                INSERT INTO pos_order_line (order_id, product_id, full_product_name, qty, price_unit, discount, price_subtotal, price_subtotal_incl,
                    uuid, refunded_orderline_id, company_id, create_uid, create_date, write_uid, write_date)
                SELECT o.id, x.product, NULLIF(x.name, ''), x.qty, x.price, x.discount, x.sub, x.incl, NULLIF(x.uuid, ''),
                    NULLIF(x.refunded, '')::bigint, o.company_id, \(actor), now(), \(actor), now()
                FROM o,
            """
        sql.appendUnnest([
            (.intArray(lineColumns.product), "bigint[]"), (.textArray(lineColumns.name), "text[]"), (.textArray(lineColumns.qty), "numeric[]"),
            (.textArray(lineColumns.price), "numeric[]"), (.textArray(lineColumns.discount), "numeric[]"), (.textArray(lineColumns.sub), "numeric[]"),
            (.textArray(lineColumns.incl), "numeric[]"), (.textArray(lineColumns.uuid), "text[]"), (.textArray(lineColumns.refunded), "text[]"),
        ], as: "x(product, name, qty, price, discount, sub, incl, uuid, refunded)")
        sql += """
             RETURNING *),
            p AS (
                INSERT INTO pos_payment (pos_order_id, payment_method_id, amount, payment_date, name, is_change, card_type, transaction_id,
                    payment_status, session_id, company_id, create_uid, create_date, write_uid, write_date)
                SELECT o.id, y.method, y.amount, now(), NULLIF(y.name, ''), y.change, NULLIF(y.card, ''), NULLIF(y.tx, ''), NULLIF(y.status, ''),
                    o.session_id, o.company_id, \(actor), now(), \(actor), now()
                FROM o,
            """ as SQLBuilder
        sql.appendUnnest([
            (.intArray(payColumns.method), "bigint[]"), (.textArray(payColumns.amount), "numeric[]"), (.textArray(payColumns.name), "text[]"),
            (.textArray(payColumns.change.map { $0 ? "t" : "f" }), "boolean[]"), (.textArray(payColumns.card), "text[]"),
            (.textArray(payColumns.transaction), "text[]"), (.textArray(payColumns.status), "text[]"),
        ], as: "y(method, amount, name, change, card, tx, status)")
        sql += """
             RETURNING *),
            a AS (
                INSERT INTO audit_log (uid, model, record_id, operation, company_id, new_values)
                SELECT \(actor), 'pos.order', o.id, 'create', o.company_id, to_jsonb(o) - 'id' - 'create_uid' - 'create_date' - 'write_uid' - 'write_date' FROM o
                UNION ALL SELECT \(actor), 'pos.order.line', l.id, 'create', l.company_id,
                    to_jsonb(l) - 'id' - 'create_uid' - 'create_date' - 'write_uid' - 'write_date' FROM l
                UNION ALL SELECT \(actor), 'pos.payment', p.id, 'create', p.company_id,
                    to_jsonb(p) - 'id' - 'create_uid' - 'create_date' - 'write_uid' - 'write_date' FROM p)
            SELECT id FROM o
            """ as SQLBuilder
        guard let id = try await store.tx.query(sql).first?.decode(Int64.self) else { throw ChainstoreError.missing("Session \(session) does not exist") }
        return id
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
