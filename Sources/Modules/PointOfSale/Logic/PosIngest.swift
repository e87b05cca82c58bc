import ChainstoreCore
import ChainstoreDB
import Crypto
import Foundation
import OrderedCollections
import Payment
import Product
import Stock

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
            guard case .array(let orders)? = call.argument(0, "orders") else {
                throw ChainstoreError.typeError("create_from_ui() takes a list of orders")
            }
            let draft = call.argument(1, "draft")?.boolValue ?? false
            return .array(try await ingest(call.store, orders: orders, draft: draft))
        }
    ]

    /// A batch of orders, one answer each (`create_from_ui` and the till's `POST /api/v1/pos/orders`).
    static func ingest(_ store: RecordStore, orders: [Value], draft: Bool) async throws -> [Value] {
        var results: [Value] = []
        // A batch's orders come from one till or a few: each till is read once per batch.
        var tills: [Int64: Till] = [:]
        for order in orders { results.append(try await ingest(store, envelope: order, draft: draft, tills: &tills)) }
        return results
    }

    /// One order: created, a duplicate of the stored one, or rejected with the reason. An order
    /// created leaves its savepoint open (the next order's nests in it, the commit ends them
    /// all): releasing it would be one more round trip for nothing a rollback needs.
    static func ingest(_ store: RecordStore, envelope: Value, draft: Bool, tills: inout [Int64: Till]) async throws -> Value {
        let data = envelope.dictValue?["data"]?.dictValue ?? envelope.dictValue ?? [:]
        let digest = SHA256.hash(data: Array(Value.dict(data).canonicalJSON.utf8)).hexDigits()
        let session = data["pos_session_id"]?.intValue ?? data["session_id"]?.intValue
        let uid = data["uid"]?.stringValue ?? (envelope.dictValue?["id"]?.stringValue)
        guard let session else { return rejected(nil, key: nil, "The order names no session (pos_session_id)") }
        let key = data["order_uuid"]?.stringValue ?? data["access_token"]?.stringValue ?? uid.map { "session-\(session)/\($0)" }
        guard let key, !key.isEmpty, key.utf8.count <= 100 else { return rejected(nil, key: nil, "The order has no key (order_uuid, access_token or uid)") }
        let reference = data["name"]?.stringValue ?? uid.map { "Order \($0)" }
        try await store.tx.execute("SAVEPOINT pos_ingest")
        var company: Int64?
        do {
            // The statements of a sale are the same every time: planning them again for each
            // order's values (PostgreSQL's custom plans) cost more than running them. (Set with
            // the lock, for the rest of the transaction: a rolled-back order's is set again.)
            try await store.tx.query("""
                SELECT pg_advisory_xact_lock(hashtext('pos.order/' || \(key))), set_config('plan_cache_mode', 'force_generic_plan', true)
                """)
            let found = try await sessionAndStored(store, session: session, key: key)
            let config = found.config
            let till: Till
            if let known = tills[config] {
                till = known
            } else {
                till = try await Self.till(store, config: config)
                tills[config] = till
            }
            company = till.company
            if let stored = found.stored {
                try await store.tx.execute("RELEASE SAVEPOINT pos_ingest")
                if stored.digest == digest {
                    return .dict(["id": .int(stored.id), "pos_reference": stored.reference.map(Value.string) ?? .false, "account_move": .false,
                                  "order_uuid": .string(key), "status": "duplicate"])
                }
                let reason = "Another order was already taken under this key; the one sent is kept for review"
                try await keep(store, envelope: envelope, company: till.company, session: session, order: stored.id, key: key, digest: digest,
                               stored: stored.digest, reason: reason)
                return rejected(stored.id, key: key, reason)
            }
            let order = try await create(store, data: data, session: session, late: found.state != "opened", till: till, key: key,
                                         uid: uid, reference: reference, digest: digest, draft: draft)
            return .dict(["id": .int(order.id), "name": .string(order.name), "pos_reference": reference.map(Value.string) ?? .false,
                          "account_move": .false, "order_uuid": .string(key), "status": "created", "state": .string(order.state)])
        } catch let error as ChainstoreError {
            try await store.tx.execute("ROLLBACK TO SAVEPOINT pos_ingest")
            try await store.tx.execute("RELEASE SAVEPOINT pos_ingest")
            // A deadlock or serialization failure: the whole call is run again, not this order refused.
            if error.code == .concurrency { throw error }
            // Refused by a rule of the sale (a price, a discount, a refund, the payments): kept as
            // sent for review, once per content.
            if let company, [.userError, .accessError, .valueError, .validationError].contains(error.code) {
                try await keep(store, envelope: envelope, company: company, session: session, order: nil, key: key, digest: digest, stored: nil,
                               reason: error.message)
            }
            return rejected(nil, key: key, error.message)
        }
    }

    /// The session (read under the caller's rules, as `read` would), its till, and the order
    /// already stored under `key` for the till's company: one statement, once the key is locked.
    static func sessionAndStored(
        _ store: RecordStore, session: Int64, key: String
    ) async throws -> (state: String, config: Int64, stored: (id: Int64, digest: String?, reference: String?)?) {
        let sessions = try store.model("pos.session")
        try await store.checkAccess(sessions, .read)
        var sql = SQLBuilder("SELECT t.state, t.config_id, ")
        try store.appendRules(sessions, .read, alias: "t", into: &sql)
        sql += """
            , o.id, o.content_hash, o.pos_reference FROM pos_session t
            LEFT JOIN pos_config c ON c.id = t.config_id
            LEFT JOIN pos_order_register r ON r.company_id = c.company_id AND r.access_token = \(key)
            LEFT JOIN pos_order o ON o.id = r.order_id AND o.create_date = r.create_date
            WHERE t.id = \(session)
            """ as SQLBuilder
        guard let row = try await store.tx.query(sql).first else { throw ChainstoreError.missing("Session \(session) does not exist") }
        let (state, config, visible, id, digest, reference) = try row.decode((String, Int64?, Bool?, Int64?, String?, String?).self)
        guard visible == true else { throw store.ruleViolation(sessions, .read, ids: [session]) }
        guard let config else { throw ChainstoreError.missing("Session \(session) does not exist") }
        return (state, config, id.map { ($0, digest, reference) })
    }

    /// An order refused, as it was sent, with the reason: for review (`pos.order.conflict`).
    static func keep(
        _ store: RecordStore, envelope: Value, company: Int64, session: Int64, order: Int64?, key: String, digest: String, stored: String?, reason: String
    ) async throws {
        try await store.tx.query("""
            INSERT INTO pos_order_conflict (company_id, session_id, order_id, access_token, received, received_hash, stored_hash, reason,
                                            create_uid, create_date, write_uid, write_date)
            VALUES (\(company), \(session), \(order), \(key), \(envelope.canonicalJSON), \(digest), \(stored), \(reason),
                    \(store.env.uid), now(), \(store.env.uid), now())
            ON CONFLICT (company_id, access_token, received_hash) DO NOTHING
            """)
    }

    static func rejected(_ id: Int64?, key: String?, _ reason: String) -> Value {
        .dict(["id": id.map(Value.int) ?? .false, "order_uuid": key.map(Value.string) ?? .false, "status": "rejected", "error": .string(reason)])
    }

    /// What the till allows, read once per batch: its company, stock, discount limit and
    /// payment methods.
    struct Till: Sendable {
        let config: Int64, company: Int64, name: String, pickingType: Int64?, discountLimit: Decimal, restrictPrice: Bool, kiosk: Bool
        let methods: [(id: Int64, cash: Bool, channel: String?)]
    }

    static func till(_ store: RecordStore, config: Int64) async throws -> Till {
        let sql: SQLBuilder = """
            SELECT c.company_id, c.name, c.picking_type_id, c.discount_limit::numeric, c.restrict_price_control, c.self_ordering_mode = 'kiosk',
                coalesce((SELECT jsonb_agg(jsonb_build_array(m.id, m.type = 'cash', m.payment_channel) ORDER BY m.sequence, m.id)
                          FROM pos_config_pos_payment_method_rel r JOIN pos_payment_method m ON m.id = r.pos_payment_method_id
                          WHERE r.pos_config_id = c.id AND m.active), '[]')::text
            FROM pos_config c WHERE c.id = \(config)
            """
        guard let row = try await store.tx.query(sql).first else { throw ChainstoreError.missing("Till \(config) does not exist") }
        let (company, name, type, limit, restrict, kiosk, methods) = try row.decode((Int64, String, Int64?, Decimal, Bool, Bool, String).self)
        let list = try JSONReader.parse(Array(methods.utf8)).arrayValue ?? []
        return Till(config: config, company: company, name: name, pickingType: type, discountLimit: limit, restrictPrice: restrict, kiosk: kiosk,
                    methods: list.compactMap { item in
                        item.arrayValue.flatMap { a in a.first?.intValue.map { ($0, a.count > 1 ? a[1].boolValue ?? false : false, a.count > 2 ? a[2].stringValue : nil) } }
                    })
    }

    /// One line as the till sent it.
    struct SentLine: Sendable {
        var product: Int64, name: String, qty: Decimal, price: Decimal, discount: Decimal, subtotalIncl: Decimal?
        var uuid: String, refunded: Int64?, manual: Bool, discountReason: String?, lot: String?
        /// At a kiosk: the attendant's approval of this item (`attendant_approval`, see `TillAPI.attendant`).
        var approval: String? = nil
    }

    static func number(_ value: Value?) -> String? {
        switch value {
        case .int(let i)?: String(i)
        case .double(let d)? where d.isFinite: String(d)
        case .string(let s)? where Decimal(string: s) != nil: s
        default: nil
        }
    }

    static func decimal(_ value: Value?) -> Decimal? { number(value).flatMap { Decimal(string: $0) } }

    static func sentLines(_ data: OrderedDictionary<String, Value>) throws -> [SentLine] {
        try (data["lines"]?.arrayValue ?? []).enumerated().map { index, command in
            guard let line = command.arrayValue?.last?.dictValue, let product = line["product_id"]?.intValue else {
                throw ChainstoreError.valueError("Line \(index + 1) names no product_id")
            }
            guard let qty = decimal(line["qty"]) ?? (line["qty"] == nil ? 1 : nil), qty != 0, abs(qty) < 1_000_000 else {
                throw ChainstoreError.valueError("Line \(index + 1): the quantity must be a number other than zero")
            }
            let discount = decimal(line["discount"]) ?? 0
            guard discount >= 0, discount <= 100 else { throw ChainstoreError.valueError("Line \(index + 1): a discount is a percentage from 0 to 100") }
            let lots = (line["pack_lot_ids"]?.arrayValue ?? []).compactMap { $0.arrayValue?.last?.dictValue?["lot_name"]?.stringValue }
            guard lots.count <= 1 || lots.count == Int(truncating: abs(qty) as NSDecimalNumber) else {
                throw ChainstoreError.valueError("Line \(index + 1): \(lots.count) serial numbers for a quantity of \(qty)")
            }
            return SentLine(
                product: product, name: line["full_product_name"]?.stringValue ?? "", qty: qty, price: decimal(line["price_unit"]) ?? 0,
                discount: discount, subtotalIncl: decimal(line["price_subtotal_incl"]), uuid: line["uuid"]?.stringValue ?? "",
                refunded: line["refunded_orderline_id"]?.intValue,
                manual: line["price_manually_set"]?.boolValue == true || line["price_type"]?.stringValue == "manual",
                discountReason: line["discount_reason"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }, lot: lots.first,
                approval: line["attendant_approval"]?.stringValue.flatMap { $0.isEmpty || $0.utf8.count > 100 ? nil : $0 })
        }
    }

    /// Whether the product category aliased `c` is sold only after an age check: it, or a
    /// category above it, is marked `pos_age_check`.
    static let ageChecked = "EXISTS (SELECT 1 FROM product_category a WHERE a.pos_age_check AND c.parent_path LIKE a.parent_path || '%')"

    /// A kiosk sells what needs an age check only with an attendant's approval for that line:
    /// one given on this kiosk's session for that product, not spent by another order. Every
    /// approval the order names (a weighed item's too) is spent by it; the same order sent again
    /// finds its approvals already its own.
    static func checkAttendants(_ store: RecordStore, lines: [SentLine], session: Int64, key: String) async throws {
        let checked = try await store.tx.query("""
            SELECT p.id, t.name FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id JOIN product_category c ON c.id = t.categ_id
            WHERE p.id = ANY(\(Array(Set(lines.map(\.product))))) AND \(unsafeRaw: ageChecked)
            """).reduce(into: [Int64: String]()) { names, row in
            let (id, name) = try row.decode((Int64, String).self)
            names[id] = name
        }
        for line in lines where line.approval == nil {
            if let name = checked[line.product] {
                throw ChainstoreError.userError("\(name) is sold only after an age check: at a self-checkout kiosk an attendant approves it first")
            }
        }
        let named = lines.compactMap { line in line.approval.map { (token: $0, product: line.product) } }
        guard !named.isEmpty else { return }
        guard Set(named.map(\.token)).count == named.count else {
            throw ChainstoreError.userError("An attendant's approval covers one line of an order, not two")
        }
        let spent = try await store.tx.query("""
            UPDATE pos_attendant_approval SET order_key = \(key), write_uid = \(store.env.uid), write_date = now()
            WHERE token = ANY(\(named.map(\.token))) AND session_id = \(session) AND (order_key IS NULL OR order_key = \(key))
            RETURNING token, product_id
            """).reduce(into: [String: Int64]()) { spent, row in
            let (token, product) = try row.decode((String, Int64).self)
            spent[token] = product
        }
        for (token, product) in named where spent[token] != product {
            let name = checked[product] ?? "Product \(product)"
            throw ChainstoreError.userError(
                "The attendant's approval for \(name) is not one of this kiosk's session for that item, or another sale has used it")
        }
    }

    /// Each line priced as the scan path prices it (price lists and taxes in force at the sale's
    /// date; a refund at the sold line's price and discount), checked against what the till
    /// charged: a unit price changed by hand needs the till's leave or a POS manager, a discount
    /// above the till's limit a POS manager, and every line's tax-included amount must match
    /// within a fen. A refund is bounded by what was sold and not yet returned.
    static func price(_ store: RecordStore, till: Till, lines: [SentLine], date: String?) async throws -> [Pricing.Priced] {
        let manager = PosRights.isManager(store.env)
        var refunded: [Int64: (product: Int64, left: Decimal, price: Decimal, discount: Decimal)] = [:]
        let originals = Array(Set(lines.compactMap(\.refunded)))
        if !originals.isEmpty {
            // Locked: two refunds of one sold line are decided one after the other.
            let sql: SQLBuilder = """
                SELECT l.id, l.product_id, l.qty - coalesce((SELECT -sum(r.qty) FROM pos_order_line r JOIN pos_order ro ON ro.id = r.order_id
                                                             WHERE r.refunded_orderline_id = l.id AND ro.state <> 'cancel'), 0),
                    l.price_unit, l.discount
                FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id
                WHERE l.id = ANY(\(originals)) AND o.company_id = \(till.company) AND l.qty > 0 AND o.state IN ('paid', 'done', 'invoiced')
                ORDER BY l.id FOR UPDATE OF l
                """
            for row in try await store.tx.query(sql) {
                let (id, product, left, price, discount) = try row.decode((Int64, Int64, Decimal, Decimal, Decimal).self)
                refunded[id] = (product, left, price, discount)
            }
        }
        var pricing: [Pricing.Line] = []
        for (index, line) in lines.enumerated() {
            if let original = line.refunded {
                guard var sold = refunded[original], sold.product == line.product else {
                    throw ChainstoreError.userError("Line \(index + 1) refunds order line \(original), which is not a paid sale of this store's for this product")
                }
                guard line.qty < 0, -line.qty <= sold.left else {
                    throw ChainstoreError.userError(
                        "Line \(index + 1) returns \(-line.qty), but only \(max(sold.left, 0)) of order line \(original) are sold and not yet returned")
                }
                sold.left += line.qty
                refunded[original] = sold
                pricing.append(Pricing.Line(productId: line.product, quantity: line.qty, discount: sold.discount, priceUnit: sold.price))
                continue
            }
            guard line.qty > 0 else {
                throw ChainstoreError.userError("Line \(index + 1) takes goods back without naming the sold line (refunded_orderline_id)")
            }
            if line.discount > till.discountLimit, !manager {
                throw ChainstoreError.accessError(
                    "Line \(index + 1): a discount of \(line.discount)% is above this till's limit of \(till.discountLimit)%; a POS manager must give it")
            }
            pricing.append(Pricing.Line(productId: line.product, quantity: line.qty, discount: line.discount,
                                        priceUnit: line.manual ? line.price : nil))
        }
        let priced = try await Pricing.price(store, company: till.company, date: date, lines: pricing)
        for (index, (line, server)) in zip(lines, priced).enumerated() {
            if line.refunded == nil, line.manual, abs(line.price - server.listPrice) > 0.005, till.restrictPrice, !manager {
                throw ChainstoreError.accessError(
                    "Line \(index + 1): the price was changed to \(line.price) from \(server.listPrice); on this till only a POS manager may change prices")
            }
            if line.refunded == nil, !line.manual, abs(line.price - server.priceUnit) > 0.005 {
                throw ChainstoreError.userError(
                    "Line \(index + 1): the till charged \(line.price) a unit; the price list gives \(server.priceUnit) for this sale's date")
            }
            if let sent = line.subtotalIncl, abs(sent - server.total) > 0.01 {
                throw ChainstoreError.userError(
                    "Line \(index + 1): the till's amount \(sent) differs from \(server.total), the price with its discount and taxes")
            }
        }
        return priced
    }

    /// A payment taken by payment code: the attempt (or, money given back, the refund) named.
    struct CodePayment: Sendable { let reference: String, channel: String, fen: Decimal, index: Int }

    /// Each payment-code payment must be an attempt of the payments module that is paid, of this
    /// store, on that channel and for that amount (money given back: a refund of such an attempt,
    /// done, for that amount); a reference already used by another order's payment is refused
    /// by the database. Answers the channel's trade number of each, by payment index.
    static func verify(_ store: RecordStore, _ payments: [CodePayment], company: Int64) async throws -> [(Int, String)] {
        guard !payments.isEmpty else { return [] }
        let sql: SQLBuilder = """
            SELECT x.n, coalesce(t.state, r.state), coalesce(t.channel, rt.channel), coalesce(t.amount, -r.amount), coalesce(t.company_id, r.company_id),
                coalesce(t.channel_trade_no, rt.channel_trade_no)
            FROM unnest(\(payments.map(\.reference))) WITH ORDINALITY AS x(reference, n)
            LEFT JOIN payment_transaction t ON t.reference = x.reference
            LEFT JOIN payment_refund r ON t.id IS NULL AND r.reference = x.reference
            LEFT JOIN payment_transaction rt ON rt.id = r.transaction_id
            ORDER BY x.n
            """
        var trades: [(Int, String)] = []
        for (payment, row) in zip(payments, try await store.tx.query(sql)) {
            let (_, state, channel, fen, owner, trade) = try row.decode((Int64, String?, String?, Decimal?, Int64?, String?).self)
            let expected = payment.fen < 0 ? "done" : PaymentState.paid.rawValue
            guard state == expected, channel == payment.channel, fen == payment.fen, owner == company else {
                throw ChainstoreError.userError(
                    "Payment \(payment.reference) is not a \(payment.fen < 0 ? "done refund" : "paid attempt") of this store's on \(payment.channel) for \(payment.fen / 100)")
            }
            trades.append((payment.index, trade ?? ""))
        }
        return trades
    }

    /// The order with its lines and payments (and the change as its own negative cash payment,
    /// as Odoo keeps it), paid when the payments cover the total; its receipt number, the next
    /// of its session; its audit rows: one statement. Then, once paid, its goods leave the
    /// store's stock (`SaleStock`).
    static func create(
        _ store: RecordStore, data: OrderedDictionary<String, Value>, session: Int64, late: Bool, till: Till, key: String, uid: String?,
        reference: String?, digest: String, draft: Bool
    ) async throws -> (id: Int64, name: String, state: String) {
        for model in ["pos.order", "pos.order.line", "pos.payment"] { try await store.checkAccess(try store.model(model), .create) }
        let date = data["date_order"]?.stringValue ?? data["creation_date"]?.stringValue
        let lines = try sentLines(data)
        guard !lines.isEmpty else { throw ChainstoreError.valueError("The order has no lines") }
        if till.kiosk { try await checkAttendants(store, lines: lines, session: session, key: key) }
        let priced = try await price(store, till: till, lines: lines, date: date)
        var payColumns: (method: [Int64], amount: [String], name: [String], change: [Bool], card: [String], transaction: [String], status: [String],
                         reference: [String]) = ([], [], [], [], [], [], [], [])
        var paid = Decimal(0)
        var coded: [CodePayment] = []
        for command in data["statement_ids"]?.arrayValue ?? [] {
            guard let payment = command.arrayValue?.last?.dictValue, let method = payment["payment_method_id"]?.intValue,
                let amount = number(payment["amount"]), let value = Decimal(string: amount)
            else { throw ChainstoreError.valueError("Each payment names a payment_method_id and an amount") }
            guard let known = till.methods.first(where: { $0.id == method }) else {
                throw ChainstoreError.valueError("Payment method \(method) is not one of this till's")
            }
            if till.kiosk, known.channel == nil {
                throw ChainstoreError.userError("A self-checkout kiosk is paid by payment code only")
            }
            var reference = ""
            if let channel = known.channel {
                // Money taken by payment code is believed only from the payments module.
                guard let named = (payment["payment_reference"] ?? payment["transaction_id"])?.stringValue, !named.isEmpty else {
                    throw ChainstoreError.userError("A \(channel) payment names the payment attempt that took it (payment_reference)")
                }
                reference = named
                coded.append(CodePayment(reference: named, channel: channel, fen: value * 100, index: payColumns.reference.count))
            }
            payColumns.method.append(method)
            payColumns.amount.append(amount)
            payColumns.name.append(payment["name"]?.stringValue ?? "")
            payColumns.change.append(false)
            payColumns.card.append(known.channel ?? payment["card_type"]?.stringValue ?? "")
            payColumns.transaction.append(payment["transaction_id"]?.stringValue ?? "")
            payColumns.status.append(payment["payment_status"]?.stringValue ?? "")
            payColumns.reference.append(reference)
            paid += value
        }
        for (index, trade) in try await verify(store, coded, company: till.company) { payColumns.transaction[index] = trade }
        let change = decimal(data["amount_return"]) ?? 0
        if change > 0 {
            guard let cash = till.methods.first(where: { $0.cash })?.id else { throw ChainstoreError.userError("This till takes no cash: it cannot give change") }
            payColumns.method.append(cash)
            payColumns.amount.append("\(-change)")
            payColumns.name.append("return")
            payColumns.change.append(true)
            payColumns.card.append("")
            payColumns.transaction.append("")
            payColumns.status.append("")
            payColumns.reference.append("")
            paid -= change
        }
        // Totals are the server's, never the till's; the till's must agree with them.
        let total = priced.reduce(Decimal(0)) { $0 + $1.total }
        let tax = priced.reduce(Decimal(0)) { $0 + $1.tax }
        if let sent = decimal(data["amount_total"]), abs(sent - total) > 0.01 {
            throw ChainstoreError.userError("The till's total \(sent) differs from \(total), the sum of its lines")
        }
        let settled = !draft && abs(paid - total) < 0.005
        if !draft, !settled {
            throw ChainstoreError.userError("The payments (\(paid)) do not cover the total (\(total)); a paid order must be settled in full")
        }
        let actor = store.env.uid
        let refund = lines.contains { $0.refunded != nil }
        var sql: SQLBuilder = """
            WITH n AS (
                UPDATE pos_session SET order_count = order_count + 1 WHERE id = \(session) RETURNING id, name, order_count),
            o AS (
                INSERT INTO pos_order (name, session_seq, session_id, company_id, config_id, currency_id, access_token, content_hash, late_receipt, uid,
                    pos_reference, user_id, partner_id, pricelist_id, date_order, sequence_number, note, amount_total, amount_tax, amount_paid,
                    amount_return, state, is_refund, discount_reason, create_uid, create_date, write_uid, write_date)
                SELECT n.name || '-' || lpad(n.order_count::text, 4, '0') || CASE WHEN \(refund) THEN ' REFUND' ELSE '' END, n.order_count,
                    s.id, s.company_id, s.config_id, s.currency_id, \(key), \(digest), \(late), \(uid), \(reference),
                    \(data["user_id"]?.intValue ?? actor), \(data["partner_id"]?.intValue), \(data["pricelist_id"]?.intValue),
                    coalesce(\(date)::timestamptz, now()), \(data["sequence_number"]?.intValue), \(data["note"]?.stringValue),
                    \(total), \(tax), \(paid), \(change), \(settled ? "paid" : "draft"), \(refund), \(data["discount_reason"]?.stringValue),
                    \(actor), now(), \(actor), now()
                FROM pos_session s JOIN n ON n.id = s.id
                RETURNING *),
            l AS (
                INSERT INTO pos_order_line (order_id, name, product_id, full_product_name, qty, price_unit, discount, price_subtotal, price_subtotal_incl,
                    uuid, refunded_orderline_id, price_manually_set, discount_reason, lot_name, price_list, company_id,
                    create_uid, create_date, write_uid, write_date)
                SELECT o.id, o.name || '-' || x.n, x.product, NULLIF(x.name, ''), x.qty, x.price, x.discount, x.sub, x.incl, NULLIF(x.uuid, ''),
                    NULLIF(x.refunded, 0), x.manual, NULLIF(x.reason, ''), NULLIF(x.lot, ''), x.listed, o.company_id, \(actor), now(), \(actor), now()
                FROM o,
            """
        func texts(_ values: [Decimal]) -> SQLBind { .textArray(values.map { "\($0)" }) }
        sql.appendUnnest([
            (.intArray(lines.map(\.product)), "bigint[]"), (.textArray(lines.map(\.name)), "text[]"), (texts(lines.map(\.qty)), "numeric[]"),
            (texts(priced.map(\.priceUnit)), "numeric[]"), (texts(lines.map(\.discount)), "numeric[]"), (texts(priced.map(\.untaxed)), "numeric[]"),
            (texts(priced.map(\.total)), "numeric[]"), (.textArray(lines.map(\.uuid)), "text[]"), (.intArray(lines.map { $0.refunded ?? 0 }), "bigint[]"),
            (.textArray(lines.map { $0.manual ? "t" : "f" }), "boolean[]"), (.textArray(lines.map { $0.discountReason ?? "" }), "text[]"),
            (.textArray(lines.map { $0.lot ?? "" }), "text[]"), (texts(priced.map(\.listPrice)), "numeric[]"),
        ], as: "x(product, name, qty, price, discount, sub, incl, uuid, refunded, manual, reason, lot, listed, n)", ordinality: true)
        sql += """
             RETURNING *),
            p AS (
                INSERT INTO pos_payment (pos_order_id, payment_method_id, amount, payment_date, name, is_change, card_type, transaction_id,
                    payment_status, payment_reference, session_id, company_id, create_uid, create_date, write_uid, write_date)
                SELECT o.id, y.method, y.amount, now(), NULLIF(y.name, ''), y.change, NULLIF(y.card, ''), NULLIF(y.tx, ''), NULLIF(y.status, ''),
                    NULLIF(y.ref, ''), o.session_id, o.company_id, \(actor), now(), \(actor), now()
                FROM o,
            """ as SQLBuilder
        sql.appendUnnest([
            (.intArray(payColumns.method), "bigint[]"), (.textArray(payColumns.amount), "numeric[]"), (.textArray(payColumns.name), "text[]"),
            (.textArray(payColumns.change.map { $0 ? "t" : "f" }), "boolean[]"), (.textArray(payColumns.card), "text[]"),
            (.textArray(payColumns.transaction), "text[]"), (.textArray(payColumns.status), "text[]"), (.textArray(payColumns.reference), "text[]"),
        ], as: "y(method, amount, name, change, card, tx, status, ref)")
        sql += """
             RETURNING *),
            a AS (
                INSERT INTO audit_log (uid, model, record_id, operation, company_id, new_values)
                SELECT \(actor), 'pos.order', o.id, 'create', o.company_id, to_jsonb(o) - 'id' - 'create_uid' - 'create_date' - 'write_uid' - 'write_date' FROM o
                UNION ALL SELECT \(actor), 'pos.order.line', l.id, 'create', l.company_id,
                    to_jsonb(l) - 'id' - 'create_uid' - 'create_date' - 'write_uid' - 'write_date' FROM l
                UNION ALL SELECT \(actor), 'pos.payment', p.id, 'create', p.company_id,
                    to_jsonb(p) - 'id' - 'create_uid' - 'create_date' - 'write_uid' - 'write_date' FROM p)
            SELECT id, name FROM o
            """ as SQLBuilder
        guard let (id, name) = try await store.tx.query(sql).first?.decode((Int64, String).self) else {
            throw ChainstoreError.missing("Session \(session) does not exist")
        }
        if settled {
            guard let type = till.pickingType else {
                throw ChainstoreError.userError("Till \(till.name) has no warehouse to sell from: give its store a warehouse, or the till one")
            }
            try await SaleStock.post(store, lines: lines.map { SaleStock.Line(product: $0.product, quantity: $0.qty, lot: $0.lot) }, type: type,
                                     reference: name)
        }
        return (id, name, settled ? "paid" : "draft")
    }
}
