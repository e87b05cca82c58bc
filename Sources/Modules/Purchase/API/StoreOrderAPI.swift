import ChainstoreCore
import ChainstoreDB
import Foundation

/// A store orders from its suppliers by hand (the `/replenish` page):
/// - `GET /api/v1/store/replenishment`: the caller's company, its suppliers with a delivery
///   schedule (the next delivery day still open and its deadline), and its reordering rules with
///   what each would order now (at most 500, by product).
/// - `POST /api/v1/store/orders {"supplier_id", "key", "lines": [{"product_id", "quantity"}]}`: a
///   purchase order of the caller's company, approved at once (within the deadline and credit
///   limit, or refused leaving nothing). The `key` (8–64 characters, one per order the page
///   makes) makes a resent order return the first answer with `"duplicate": true`.
enum StoreOrderAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.get, "/api/v1/store/replenishment", handler: overview),
        Endpoint(.post, "/api/v1/store/orders", maxBodyBytes: 256 << 10, handler: order),
    ]

    static func overview(_ request: EndpointRequest) async throws -> EndpointResponse {
        let caller = try request.signedIn()
        let value = try await caller.run(transaction: true) { store -> Value in
            let company = store.env.companyId
            let name = try await store.read("res.company", ids: [company], fields: ["name"])[0]["name"] ?? .false
            let schedules = try await store.searchRead("replenishment.delivery.schedule", domain: .leaf("company_id", .equal, .int(company)),
                                                       fields: ["partner_id", "route"], load: .classicWrite)
            var suppliers: [Value] = []
            for partner in Set(schedules.compactMap { $0["partner_id"]?.intValue }).sorted() {
                let row = try await store.tx.query("""
                    SELECT p.name, to_char(n.day, 'YYYY-MM-DD'), to_char(replenishment_deadline(\(company), p.id, n.day) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')
                    FROM res_partner p, LATERAL (SELECT replenishment_next_delivery(\(company), p.id, (now() AT TIME ZONE 'Asia/Shanghai')::date, now()) AS day) n
                    WHERE p.id = \(partner)
                    """)[0]
                let (supplier, day, deadline) = try row.decode((String, String?, String?).self)
                suppliers.append(["id": .int(partner), "name": .string(supplier), "next_delivery": day.map(Value.string) ?? .false,
                                  "deadline": deadline.map(Value.string) ?? .false])
            }
            let rules = try await store.searchRead("stock.warehouse.orderpoint", domain: .leaf("company_id", .equal, .int(company)),
                                                   fields: ["product_id", "qty_on_hand", "qty_forecast", "qty_to_order"], limit: 500,
                                                   order: "product_id, id")
            let lines: [Value] = rules.map { rule in
                let product = rule["product_id"]?.arrayValue
                return ["product_id": product?.first ?? .false, "product": product?.last ?? .false, "on_hand": rule["qty_on_hand"] ?? .false,
                        "forecast": rule["qty_forecast"] ?? .false, "suggested": rule["qty_to_order"] ?? .false]
            }
            return ["company": name, "suppliers": .array(suppliers), "lines": .array(lines)]
        }
        return .json(value)
    }

    static func order(_ request: EndpointRequest) async throws -> EndpointResponse {
        let fields = try request.jsonObject()
        guard let supplier = fields["supplier_id"]?.intValue, supplier > 0 else { throw ChainstoreError.valueError("supplier_id must be a partner id") }
        guard let key = fields["key"]?.stringValue, (8...64).contains(key.count),
              key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw ChainstoreError.valueError("key must be 8 to 64 letters, digits, - or _")
        }
        guard let items = fields["lines"]?.arrayValue, (1...1000).contains(items.count) else {
            throw ChainstoreError.valueError("lines must list 1 to 1,000 products")
        }
        let lines: [Value] = try items.map { item in
            guard let product = item.dictValue?["product_id"]?.intValue, product > 0,
                  let quantity = item.dictValue?["quantity"].flatMap({ $0.doubleValue ?? $0.intValue.map(Double.init) }), quantity > 0, quantity < 1e6 else {
                throw ChainstoreError.valueError("each line needs a product_id and a quantity above 0 (below 1,000,000)")
            }
            return [0, 0, ["product_id": .int(product), "product_qty": .double(quantity)]]
        }
        let origin = "store-order:" + key
        let caller = try request.signedIn()
        let (value, created) = try await caller.run(transaction: true) { store -> (Value, Bool) in
            let company = store.env.companyId
            let existing = try await store.search("purchase.order", domain: .and([
                .leaf("origin", .equal, .string(origin)), .leaf("company_id", .equal, .int(company)),
            ]))
            let order: Int64
            if let first = existing.first {
                order = first
            } else {
                order = try await store.create("purchase.order", [[
                    "partner_id": .int(supplier), "company_id": .int(company), "origin": .string(origin), "order_line": .array(lines),
                ]])[0]
                _ = try await store.registry.methods.method("purchase.order", "button_confirm")!.handler(
                    MethodCall(store: store, ids: [order], args: [], kwargs: [:]))
            }
            let row = try await store.tx.query("""
                SELECT o.name, o.state, to_char(min(l.date_planned) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), (SELECT s.name FROM sale_order s WHERE s.id = o.auto_sale_order_id)
                FROM purchase_order o LEFT JOIN purchase_order_line l ON l.order_id = o.id WHERE o.id = \(order) GROUP BY o.id
                """)[0]
            let (name, state, day, sale) = try row.decode((String, String, String?, String?).self)
            var answer: RecordValues = ["ok": true, "id": .int(order), "name": .string(name), "state": .string(state),
                                        "delivery": day.map(Value.string) ?? .false, "sale_order": sale.map(Value.string) ?? .false]
            if !existing.isEmpty { answer["duplicate"] = true }
            return (.dict(answer), existing.isEmpty)
        }
        return .json(value, status: created ? 201 : 200)
    }
}
