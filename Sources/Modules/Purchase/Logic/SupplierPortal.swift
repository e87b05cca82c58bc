import Barcode
import Base
import ChainstoreCore
import ChainstoreDB
import Crypto
import Foundation
import Stock

/// What a supplier does through the portal (its own users, `base.group_portal`) or the API: read
/// its confirmed orders, answer them line by line, and announce what it ships (advance shipping
/// notices, GS1 DESADV's content as JSON). Every order is reached through the caller's record
/// rules, so a supplier never touches another supplier's orders; the group's purchase users may
/// do the same for a supplier (a notice received on paper).
enum SupplierPortal {
    /// Only portal users and users who may change purchase orders speak for a supplier.
    static func mayAct(_ store: RecordStore) async throws {
        if store.env.hasGroup(Base.Group.portal) { return }
        try await store.checkAccess(try store.model("purchase.order"), .write)
    }

    static let confirmed: Domain = .leaf("state", .in, PortalRules.confirmed)

    // MARK: - Orders

    /// The caller's confirmed orders (newest first, at most `limit`), with their lines, what the
    /// supplier answered and what has arrived, and their shipping notices.
    static func orders(_ store: RecordStore, limit: Int) async throws -> Value {
        let ids = try await store.search("purchase.order", domain: confirmed, limit: limit, order: "id desc")
        guard !ids.isEmpty else { return .array([]) }
        let sql: SQLBuilder = """
            SELECT o.id, o.name, coalesce(pr.name, ''), coalesce(c.name, ''), to_char(o.date_approve AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
                   o.state, o.mail_reception_confirmed, purchase_receipt_status(o.id),
                   coalesce((SELECT jsonb_agg(jsonb_build_object(
                       'id', l.id, 'product', t.name, 'default_code', p.default_code, 'gtin', p.barcode,
                       'quantity', l.product_qty, 'received', purchase_line_received(l.id),
                       'date_planned', to_char(l.date_planned AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                       'supplier_qty', l.supplier_qty, 'supplier_date', to_char(l.supplier_date AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                       'tracking', t.tracking) ORDER BY l.sequence, l.id)
                     FROM purchase_order_line l JOIN product_product p ON p.id = l.product_id JOIN product_template t ON t.id = p.product_tmpl_id
                     WHERE l.order_id = o.id), '[]')::text,
                   coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'asn_number', a.name, 'state', a.state, 'version', a.version,
                                                                 'pallets', (SELECT count(*) FROM purchase_asn_package ap WHERE ap.asn_id = a.id))
                                              ORDER BY a.id)
                             FROM purchase_asn a WHERE a.purchase_id = o.id), '[]')::text
            FROM purchase_order o LEFT JOIN res_partner pr ON pr.id = o.partner_id LEFT JOIN res_company c ON c.id = o.company_id
            WHERE o.id = ANY(\(ids)) ORDER BY o.id DESC
            """
        return .array(try await store.tx.query(sql).map { row in
            let (id, name, supplier, buyer, approved, state, acknowledged, receipt, lines, notices) = try row.decode(
                (Int64, String, String, String, String?, String, Bool, String, String, String).self)
            return [
                "id": .int(id), "name": .string(name), "supplier": .string(supplier), "buyer": .string(buyer),
                "date_approve": approved.map(Value.string) ?? .false, "state": .string(state), "acknowledged": .bool(acknowledged),
                "receipt_status": .string(receipt), "lines": try JSONReader.parse(Array(lines.utf8)), "asns": try JSONReader.parse(Array(notices.utf8)),
            ]
        })
    }

    /// The one confirmed order `id` the caller may act on, locked; else not found.
    static func order(_ store: RecordStore, _ id: Int64) async throws -> (id: Int64, name: String, supplier: Int64, company: Int64) {
        try await mayAct(store)
        guard !(try await store.search("purchase.order", domain: .and([.leaf("id", .equal, .int(id)), confirmed]))).isEmpty else {
            throw ChainstoreError.missing("No confirmed purchase order \(id) for you")
        }
        let sql: SQLBuilder = "SELECT id, name, partner_id, company_id FROM purchase_order WHERE id = \(id) FOR UPDATE"
        let (order, name, partner, company) = try await store.tx.query(sql)[0].decode((Int64, String, Int64, Int64).self)
        // The supplier is the vendor's commercial entity (a portal user may not read partners).
        let entity = try await store.asSystem(reason: "the supplier of an order the caller may read")
            .read("res.partner", ids: [partner], fields: ["commercial_partner_id"], load: .classicWrite)
        return (order, name, entity.first?["commercial_partner_id"]?.intValue ?? partner, company)
    }

    // MARK: - Answers to an order

    /// A supplier's answer to one line: the quantity it confirms (0 refuses the line), the day it
    /// promises, a note.
    struct Answer: Sendable {
        let line: Int64
        let quantity: Decimal
        let date: String?
        let note: String?
    }

    enum Outcome: Sendable {
        case done(Value, created: Bool)
        case conflict(String)
    }

    /// Records the answer under `key` (one per answer the supplier sends): the order is marked
    /// acknowledged and each line keeps what the supplier confirmed. The same answer under the
    /// same key again is a duplicate; another answer under a used key is refused.
    static func respond(_ store: RecordStore, order id: Int64, key: String, answers: [Answer]) async throws -> Outcome {
        let order = try await Self.order(store, id)
        let digest = SHA256.hash(data: Array(answers.map { "\($0.line)|\($0.quantity)|\($0.date ?? "")|\($0.note ?? "")" }.joined(separator: "\n").utf8))
            .hexDigits()
        let keep: SQLBuilder = """
            INSERT INTO purchase_order_response (order_id, key, digest, create_uid) VALUES (\(order.id), \(key), \(digest), \(store.env.uid))
            ON CONFLICT (order_id, key) DO NOTHING RETURNING id
            """
        if try await store.tx.query(keep).isEmpty {
            let stored = try await store.tx.query("SELECT digest FROM purchase_order_response WHERE order_id = \(order.id) AND key = \(key)")[0]
                .decode(String.self)
            guard stored == digest else { return .conflict("Another answer was already sent under this key; send a new key") }
            return .done(["ok": true, "order": .string(order.name), "duplicate": true], created: false)
        }
        let lines = answers.map(\.line)
        let known: SQLBuilder = "SELECT count(*) FROM purchase_order_line WHERE order_id = \(order.id) AND id = ANY(\(lines))"
        guard try await store.tx.query(known)[0].decode(Int.self) == Set(lines).count else {
            throw ChainstoreError.valueError("Every line_id must be a line of \(order.name)")
        }
        var sql: SQLBuilder = """
            UPDATE purchase_order_line l SET supplier_qty = a.quantity,
                   supplier_date = CASE WHEN a.day = '' THEN NULL ELSE (a.day::date + time '12:00') AT TIME ZONE 'Asia/Shanghai' END,
                   supplier_note = nullif(a.note, ''), write_uid = \(store.env.uid), write_date = now()
            FROM
            """
        sql += " "
        sql.appendUnnest([
            (.intArray(lines), "bigint[]"), (.textArray(answers.map { "\($0.quantity)" }), "numeric[]"),
            (.textArray(answers.map { $0.date ?? "" }), "text[]"), (.textArray(answers.map { $0.note ?? "" }), "text[]"),
        ], as: "a(line, quantity, day, note)")
        sql += " WHERE l.id = a.line"
        try await store.tx.query(sql)
        try await store.tx.query("""
            UPDATE purchase_order SET mail_reception_confirmed = true, write_uid = \(store.env.uid), write_date = now()
            WHERE id = \(order.id) AND NOT mail_reception_confirmed
            """)
        return .done(["ok": true, "order": .string(order.name), "lines": .int(Int64(answers.count))], created: true)
    }
}
