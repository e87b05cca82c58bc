import ChainstoreCore
import ChainstoreDB
import Foundation
import Sale
import Stock

/// Purchase orders as Odoo 17 runs them: a request for quotation is confirmed (or waits for a
/// manager's approval above the company's threshold), approval creates the receipt, and what
/// arrives is read from the stock ledger.
enum PurchaseOrders {
    static let hooks: [RecordHook] = [
        .afterCreate("purchase.order") { store, ids, _ in
            try await fillOrders(store.tx, ids)
        },
        .afterCreate("purchase.order.line") { store, ids, valsList in
            let priced = ids.enumerated().filter { valsList[$0.offset]["price_unit"] == nil }.map(\.element)
            let taxed = ids.enumerated().filter { valsList[$0.offset]["taxes_id"] == nil }.map(\.element)
            try await fillLines(store.tx, ids, priced: priced, taxed: taxed)
        },
        // Lines of a confirmed order are what the vendor was asked for: they change only while
        // the order is a request for quotation (or waits for approval).
        .afterWrite("purchase.order.line", fields: ["product_id", "product_qty", "product_uom", "price_unit", "discount", "order_id"]) { store, ids, _ in
            try await checkOpen(store.tx, lines: ids)
        },
    ]

    /// A new order takes its company's currency and, unless given, the receipts of the
    /// company's first warehouse.
    static func fillOrders(_ tx: Transaction, _ ids: [Int64]) async throws {
        let sql: SQLBuilder = """
            UPDATE purchase_order o SET currency_id = coalesce(o.currency_id, c.currency_id),
                picking_type_id = coalesce(o.picking_type_id, (
                    SELECT pt.id FROM stock_warehouse w JOIN stock_picking_type pt ON pt.warehouse_id = w.id AND pt.code = 'incoming' AND pt.active
                    WHERE w.company_id = o.company_id AND w.active ORDER BY w.sequence, w.id, pt.sequence, pt.id LIMIT 1))
            FROM res_company c WHERE c.id = o.company_id AND o.id = ANY(\(ids))
            RETURNING o.name, o.picking_type_id IS NULL
            """
        for row in try await tx.query(sql) {
            let (name, missing) = try row.decode((String, Bool).self)
            if missing { throw ChainstoreError.userError("\(name): the company has no warehouse to receive the goods; set \"Deliver To\".") }
        }
    }

    /// What Odoo 17 computes on a new line: the description, the purchase unit, the vendor's
    /// price for the quantity (`_select_seller`) and the expected date (order date + the
    /// vendor's lead time), the product's vendor taxes.
    static func fillLines(_ tx: Transaction, _ ids: [Int64], priced: [Int64], taxed: [Int64]) async throws {
        let sql: SQLBuilder = """
            WITH l AS (
                SELECT l.id, o.partner_id, o.date_order, o.company_id, p.product_tmpl_id, t.uom_po_id, t.name AS product_name, p.default_code,
                       (SELECT s.id FROM product_supplierinfo s JOIN res_company c ON c.id = o.company_id
                        WHERE s.partner_id = o.partner_id AND (s.product_id = l.product_id OR (s.product_id IS NULL AND s.product_tmpl_id = p.product_tmpl_id))
                          AND s.min_qty <= l.product_qty AND (s.company_id IS NULL OR s.company_id::text = ANY(string_to_array(rtrim(c.parent_path, '/'), '/')))
                          AND (s.date_start IS NULL OR s.date_start <= o.date_order::date) AND (s.date_end IS NULL OR s.date_end >= o.date_order::date)
                        ORDER BY s.price, s.sequence, s.id LIMIT 1) AS seller
                FROM purchase_order_line l JOIN purchase_order o ON o.id = l.order_id
                JOIN product_product p ON p.id = l.product_id JOIN product_template t ON t.id = p.product_tmpl_id
                WHERE l.id = ANY(\(ids)))
            UPDATE purchase_order_line x SET
                name = coalesce(x.name, CASE WHEN coalesce(l.default_code, '') <> '' THEN '[' || l.default_code || '] ' ELSE '' END || l.product_name),
                product_uom = coalesce(x.product_uom, l.uom_po_id),
                price_unit = CASE WHEN x.id = ANY(\(priced)) THEN coalesce((SELECT s.price FROM product_supplierinfo s WHERE s.id = l.seller), x.price_unit)
                                  ELSE x.price_unit END,
                date_planned = coalesce(x.date_planned, l.date_order + make_interval(days => coalesce((SELECT s.delay FROM product_supplierinfo s WHERE s.id = l.seller), 0)))
            FROM l WHERE x.id = l.id
            """
        try await tx.query(sql)
        if !taxed.isEmpty {
            try await tx.query("""
                INSERT INTO account_tax_purchase_order_line_rel (purchase_order_line_id, account_tax_id)
                SELECT l.id, r.tax_id FROM purchase_order_line l JOIN product_product p ON p.id = l.product_id
                JOIN product_supplier_taxes_rel r ON r.prod_id = p.product_tmpl_id WHERE l.id = ANY(\(taxed))
                ON CONFLICT DO NOTHING
                """)
        }
        try await checkOpen(tx, lines: ids)
    }

    static func checkOpen(_ tx: Transaction, lines: [Int64]) async throws {
        let sql: SQLBuilder = """
            SELECT o.name, o.state FROM purchase_order_line l JOIN purchase_order o ON o.id = l.order_id
            WHERE l.id = ANY(\(lines)) AND o.state NOT IN ('draft', 'sent', 'to approve') LIMIT 1
            """
        if let row = try await tx.query(sql).first {
            let (name, state) = try row.decode((String, String).self)
            throw ChainstoreError.userError("\(name) is \(state == "cancel" ? "cancelled" : "confirmed"): its lines can no longer change; set it to draft or order again.")
        }
    }

    /// The orders named by a record method's ids, locked and checked against the caller's write rules.
    static func orders(_ call: MethodCall) async throws -> [Int64] { try await call.recordsToWrite("purchase.order") }

    static func isManager(_ env: Env) -> Bool {
        env.isSystem || env.hasGroup("purchase.group_purchase_manager") || env.hasGroup("base.group_system")
    }

    /// `button_confirm`: draft or sent orders are approved when the company needs one step,
    /// when the total is below its threshold, or when the caller manages purchasing; the
    /// others wait in "to approve".
    static func confirm(_ call: MethodCall) async throws {
        let ids = try await orders(call)
        let manager = isManager(call.store.env)
        let sql: SQLBuilder = """
            SELECT o.id, c.po_double_validation = 'one_step' OR \(unsafeRaw: manager ? "true" : "false")
                   OR (SELECT coalesce(sum(a.total), 0) FROM purchase_order_line l, purchase_line_amounts(l.id) a WHERE l.order_id = o.id)
                      < c.po_double_validation_amount
            FROM purchase_order o JOIN res_company c ON c.id = o.company_id
            WHERE o.id = ANY(\(ids)) AND o.state IN ('draft', 'sent') ORDER BY o.id
            """
        var approve: [Int64] = []
        var wait: [Int64] = []
        for row in try await call.store.tx.query(sql) {
            let (id, allowed) = try row.decode((Int64, Bool).self)
            if allowed { approve.append(id) } else { wait.append(id) }
        }
        if !wait.isEmpty {
            try await call.store.tx.query("""
                UPDATE purchase_order SET state = 'to approve', write_uid = \(call.store.env.uid), write_date = now() WHERE id = ANY(\(wait))
                """)
        }
        try await approveOrders(call.store, approve)
    }

    /// `button_approve`: a purchase manager approves orders waiting for it.
    static func approve(_ call: MethodCall) async throws {
        let ids = try await orders(call)
        guard isManager(call.store.env) else {
            throw ChainstoreError.accessError("Only a purchase manager can approve purchase orders.")
        }
        let waiting: SQLBuilder = "SELECT id FROM purchase_order WHERE id = ANY(\(ids)) AND state IN ('draft', 'sent', 'to approve') ORDER BY id"
        try await approveOrders(call.store, try await call.store.tx.query(waiting).map { try $0.decode(Int64.self) })
    }

    /// The orders become purchase orders and their receipts are made.
    static func approveOrders(_ store: RecordStore, _ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await DeliveryDays.plan(store.tx, ids)
        try await store.tx.query("""
            UPDATE purchase_order SET state = 'purchase', date_approve = now(), date_order = now(), write_uid = \(store.env.uid), write_date = now()
            WHERE id = ANY(\(ids))
            """)
        try await InterCompany.mirror(store, ids)
        try await createReceipts(store, ids)
    }

    /// One receipt per order for the storable products of its lines not yet planned, confirmed.
    static func createReceipts(_ store: RecordStore, _ ids: [Int64]) async throws {
        let sql: SQLBuilder = """
            SELECT o.id, o.name, o.partner_id, o.company_id, o.picking_type_id, pt.default_location_src_id, pt.default_location_dest_id,
                   (SELECT d.id FROM stock_picking d WHERE d.sale_id = o.auto_sale_order_id AND d.state <> 'cancel' ORDER BY d.id LIMIT 1),
                   coalesce(json_agg(json_build_object(
                       'line', l.id, 'product', l.product_id, 'qty', l.product_qty - purchase_line_received(l.id)
                           - coalesce((SELECT sum(chainstore_uom_convert(m.product_uom_qty, m.product_uom, l.product_uom)) FROM stock_move m
                                       WHERE m.purchase_line_id = l.id AND m.state NOT IN ('done', 'cancel')), 0),
                       'uom', l.product_uom, 'price', round(l.price_unit * (1 - l.discount / 100), 4), 'date', to_char(l.date_planned AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), 'name', l.name)
                       ORDER BY l.sequence, l.id) FILTER (WHERE l.id IS NOT NULL), '[]')::text
            FROM purchase_order o JOIN stock_picking_type pt ON pt.id = o.picking_type_id
            LEFT JOIN purchase_order_line l ON l.order_id = o.id
                AND EXISTS (SELECT 1 FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id WHERE p.id = l.product_id AND t.type = 'product')
            WHERE o.id = ANY(\(ids)) GROUP BY o.id, pt.id ORDER BY o.id
            """
        struct Line: Decodable {
            let line: Int64, product: Int64, qty: Double, uom: Int64?, price: Double, date: String?, name: String?
        }
        for row in try await store.tx.query(sql) {
            let (order, name, partner, company, type, source, destination, shipment, json) =
                try row.decode((Int64, String, Int64, Int64, Int64, Int64?, Int64?, Int64?, String).self)
            let lines = try JSONDecoder().decode([Line].self, from: Data(json.utf8)).filter { $0.qty > 0 }
            guard !lines.isEmpty else { continue }
            guard let source, let destination else {
                throw ChainstoreError.userError("\(name): its receiving operation type has no default source or destination location.")
            }
            let moves: [Value] = lines.map { line in
                var move: RecordValues = [
                    "product_id": .int(line.product), "product_uom_qty": .double(line.qty), "price_unit": .double(line.price),
                    "purchase_line_id": .int(line.line), "location_id": .int(source), "location_dest_id": .int(destination),
                    "company_id": .int(company), "origin": .string(name), "partner_id": .int(partner),
                ]
                if let uom = line.uom { move["product_uom"] = .int(uom) }
                if let date = line.date { move["date"] = .string(date) }
                if let text = line.name { move["name"] = .string(text) }
                return [0, 0, .dict(move)]
            }
            var picking: RecordValues = [
                "picking_type_id": .int(type), "partner_id": .int(partner), "origin": .string(name), "company_id": .int(company),
                "location_id": .int(source), "location_dest_id": .int(destination), "move_ids": .array(moves),
            ]
            // Scheduled for the first line's expected day, as Odoo's receipt is (the earliest move).
            if let first = lines.compactMap(\.date).min() { picking["scheduled_date"] = .string(first) }
            // From another company of the group: the goods come through its transit, from the
            // place of the delivery that ships them, and are reserved there once it is sent.
            if let shipment { picking["shipment_id"] = .int(shipment) }
            _ = try await StockDocuments.createConfirmed(store, picking: picking, link: "purchase_id", document: order)
        }
    }

    /// `button_cancel`: refused once goods have been received; open receipts are cancelled.
    static func cancel(_ call: MethodCall) async throws {
        let ids = try await orders(call)
        let received: SQLBuilder = """
            SELECT o.name FROM purchase_order o WHERE o.id = ANY(\(ids))
            AND EXISTS (SELECT 1 FROM stock_picking p WHERE p.purchase_id = o.id AND p.state = 'done') ORDER BY o.id LIMIT 1
            """
        if let row = try await call.store.tx.query(received).first {
            throw ChainstoreError.userError("Unable to cancel purchase order \(try row.decode(String.self)) as some receptions have already been done.")
        }
        try await StockDocuments.cancelOpen(call.store, link: "purchase_id", documents: ids)
        // The supplier's mirrored sales order goes with it (refused if the DC already shipped).
        let mirrored = try await call.store.tx.query("""
            SELECT s.id FROM purchase_order o JOIN sale_order s ON s.id = o.auto_sale_order_id WHERE o.id = ANY(\(ids)) AND s.state <> 'cancel' ORDER BY s.id
            """).map { try $0.decode(Int64.self) }
        if !mirrored.isEmpty { try await SaleOrders.cancel(call.store.asSystem(reason: "sales orders of cancelled purchase orders"), mirrored) }
        try await setState(call.store, ids, to: .cancel, from: [.draft, .sent, .toApprove, .purchase])
    }

    static func setState(_ store: RecordStore, _ ids: [Int64], to state: PurchaseState, from: [PurchaseState]) async throws {
        guard !ids.isEmpty else { return }
        let wrong: SQLBuilder = "SELECT name, state FROM purchase_order WHERE id = ANY(\(ids)) AND state <> ALL(\(from.map(\.rawValue))) ORDER BY id LIMIT 1"
        if let row = try await store.tx.query(wrong).first {
            let (name, current) = try row.decode((String, String).self)
            throw ChainstoreError.userError("\(name) is in state \"\(current)\": it cannot become \"\(state.rawValue)\".")
        }
        try await store.tx.query("""
            UPDATE purchase_order SET state = \(state.rawValue), write_uid = \(store.env.uid), write_date = now() WHERE id = ANY(\(ids))
            """)
    }
}

extension Purchase {
    /// Business methods of purchasing callable over RPC (Odoo 17's names and answers).
    static let methods: [ModelMethod] = [
        ModelMethod(model: "purchase.order", name: "button_confirm", receiver: .records) { call in
            try await PurchaseOrders.confirm(call)
            return .true
        },
        ModelMethod(model: "purchase.order", name: "button_approve", receiver: .records) { call in
            try await PurchaseOrders.approve(call)
            return .true
        },
        ModelMethod(model: "purchase.order", name: "button_cancel", receiver: .records) { call in
            try await PurchaseOrders.cancel(call)
            return .true
        },
        ModelMethod(model: "purchase.order", name: "button_draft", receiver: .records) { call in
            try await PurchaseOrders.setState(call.store, try await PurchaseOrders.orders(call), to: .draft, from: [.cancel])
            return .true
        },
        ModelMethod(model: "purchase.order", name: "button_done", receiver: .records) { call in
            try await PurchaseOrders.setState(call.store, try await PurchaseOrders.orders(call), to: .done, from: [.purchase])
            return .true
        },
        ModelMethod(model: "purchase.order", name: "button_unlock", receiver: .records) { call in
            try await PurchaseOrders.setState(call.store, try await PurchaseOrders.orders(call), to: .purchase, from: [.done])
            return .true
        },
        // Odoo sends the request by mail; here it is marked as sent.
        ModelMethod(model: "purchase.order", name: "action_rfq_send", receiver: .records) { call in
            try await PurchaseOrders.setState(call.store, try await PurchaseOrders.orders(call), to: .sent, from: [.draft, .sent])
            return .true
        },
    ] + Reordering.methods + Waves.methods
}
