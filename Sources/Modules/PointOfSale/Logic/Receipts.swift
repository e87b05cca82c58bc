import ChainstoreCore
import ChainstoreDB
import Foundation
import Payments
import Stock

/// A sale's receipt, read once from the stored order, rendered for a thermal printer (ESC/POS,
/// 58 mm = 32 columns or 80 mm = 48 columns, Chinese in GB 18030 as Chinese printers take it) or
/// as HTML. The labels are the receipt's own (Chinese with `lang=zh_CN`, the default, or
/// English): a receipt is printed matter, not a screen of the till.
struct Receipt: Sendable {
    struct Line: Sendable { let name: String, qty: Decimal, price: Decimal, amount: Decimal, discount: Decimal }
    let store: String, till: String, name: String, reference: String, date: String, cashier: String
    let header: String, footer: String
    let lines: [Line]
    let total: Decimal, tax: Decimal, payments: [(String, Decimal)], change: Decimal, refund: Bool

    static let labels: [String: [String: String]] = [
        "zh_CN": ["receipt": "购物小票", "refund": "退货小票", "till": "收银台", "cashier": "收银员", "date": "时间", "no": "单号",
                  "item": "商品", "qty": "数量", "amount": "金额", "total": "合计", "tax": "其中税额", "change": "找零", "discount": "折扣"],
        "en": ["receipt": "RECEIPT", "refund": "REFUND", "till": "Till", "cashier": "Cashier", "date": "Date", "no": "No.",
               "item": "Item", "qty": "Qty", "amount": "Amount", "total": "Total", "tax": "incl. tax", "change": "Change", "discount": "Discount"],
    ]

    /// The order `id`, as the caller may read it.
    static func load(_ store: RecordStore, id: Int64) async throws -> Receipt {
        guard let order = try await store.read("pos.order", ids: [id], fields: [
            "name", "uid", "date_order", "user_id", "company_id", "config_id", "amount_total", "amount_tax", "amount_return", "is_refund", "state",
        ]).first else { throw ChainstoreError.missing("Order \(id) does not exist") }
        guard order["state"] != "draft", order["state"] != "cancel" else { throw ChainstoreError.userError("Order \(id) is not paid: it has no receipt") }
        func name(_ field: String) -> String { order[field]?.arrayValue?.last?.stringValue ?? "" }
        let facts = try await store.tx.query("""
            SELECT coalesce(c.receipt_header, ''), coalesce(c.receipt_footer, ''), to_char(o.date_order AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')
            FROM pos_order o JOIN pos_config c ON c.id = o.config_id WHERE o.id = \(id)
            """)[0].decode((String, String, String).self)
        let lines = try await store.tx.query("""
            SELECT coalesce(l.full_product_name, t.name), l.qty, l.price_unit, l.price_subtotal_incl, l.discount
            FROM pos_order_line l JOIN product_product p ON p.id = l.product_id JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE l.order_id = \(id) ORDER BY l.id
            """).map { row in
            let (name, qty, price, amount, discount) = try row.decode((String, Decimal, Decimal, Decimal, Decimal).self)
            return Line(name: name, qty: qty, price: price, amount: amount, discount: discount)
        }
        let payments = try await store.tx.query("""
            SELECT m.name, p.amount FROM pos_payment p JOIN pos_payment_method m ON m.id = p.payment_method_id
            WHERE p.pos_order_id = \(id) AND NOT p.is_change ORDER BY p.id
            """).map { try $0.decode((String, Decimal).self) }
        func decimal(_ field: String) -> Decimal { Decimal(string: "\(order[field]?.doubleValue ?? 0)") ?? 0 }
        return Receipt(store: name("company_id"), till: name("config_id"), name: order["name"]?.stringValue ?? "", reference: order["uid"]?.stringValue ?? "",
                       date: facts.2, cashier: name("user_id"), header: facts.0, footer: facts.1, lines: lines, total: decimal("amount_total"),
                       tax: decimal("amount_tax"), payments: payments, change: decimal("amount_return"), refund: order["is_refund"] == .true)
    }

    /// Yuan to the fen, rounded half away from zero: "12.50".
    static func money(_ value: Decimal) -> String {
        String(format: "%.2f", value.rounded(2).double)
    }

    static func quantity(_ value: Decimal) -> String { "\(value)" }

    // MARK: ESC/POS

    /// Columns a text takes on a thermal printer: CJK and other wide characters take two.
    static func columns(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 && $1.properties.isIdeographic || (0xFF00...0xFFEF).contains($1.value) || (0x3000...0x303F).contains($1.value) ? 2 : 1) }
    }

    /// `text` cut into lines of at most `width` columns.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for character in text {
            if columns(current + String(character)) > width {
                lines.append(current)
                current = ""
            }
            current.append(character)
        }
        return lines + [current]
    }

    /// `left` and `right` on one line of `width` columns (the left cut to fit).
    static func spread(_ left: String, _ right: String, width: Int) -> String {
        var left = left
        while columns(left) + columns(right) + 1 > width, !left.isEmpty { left.removeLast() }
        return left + String(repeating: " ", count: max(1, width - columns(left) - columns(right))) + right
    }

    func escpos(width: Int, lang: String) throws -> [UInt8] {
        let label = Self.labels[lang] ?? Self.labels["zh_CN"]!
        let esc: UInt8 = 0x1B, gs: UInt8 = 0x1D
        var out: [UInt8] = [esc, 0x40]                     // ESC @: initialise
        func text(_ value: String) throws { out += Array(try ChannelBill.gbk(value)) }
        func line(_ value: String = "") throws {
            for part in Self.wrap(value, width: width) {
                try text(part)
                out.append(0x0A)
            }
        }
        func align(_ n: UInt8) { out += [esc, 0x61, n] }   // ESC a n: 0 left, 1 centre
        func bold(_ on: Bool) { out += [esc, 0x45, on ? 1 : 0] }
        func size(_ n: UInt8) { out += [gs, 0x21, n] }     // GS ! n: 0x11 double width and height
        let rule = String(repeating: "-", count: width)
        align(1)
        bold(true); size(0x11)
        for part in Self.wrap(store, width: width / 2) {
            try text(part)
            out.append(0x0A)
        }
        size(0); bold(false)
        if !header.isEmpty { try line(header) }
        try line(refund ? label["refund"]! : label["receipt"]!)
        align(0)
        try line("\(label["no"]!) \(name)")
        try line("\(label["till"]!) \(till)")
        try line("\(label["cashier"]!) \(cashier)")
        try line("\(label["date"]!) \(date)")
        try line(rule)
        for item in lines {
            try line(item.name)
            var detail = "  \(Self.quantity(item.qty)) x \(Self.money(item.price))"
            if item.discount > 0 { detail += " -\(item.discount)%" }
            try line(Self.spread(detail, Self.money(item.amount), width: width))
        }
        try line(rule)
        bold(true)
        try line(Self.spread(label["total"]!, Self.money(total), width: width))
        bold(false)
        if tax != 0 { try line(Self.spread(label["tax"]!, Self.money(tax), width: width)) }
        for (method, amount) in payments { try line(Self.spread(method, Self.money(amount), width: width)) }
        if change > 0 { try line(Self.spread(label["change"]!, Self.money(change), width: width)) }
        if !footer.isEmpty {
            align(1)
            try line()
            try line(footer)
        }
        out += [esc, 0x64, 4]                               // ESC d 4: feed four lines
        out += [gs, 0x56, 0x42, 0]                          // GS V B 0: feed and cut
        return out
    }

    // MARK: HTML

    /// The receipt's page template (`Print/receipt.mustache`).
    static let template = PrintTemplate(Bundle.module.url(forResource: "Print", withExtension: nil)!, "receipt")

    func html(lang: String) throws -> String {
        let label = Self.labels[lang] ?? Self.labels["zh_CN"]!
        var totals: [[String: Any]] = [["label": label["total"]!, "amount": Self.money(total), "first": true]]
        if tax != 0 { totals.append(["label": label["tax"]!, "amount": Self.money(tax)]) }
        for (method, amount) in payments { totals.append(["label": method, "amount": Self.money(amount)]) }
        if change > 0 { totals.append(["label": label["change"]!, "amount": Self.money(change)]) }
        return try Self.template.render([
            "htmlLang": lang == "en" ? "en" : "zh-CN", "name": name, "store": store, "header": header, "hasHeader": !header.isEmpty, "footer": footer, "hasFooter": !footer.isEmpty,
            "kind": refund ? label["refund"]! : label["receipt"]!, "label": label, "till": till, "cashier": cashier, "date": date,
            "lines": lines.map { ["name": $0.name, "qty": Self.quantity($0.qty), "amount": Self.money($0.amount)] },
            "totals": totals,
        ])
    }
}
