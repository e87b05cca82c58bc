import ChainstoreCore
import ChainstoreDB
import Sale

/// A store's purchase order to its distribution centre (the vendor is the DC company's legal
/// entity) is mirrored, when approved, by the DC's sales order to the store, confirmed at once
/// (Odoo Enterprise's inter-company rules with automatic validation; OCA's
/// `purchase_sale_inter_company`): the DC's delivery is made, the documents name each other
/// (`auto_sale_order_id` / `auto_purchase_order_id`, `partner_ref` = the sales order). The
/// store's credit limit with the DC (its partner's `credit_limit`, when set) bounds what it has
/// ordered and not yet received.
enum InterCompany {
    static func mirror(_ store: RecordStore, _ orders: [Int64]) async throws {
        let sql: SQLBuilder = """
            SELECT o.id, o.name, vc.id, bc.name, bc.partner_id, to_char(
                       (SELECT min(l.date_planned) FROM purchase_order_line l WHERE l.order_id = o.id) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
            FROM purchase_order o JOIN res_company vc ON vc.partner_id = o.partner_id AND vc.id <> o.company_id
            JOIN res_company bc ON bc.id = o.company_id
            WHERE o.id = ANY(\(orders)) AND o.auto_sale_order_id IS NULL ORDER BY o.id
            """
        let system = store.asSystem(reason: "inter-company sales orders")
        for row in try await store.tx.query(sql) {
            let (order, name, seller, buyerName, customer, date) = try row.decode((Int64, String, Int64, String, Int64?, String?).self)
            guard let customer else {
                throw ChainstoreError.userError("\(buyerName) has no legal entity (partner) for its supplier to sell to; set the company's partner.")
            }
            try await checkCredit(store.tx, order: order, name: name, customer: customer, seller: seller)
            let lines: SQLBuilder = """
                SELECT json_agg(json_build_object('product_id', l.product_id, 'product_uom_qty', l.product_qty, 'product_uom', l.product_uom,
                                                  'price_unit', l.price_unit, 'discount', l.discount, 'name', l.name) ORDER BY l.sequence, l.id)::text
                FROM purchase_order_line l WHERE l.order_id = \(order)
                """
            let json = try await store.tx.query(lines)[0].decode(String?.self) ?? "[]"
            let values = try JSONReader.parse(Array(json.utf8))
            var vals: RecordValues = [
                "partner_id": .int(customer), "company_id": .int(seller), "client_order_ref": .string(name), "origin": .string(name),
                "auto_generated": true, "order_line": .array((values.arrayValue ?? []).map { [0, 0, $0] }),
            ]
            if let date { vals["commitment_date"] = .string(date) }
            let sale = try await system.create("sale.order", [vals])[0]
            try await store.tx.query("""
                WITH s AS (UPDATE sale_order SET auto_purchase_order_id = \(order) WHERE id = \(sale) RETURNING name)
                UPDATE purchase_order SET auto_sale_order_id = \(sale), partner_ref = (SELECT name FROM s) WHERE id = \(order)
                """)
            try await SaleOrders.confirm(system, [sale])
        }
    }

    /// Refuses the order when the store's open orders with this supplier (approved, not fully
    /// delivered) and this one exceed its credit limit there.
    static func checkCredit(_ tx: Transaction, order: Int64, name: String, customer: Int64, seller: Int64) async throws {
        let sql: SQLBuilder = """
            SELECT p.credit_limit::float8, p.name,
                   (SELECT coalesce(sum(a.total), 0) FROM purchase_order_line l, purchase_line_amounts(l.id) a WHERE l.order_id = \(order))::float8,
                   (SELECT coalesce(sum(a.total), 0) FROM sale_order so JOIN sale_order_line sl ON sl.order_id = so.id, sale_line_amounts(sl.id) a
                    WHERE so.partner_id = \(customer) AND so.company_id = \(seller) AND so.state = 'sale'
                      AND coalesce(sale_delivery_status(so.id), 'pending') <> 'full')::float8
            FROM res_partner p WHERE p.id = \(customer)
            """
        guard let row = try await tx.query(sql).first else { return }
        let (limit, customerName, amount, open) = try row.decode((Double?, String, Double, Double).self)
        guard let limit, limit > 0, open + amount > limit + 0.005 else { return }
        throw ChainstoreError.userError(String(
            format: "%@: %@ would owe %.2f with this order, above its credit limit of %.2f with its supplier.", name, customerName, open + amount, limit))
    }
}
