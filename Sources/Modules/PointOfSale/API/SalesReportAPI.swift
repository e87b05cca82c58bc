import ChainstoreCore
import ChainstoreDB
import Barcode
import Foundation

/// The group's sales by business day (China time) and city or store, under the caller's company
/// rules (a city manager sees its city, a store its store), as a report to read or export:
/// `GET /api/v1/pos/reports/sales?from=YYYY-MM-DD&to=YYYY-MM-DD[&by=city|store][&format=json|csv][&lang=zh_CN|en]`.
/// One `read_group` of `pos.order` (paid, posted and invoiced orders), per day and city or store:
/// orders, sales, tax, refunds (their orders and amount); the period's totals last. At most 92
/// days.
enum SalesReportAPI {
    static let endpoints: [Endpoint] = [Endpoint(.get, "/api/v1/pos/reports/sales", handler: sales)]

    static let headers = [
        "en": ["Business day", "City", "Store", "Orders", "Sales", "Tax", "Refund orders", "Refunds"],
        "zh_CN": ["营业日", "城市", "门店", "订单数", "销售额", "税额", "退货单数", "退款额"],
    ]

    struct Row {
        var day: String, group: String, orders: Int64 = 0, sales = Decimal(0), tax = Decimal(0), refundOrders: Int64 = 0, refunds = Decimal(0)

        /// Adds another row's figures to this one's.
        mutating func add(_ other: Row) {
            orders += other.orders
            sales += other.sales
            tax += other.tax
            refundOrders += other.refundOrders
            refunds += other.refunds
        }
    }

    /// A real date written `YYYY-MM-DD`.
    static func day(_ text: String, _ name: String) throws -> GS1Date {
        do { return try GS1Date(iso: text) } catch { throw ChainstoreError.valueError("\(name) must be a date, YYYY-MM-DD") }
    }

    /// Days from `first` to `last`.
    static func span(_ first: GS1Date, _ last: GS1Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.dateComponents([.day], from: DateComponents(year: first.year, month: first.month, day: first.day),
                                       to: DateComponents(year: last.year, month: last.month, day: last.day)).day ?? .max
    }

    static func sales(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (from, to) = (request.query["from"] ?? "", request.query["to"] ?? "")
        let (first, last) = (try day(from, "from"), try day(to, "to"))
        guard first <= last, span(first, last) < 92 else { throw ChainstoreError.valueError("from must not be after to, and the period is at most 92 days") }
        let by = request.query["by"] ?? "city"
        guard by == "city" || by == "store" else { throw ChainstoreError.valueError("by must be city or store") }
        let format = request.query["format"] ?? "json"
        guard format == "json" || format == "csv" else { throw ChainstoreError.valueError("format must be json or csv") }
        let lang = request.query["lang"] ?? "zh_CN"
        guard let header = headers[lang] else { throw ChainstoreError.valueError("lang must be zh_CN or en") }
        let field = by == "city" ? "city_id" : "company_id"
        let groups = try await request.signedIn().read { store in
            try await store.readGroup(
                "pos.order",
                domain: .and([.leaf("business_day", .greaterOrEqual, .string(from)), .leaf("business_day", .lessOrEqual, .string(to)),
                              .leaf("state", .in, ["paid", "done", "invoiced"])]),
                fields: ["amount_total:sum", "amount_tax:sum"], groupby: ["business_day:day", field, "is_refund"], orderby: "business_day:day, \(field)",
                lazy: false)
        }
        var rows: [Row] = []
        var index: [String: Int] = [:]
        for group in groups {
            // The day as a date (the group's range starts on it), not read_group's label.
            let range = group["__range"]?.dictValue?["business_day:day"]?.dictValue?["from"]?.stringValue
            let day = range.map { String($0.prefix(10)) } ?? group["business_day:day"]?.stringValue ?? ""
            let named = group[field]?.arrayValue.flatMap { $0.count > 1 ? $0[1].stringValue : nil } ?? ""
            let key = day + "\u{1}" + named
            let at = index[key] ?? rows.count
            if at == rows.count {
                index[key] = at
                rows.append(Row(day: day, group: named))
            }
            let count = group["__count"]?.intValue ?? 0
            let (total, tax) = (Decimal(group["amount_total"]?.doubleValue ?? 0), Decimal(group["amount_tax"]?.doubleValue ?? 0))
            rows[at].add(group["is_refund"]?.boolValue == true
                ? Row(day: day, group: named, tax: tax, refundOrders: count, refunds: total)
                : Row(day: day, group: named, orders: count, sales: total, tax: tax))
        }
        let sum = rows.reduce(into: Row(day: "", group: "")) { $0.add($1) }
        func money(_ value: Decimal) -> String { String(format: "%.2f", value.double) }
        if format == "csv" {
            func cell(_ text: String) -> String {
                text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            }
            let columns = [header[0], header[by == "city" ? 1 : 2]] + header[3...]
            var csv = columns.joined(separator: ",") + "\r\n"
            for row in rows + [sum] {
                csv += [cell(row.day), cell(row.group), "\(row.orders)", money(row.sales), money(row.tax), "\(row.refundOrders)", money(row.refunds)]
                    .joined(separator: ",") + "\r\n"
            }
            return EndpointResponse(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8"),
                                                           ("Content-Disposition", "attachment; filename=\"sales-\(by)-\(from)-\(to).csv\"")],
                                    body: [0xEF, 0xBB, 0xBF] + Array(csv.utf8))
        }
        func json(_ row: Row) -> Value {
            .dict(["business_day": row.day.isEmpty ? .false : .string(row.day), by: row.group.isEmpty ? .false : .string(row.group),
                   "orders": .int(row.orders), "sales": .double(row.sales.double), "tax": .double(row.tax.double),
                   "refund_orders": .int(row.refundOrders), "refunds": .double(row.refunds.double)])
        }
        return .json(.dict(["from": .string(from), "to": .string(to), "by": .string(by), "rows": .array(rows.map(json)), "total": json(sum)]))
    }
}
