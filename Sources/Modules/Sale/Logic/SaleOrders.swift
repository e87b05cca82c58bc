import ChainstoreCore
import ChainstoreDB
import Foundation
import Stock

/// Sales orders as Odoo 17 runs them: a quotation is confirmed (`action_confirm`) and its
/// warehouse's delivery is made; what left is read from the stock ledger.
public enum SaleOrders {
    static let hooks: [RecordHook] = [
        .afterCreate("sale.order") { store, ids, _ in
            try await store.tx.query("""
                UPDATE sale_order o SET currency_id = coalesce(o.currency_id, c.currency_id),
                    warehouse_id = coalesce(o.warehouse_id, (SELECT w.id FROM stock_warehouse w WHERE w.company_id = o.company_id AND w.active
                                                             ORDER BY w.sequence, w.id LIMIT 1))
                FROM res_company c WHERE c.id = o.company_id AND o.id = ANY(\(ids))
                """)
        },
        .afterCreate("sale.order.line") { store, ids, valsList in
            let priced = ids.enumerated().filter { valsList[$0.offset]["price_unit"] == nil }.map(\.element)
            let taxed = ids.enumerated().filter { valsList[$0.offset]["tax_id"] == nil }.map(\.element)
            // Odoo 17's computed defaults: description, unit, the product's sales price and taxes.
            try await store.tx.query("""
                UPDATE sale_order_line l SET
                    name = coalesce(l.name, CASE WHEN coalesce(p.default_code, '') <> '' THEN '[' || p.default_code || '] ' ELSE '' END || t.name),
                    product_uom = coalesce(l.product_uom, t.uom_id),
                    price_unit = CASE WHEN l.id = ANY(\(priced)) THEN t.list_price ELSE l.price_unit END
                FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id WHERE p.id = l.product_id AND l.id = ANY(\(ids))
                """)
            if !taxed.isEmpty {
                try await store.tx.query("""
                    INSERT INTO account_tax_sale_order_line_rel (sale_order_line_id, account_tax_id)
                    SELECT l.id, r.tax_id FROM sale_order_line l JOIN product_product p ON p.id = l.product_id
                    JOIN product_taxes_rel r ON r.prod_id = p.product_tmpl_id WHERE l.id = ANY(\(taxed)) ON CONFLICT DO NOTHING
                    """)
            }
            try await checkOpen(store.tx, lines: ids)
        },
        .afterWrite("sale.order.line", fields: ["product_id", "product_uom_qty", "product_uom", "price_unit", "discount", "order_id"]) { store, ids, _ in
            try await checkOpen(store.tx, lines: ids)
        },
    ]

    static func checkOpen(_ tx: Transaction, lines: [Int64]) async throws {
        let sql: SQLBuilder = """
            SELECT o.name, o.state FROM sale_order_line l JOIN sale_order o ON o.id = l.order_id
            WHERE l.id = ANY(\(lines)) AND o.state NOT IN ('draft', 'sent') LIMIT 1
            """
        if let row = try await tx.query(sql).first {
            let (name, state) = try row.decode((String, String).self)
            throw ChainstoreError.userError("\(name) is \(state == "cancel" ? "cancelled" : "confirmed"): its lines can no longer change.")
        }
    }

    static func orders(_ call: MethodCall) async throws -> [Int64] { try await call.recordsToWrite("sale.order") }

    /// `action_confirm`: quotations become sales orders and their deliveries are made (one per
    /// order, from its warehouse, for the storable products). A sale to another company of the
    /// group (its customer is that company's partner) ships through the warehouse's transit, as
    /// Odoo's inter-company transit: the goods stay the seller's on the way, and the buyer's
    /// receipt takes them from the shipment's own place.
    public static func confirm(_ store: RecordStore, _ ids: [Int64]) async throws {
        let wrong: SQLBuilder = "SELECT name FROM sale_order WHERE id = ANY(\(ids)) AND state NOT IN ('draft', 'sent') ORDER BY id LIMIT 1"
        if let row = try await store.tx.query(wrong).first {
            throw ChainstoreError.userError("\(try row.decode(String.self)) is not a quotation: it cannot be confirmed.")
        }
        try await store.tx.query("""
            UPDATE sale_order SET state = 'sale', date_order = now(), write_uid = \(store.env.uid), write_date = now() WHERE id = ANY(\(ids))
            """)
        let sql: SQLBuilder = """
            SELECT o.id, o.name, o.partner_id, o.company_id, pt.id, pt.default_location_src_id,
                   CASE WHEN buyer.id IS NOT NULL THEN w.transit_location_id ELSE pt.default_location_dest_id END, buyer.id,
                   to_char(o.commitment_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                   coalesce(json_agg(json_build_object('line', l.id, 'product', l.product_id, 'qty', l.product_uom_qty, 'uom', l.product_uom,
                                                       'name', l.name) ORDER BY l.sequence, l.id) FILTER (WHERE l.id IS NOT NULL), '[]')::text
            FROM sale_order o LEFT JOIN stock_warehouse w ON w.id = o.warehouse_id
            LEFT JOIN LATERAL (SELECT c.id FROM res_company c WHERE c.partner_id = o.partner_id AND c.id <> o.company_id ORDER BY c.id LIMIT 1) buyer ON true
            LEFT JOIN stock_picking_type pt ON pt.id = (SELECT t.id FROM stock_picking_type t WHERE t.warehouse_id = o.warehouse_id
                                                       AND t.code = 'outgoing' AND t.active ORDER BY t.sequence, t.id LIMIT 1)
            LEFT JOIN sale_order_line l ON l.order_id = o.id AND l.product_uom_qty > 0
                AND EXISTS (SELECT 1 FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id WHERE p.id = l.product_id AND t.type = 'product')
            WHERE o.id = ANY(\(ids)) GROUP BY o.id, pt.id, w.id, buyer.id ORDER BY o.id
            """
        struct Line: Decodable { let line: Int64, product: Int64, qty: Double, uom: Int64?, name: String? }
        for row in try await store.tx.query(sql) {
            let (order, name, partner, company, type, source, destination, buyer, date, json) =
                try row.decode((Int64, String, Int64, Int64, Int64?, Int64?, Int64?, Int64?, String?, String).self)
            let lines = try JSONDecoder().decode([Line].self, from: Data(json.utf8))
            guard !lines.isEmpty else { continue }
            if buyer != nil, type != nil, destination == nil {
                throw ChainstoreError.userError("\(name): its warehouse has no transit place to ship to another company of the group.")
            }
            guard let type, let source, let destination else {
                throw ChainstoreError.userError("\(name): its warehouse has no delivery operation type to send the goods.")
            }
            let moves: [Value] = lines.map { line in
                var move: RecordValues = [
                    "product_id": .int(line.product), "product_uom_qty": .double(line.qty), "sale_line_id": .int(line.line),
                    "location_id": .int(source), "location_dest_id": .int(destination), "company_id": .int(company), "origin": .string(name),
                    "partner_id": .int(partner),
                ]
                if let uom = line.uom { move["product_uom"] = .int(uom) }
                if let text = line.name { move["name"] = .string(text) }
                return [0, 0, .dict(move)]
            }
            var picking: RecordValues = [
                "picking_type_id": .int(type), "partner_id": .int(partner), "origin": .string(name), "company_id": .int(company),
                "location_id": .int(source), "location_dest_id": .int(destination), "move_ids": .array(moves),
            ]
            if let date { picking["scheduled_date"] = .string(date) }
            if let buyer { picking["dest_company_id"] = .int(buyer) }
            _ = try await StockDocuments.createConfirmed(store, picking: picking, link: "sale_id", document: order)
        }
    }

    /// `action_cancel`: refused once goods have left; open deliveries are cancelled.
    public static func cancel(_ store: RecordStore, _ ids: [Int64]) async throws {
        let shipped: SQLBuilder = """
            SELECT o.name FROM sale_order o WHERE o.id = ANY(\(ids))
            AND EXISTS (SELECT 1 FROM stock_picking p WHERE p.sale_id = o.id AND p.state = 'done') ORDER BY o.id LIMIT 1
            """
        if let row = try await store.tx.query(shipped).first {
            throw ChainstoreError.userError("\(try row.decode(String.self)) has deliveries already done: it cannot be cancelled; return the goods instead.")
        }
        try await StockDocuments.cancelOpen(store, link: "sale_id", documents: ids)
        try await store.tx.query("UPDATE sale_order SET state = 'cancel', write_uid = \(store.env.uid), write_date = now() WHERE id = ANY(\(ids))")
    }
}

extension Sale {
    static let methods: [ModelMethod] = [
        ModelMethod(model: "sale.order", name: "action_confirm", receiver: .records) { call in
            try await SaleOrders.confirm(call.store, try await SaleOrders.orders(call))
            return .true
        },
        ModelMethod(model: "sale.order", name: "action_cancel", receiver: .records) { call in
            try await SaleOrders.cancel(call.store, try await SaleOrders.orders(call))
            return .true
        },
        ModelMethod(model: "sale.order", name: "action_draft", receiver: .records) { call in
            let ids = try await SaleOrders.orders(call)
            let sql: SQLBuilder = "SELECT name FROM sale_order WHERE id = ANY(\(ids)) AND state <> 'cancel' ORDER BY id LIMIT 1"
            if let row = try await call.store.tx.query(sql).first {
                throw ChainstoreError.userError("\(try row.decode(String.self)) is not cancelled: only a cancelled order goes back to quotation.")
            }
            try await call.store.tx.query("UPDATE sale_order SET state = 'draft', write_uid = \(call.store.env.uid), write_date = now() WHERE id = ANY(\(ids))")
            return .true
        },
    ]
}
