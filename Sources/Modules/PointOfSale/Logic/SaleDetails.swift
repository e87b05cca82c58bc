import ChainstoreCore
import ChainstoreDB
import Foundation
import OrderedCollections

/// The sales report of sessions, in the shape of Odoo 17's `get_sale_details`: an X report
/// (provisional) while a session is open, the Z report once every session is closed. Paid,
/// posted and invoiced orders count; payments by method with, for cash, the expected drawer
/// (opening float + cash taken − change given + cash in/out), the counted cash and the
/// difference; taxes by rate; products by category; refunds; discounts; late receipts and
/// orders kept for review.
struct SaleDetails {
    var report: Value = .false
    var payments: [OrderedDictionary<String, Value>] = []
    var cashMoves: [Value] = []
    var orderCount = 0
    var total = Decimal(0)
    var opening = Decimal(0)
    var expectedCash = Decimal(0)
    var authorizedDifference = Decimal(0)
    var openingNote: Value = .false

    static let counted = "o.state IN ('paid', 'done', 'invoiced')"

    static func compute(_ store: RecordStore, sessions: [Int64]) async throws -> SaleDetails {
        let tx = store.tx
        var details = SaleDetails()
        let head = try await tx.query("""
            SELECT bool_and(s.state = 'closed'), string_agg(s.name, ', ' ORDER BY s.id), array_agg(DISTINCT c.name),
                min(s.start_at)::text, max(s.stop_at)::text, sum(s.cash_register_balance_start), sum(s.cash_register_balance_end_real),
                bool_and(s.cash_register_balance_end_real IS NOT NULL), max(c.amount_authorized_diff)::numeric, string_agg(s.opening_notes, ' / '),
                string_agg(s.closing_notes, ' / '), string_agg(s.cash_difference_reason, ' / '), min(co.name)
            FROM pos_session s JOIN pos_config c ON c.id = s.config_id JOIN res_company co ON co.id = s.company_id
            WHERE s.id = ANY(\(sessions))
            """)[0]
        let (closed, names, tills, start, stop, opening, countedCash, allCounted, authorized, openingNote, closingNote, reason, company) = try head.decode(
            (Bool?, String?, [String]?, String?, String?, Decimal?, Decimal?, Bool?, Decimal?, String?, String?, String?, String?).self)
        details.opening = opening ?? 0
        details.authorizedDifference = authorized ?? 0
        details.openingNote = openingNote.map(Value.string) ?? ""
        let totals = try await tx.query("""
            SELECT count(*), coalesce(sum(o.amount_total), 0), count(*) FILTER (WHERE o.is_refund), count(*) FILTER (WHERE o.late_receipt)
            FROM pos_order o WHERE o.session_id = ANY(\(sessions)) AND \(unsafeRaw: counted)
            """)[0]
        let (orders, total, refunds, late) = try totals.decode((Int, Decimal, Int, Int).self)
        details.orderCount = orders
        details.total = total
        let review = try await tx.query("SELECT count(*) FROM pos_order_conflict WHERE session_id = ANY(\(sessions))")[0].decode(Int.self)
        let drafts = try await tx.query("SELECT count(*) FROM pos_order WHERE session_id = ANY(\(sessions)) AND state = 'draft'")[0].decode(Int.self)

        // Cash moves of the drawer.
        var moves: Decimal = 0
        for row in try await tx.query("SELECT reason, amount FROM pos_cash_move WHERE session_id = ANY(\(sessions)) ORDER BY id") {
            let (reason, amount) = try row.decode((String, Decimal).self)
            moves += amount
            details.cashMoves.append(.dict(["name": .string(reason), "amount": .double(amount.double)]))
        }
        // Payments by method (change given is a negative cash payment).
        for row in try await tx.query("""
            SELECT m.id, m.name, m.type = 'cash', coalesce(sum(p.amount), 0), count(DISTINCT p.pos_order_id) FILTER (WHERE NOT p.is_change)
            FROM pos_payment p JOIN pos_order o ON o.id = p.pos_order_id JOIN pos_payment_method m ON m.id = p.payment_method_id
            WHERE o.session_id = ANY(\(sessions)) AND \(unsafeRaw: counted)
            GROUP BY m.id, m.name, m.type, m.sequence ORDER BY m.sequence, m.id
            """)
        {
            let (id, name, cash, amount, count) = try row.decode((Int64, String, Bool, Decimal, Int).self)
            var method: OrderedDictionary<String, Value> = [
                "id": .int(id), "name": .string("\(name) \(names ?? "")"), "cash": .bool(cash), "total": .double(amount.double), "number": .int(Int64(count)),
            ]
            if cash {
                details.expectedCash = details.opening + amount + moves
                method["final_count"] = .double(details.expectedCash.double)
                method["money_counted"] = allCounted == true ? .double((countedCash ?? 0).double) : .false
                method["money_difference"] = allCounted == true ? .double(((countedCash ?? 0) - details.expectedCash).double) : .false
                method["count"] = .bool(allCounted == true)
                method["cash_moves"] = .array([.dict(["name": "Cash Opening", "amount": .double(details.opening.double)])] + details.cashMoves)
                method["difference_reason"] = reason.map(Value.string) ?? .false
            }
            details.payments.append(method)
        }
        if !details.payments.contains(where: { $0["cash"] == .true }) { details.expectedCash = details.opening + moves }

        // Lines: products by category, refunds apart; taxes by the product's taxes; discounts.
        var products: [String: (qty: Decimal, total: Decimal, items: [Value])] = [:]
        var categories: [String] = []
        var refundItems: [Value] = []
        var productQty = Decimal(0), productTotal = Decimal(0), refundQty = Decimal(0), refundTotal = Decimal(0)
        for row in try await tx.query("""
            SELECT coalesce(cat.name, ''), l.product_id, coalesce(t.name, ''), coalesce(p.default_code, ''), l.price_unit, l.discount, sum(l.qty),
                sum(l.price_subtotal_incl), sum(l.price_subtotal), coalesce(u.name, '')
            FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id JOIN product_product p ON p.id = l.product_id
            JOIN product_template t ON t.id = p.product_tmpl_id LEFT JOIN product_category cat ON cat.id = t.categ_id
            LEFT JOIN uom_uom u ON u.id = t.uom_id
            WHERE o.session_id = ANY(\(sessions)) AND \(unsafeRaw: counted)
            GROUP BY cat.name, l.product_id, t.name, p.default_code, l.price_unit, l.discount, l.qty < 0, u.name
            ORDER BY cat.name, t.name, l.product_id, l.price_unit
            """)
        {
            let (category, product, name, code, price, discount, qty, incl, sub, uom) = try row.decode(
                (String, Int64, String, String, Decimal, Decimal, Decimal, Decimal, Decimal, String).self)
            let item: Value = .dict([
                "product_id": .int(product), "product_name": .string(name), "code": .string(code), "quantity": .double(qty.double),
                "price_unit": .double(price.double), "discount": .double(discount.double), "uom": .string(uom),
                "total_paid": .double(incl.double), "base_amount": .double(sub.double),
            ])
            if qty < 0 {
                refundItems.append(item)
                refundQty += qty
                refundTotal += incl
            } else {
                if products[category] == nil { categories.append(category) }
                products[category, default: (0, 0, [])].qty += qty
                products[category]!.total += incl
                products[category]!.items.append(item)
                productQty += qty
                productTotal += incl
            }
        }
        func taxes(_ sign: String) async throws -> (rows: [Value], tax: Decimal, base: Decimal) {
            var rows: [Value] = []
            var tax = Decimal(0), base = Decimal(0)
            for row in try await tx.query("""
                SELECT coalesce((SELECT string_agg(x.name, ', ' ORDER BY x.sequence, x.id) FROM product_taxes_rel r JOIN account_tax x ON x.id = r.tax_id
                                 WHERE r.prod_id = p.product_tmpl_id), ''),
                    sum(l.price_subtotal_incl - l.price_subtotal), sum(l.price_subtotal)
                FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id JOIN product_product p ON p.id = l.product_id
                WHERE o.session_id = ANY(\(sessions)) AND \(unsafeRaw: counted) AND l.qty \(unsafeRaw: sign) 0
                GROUP BY 1 ORDER BY 1
                """)
            {
                let (name, amount, untaxed) = try row.decode((String, Decimal, Decimal).self)
                guard !name.isEmpty else { continue }
                rows.append(.dict(["name": .string(name), "tax_amount": .double(amount.double), "base_amount": .double(untaxed.double)]))
                tax += amount
                base += untaxed
            }
            return (rows, tax, base)
        }
        let sold = try await taxes(">")
        let returned = try await taxes("<")
        let discounts = try await tx.query("""
            SELECT count(DISTINCT o.id), coalesce(sum(round(l.price_unit * l.qty * l.discount / 100, 2)), 0)
            FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id
            WHERE o.session_id = ANY(\(sessions)) AND \(unsafeRaw: counted) AND l.discount > 0 AND l.qty > 0
            """)[0]
        let (discountCount, discountAmount) = try discounts.decode((Int, Decimal).self)
        let reconciliation = try await reconciled(tx, sessions: sessions)

        details.report = .dict([
            "state": .string(closed == true ? "closed" : "opened"),
            "report": .string(closed == true ? "Z" : "X"),
            "session_name": names.map(Value.string) ?? .false,
            "config_names": .array((tills ?? []).map(Value.string)),
            "date_start": start.map(Value.string) ?? .false, "date_stop": stop.map(Value.string) ?? .false,
            "nbr_orders": .int(Int64(orders)),
            "currency": .dict(["symbol": "¥", "position": false, "total_paid": .double(total.double), "precision": 2]),
            "payments": .array(details.payments.map(Value.dict)),
            "taxes": .array(sold.rows), "taxes_info": .dict(["tax_amount": .double(sold.tax.double), "base_amount": .double(sold.base.double)]),
            "products": .array(categories.map { category in
                .dict(["name": .string(category), "qty": .double(products[category]!.qty.double), "total": .double(products[category]!.total.double),
                       "products": .array(products[category]!.items)])
            }),
            "products_info": .dict(["total": .double(productTotal.double), "qty": .double(productQty.double)]),
            "refund_products": .array(refundItems),
            "refund_info": .dict(["total": .double(refundTotal.double), "qty": .double(refundQty.double), "orders": .int(Int64(refunds))]),
            "refund_taxes": .array(returned.rows),
            "refund_taxes_info": .dict(["tax_amount": .double(returned.tax.double), "base_amount": .double(returned.base.double)]),
            "discount_number": .int(Int64(discountCount)), "discount_amount": .double(discountAmount.double),
            "late_receipts": .int(Int64(late)), "kept_for_review": .int(Int64(review)), "draft_orders": .int(Int64(drafts)),
            "invoiceList": .array([]), "invoiceTotal": 0,
            "opening_note": openingNote.map(Value.string) ?? "", "closing_note": closingNote.map(Value.string) ?? "",
            "company_name": company.map(Value.string) ?? .false,
            "reconciliation": .array(reconciliation),
        ])
        return details
    }

    /// The sessions' payment-code payments beside the channels' bills the payments module
    /// matched: per channel and business day, how many and how much, whether that day's bill is
    /// reconciled yet, and which of these payments it disagrees with (nothing of other stores').
    static func reconciled(_ tx: Transaction, sessions: [Int64]) async throws -> [Value] {
        var days: [Value] = []
        for row in try await tx.query("""
            SELECT p.card_type, o.business_day::text, count(*), sum(p.amount), bool_or(r.id IS NOT NULL),
                coalesce(jsonb_agg(jsonb_build_object('reference', p.payment_reference, 'kind', x.kind, 'channel_amount', x.channel_amount,
                                                      'our_amount', x.our_amount) ORDER BY p.id) FILTER (WHERE x.id IS NOT NULL), '[]')::text
            FROM pos_payment p JOIN pos_order o ON o.id = p.pos_order_id
            LEFT JOIN payment_reconciliation r ON r.channel = p.card_type AND r.bill_date = o.business_day
            LEFT JOIN LATERAL (SELECT l.id, l.kind, l.channel_amount, l.our_amount FROM payment_reconciliation_line l
                               WHERE l.reconciliation_id = r.id AND (l.reference = p.payment_reference OR l.refund_reference = p.payment_reference)
                               ORDER BY l.id LIMIT 1) x ON true
            WHERE o.session_id = ANY(\(sessions)) AND \(unsafeRaw: counted) AND p.card_type IN ('wechat', 'alipay') AND p.payment_reference IS NOT NULL
            GROUP BY p.card_type, o.business_day ORDER BY o.business_day, p.card_type
            """)
        {
            let (channel, day, count, amount, billed, mismatches) = try row.decode((String, String, Int, Decimal, Bool, String).self)
            days.append(.dict(["channel": .string(channel), "business_day": .string(day), "payments": .int(Int64(count)),
                               "amount": .double(amount.double), "bill_reconciled": .bool(billed),
                               "mismatches": try JSONReader.parse(Array(mismatches.utf8))]))
        }
        return days
    }
}
