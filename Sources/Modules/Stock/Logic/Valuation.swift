import ChainstoreCore
import ChainstoreDB
import Foundation

/// Valuation, in the transaction that moves the goods: every done line that brings a storable
/// product into a company's stock (its internal places, and its transit places: goods on their
/// way to another company are still the sender's), or takes it out, writes a layer. The category's
/// costing method decides the unit cost: average (AVCO, the default: the company's running
/// value over its running quantity), FIFO (the oldest layers with something left are consumed)
/// or standard (the product's cost). A company's running quantity and value per product live in
/// `stock_product_cost`, locked with the balances' order (after them, by company and product).
extension Ledger {
    struct ValuedLine: Sendable {
        let move: Int64, product: Int64, quantity: Decimal, category: Int64?, method: String
        let from: Int64?, to: Int64?, price: Decimal, standard: Decimal, description: String
    }

    struct Layer: Sendable {
        let company: Int64, product: Int64, category: Int64?, move: Int64, quantity: Decimal, unit: Decimal, value: Decimal
        let remaining: Decimal, remainingValue: Decimal, description: String
    }

    struct CostKey: Hashable, Comparable, Sendable {
        let company: Int64, product: Int64
        static func < (a: CostKey, b: CostKey) -> Bool { (a.company, a.product) < (b.company, b.product) }
    }

    /// Writes the layers of the moves just posted.
    func value(_ moveIds: [Int64]) async throws {
        try await value(lines: try await valuedLines(moveIds))
    }

    /// The done lines of `moveIds` that bring goods into a company's stock or take them out.
    func valuedLines(_ moveIds: [Int64]) async throws -> [ValuedLine] {
        var sql = SQLBuilder("SELECT ml.move_id, ml.product_id, ml.quantity_product_uom, t.categ_id, c.property_cost_method, ")
        sql += "CASE WHEN sl.usage IN ('internal', 'transit') THEN sl.company_id END, CASE WHEN dl.usage IN ('internal', 'transit') THEN dl.company_id END, "
        sql += "m.price_unit, t.standard_price, coalesce(m.reference, m.name, '') FROM stock_move_line ml "
        sql += "JOIN stock_move m ON m.id = ml.move_id JOIN stock_location sl ON sl.id = ml.location_id "
        sql += "JOIN stock_location dl ON dl.id = ml.location_dest_id JOIN product_product p ON p.id = ml.product_id "
        sql += "JOIN product_template t ON t.id = p.product_tmpl_id JOIN product_category c ON c.id = t.categ_id WHERE ml.move_id = ANY("
        sql.bind(.intArray(moveIds), cast: "bigint[]")
        sql += ") AND ml.quantity_product_uom > 0 AND t.type = 'product' AND ((sl.usage IN ('internal', 'transit') AND sl.company_id IS NOT NULL) "
        sql += "OR (dl.usage IN ('internal', 'transit') AND dl.company_id IS NOT NULL)) AND (sl.usage NOT IN ('internal', 'transit') "
        sql += "OR dl.usage NOT IN ('internal', 'transit') OR sl.company_id IS DISTINCT FROM dl.company_id) ORDER BY ml.id"
        let lines = try await tx.query(sql).map { row in
            let (move, product, quantity, category, method, from, to, price, standard, description) = try row.decode(
                (Int64, Int64, Decimal, Int64?, String, Int64?, Int64?, Decimal, Decimal, String).self)
            return ValuedLine(move: move, product: product, quantity: quantity, category: category, method: method, from: from, to: to,
                              price: price, standard: standard, description: description)
        }
        return lines
    }

    /// Writes the layers of `lines` (in their order) and the companies' running costs. `locked`:
    /// running costs the caller has already locked (the others are locked here).
    func value(lines: [ValuedLine], locked: [CostKey: (quantity: Decimal, value: Decimal)] = [:]) async throws {
        guard !lines.isEmpty else { return }
        let keys = Set(lines.flatMap { line in [line.from, line.to].compactMap { $0 }.map { CostKey(company: $0, product: line.product) } }).sorted()
        var costs = locked
        let missing = keys.filter { costs[$0] == nil }
        if !missing.isEmpty { costs.merge(try await lockCosts(missing)) { $1 } }
        var fifo = try await lockFIFO(keys.filter { key in lines.contains { $0.product == key.product && $0.method == "fifo" && $0.from == key.company } })
        var layers: [Layer] = []
        var consumed: [Int64: (quantity: Decimal, value: Decimal)] = [:]
        // What leaves first (an inter-company move is valued out, then in at that cost).
        for line in lines {
            var outUnit: Decimal?
            if let company = line.from {
                let key = CostKey(company: company, product: line.product)
                var cost = costs[key]!
                var value: Decimal
                switch line.method {
                case "fifo":
                    var left = line.quantity
                    value = 0
                    var queue = fifo[key] ?? []
                    while left > 0, !queue.isEmpty {
                        let take = min(left, queue[0].remaining)
                        let worth = take == queue[0].remaining ? queue[0].remainingValue : Self.fen(take * queue[0].remainingValue / queue[0].remaining)
                        value += worth
                        left -= take
                        queue[0].remaining -= take
                        queue[0].remainingValue -= worth
                        consumed[queue[0].id] = (queue[0].remaining, queue[0].remainingValue)
                        if queue[0].remaining == 0 { queue.removeFirst() }
                    }
                    fifo[key] = queue
                    if left > 0 { value += Self.fen(left * (cost.quantity > 0 ? cost.value / cost.quantity : line.standard)) }
                case "standard":
                    value = Self.fen(line.quantity * line.standard)
                default:
                    value = cost.quantity == line.quantity ? cost.value
                        : Self.fen(line.quantity * (cost.quantity > 0 ? cost.value / cost.quantity : line.standard))
                }
                outUnit = value / line.quantity
                cost.quantity -= line.quantity
                cost.value -= value
                costs[key] = cost
                layers.append(Layer(company: company, product: line.product, category: line.category, move: line.move, quantity: -line.quantity,
                                    unit: Self.round(value / line.quantity), value: -value, remaining: 0, remainingValue: 0, description: line.description))
            }
            if let company = line.to {
                let key = CostKey(company: company, product: line.product)
                var cost = costs[key]!
                let unit: Decimal = line.method == "standard" ? line.standard
                    : line.price > 0 ? line.price : outUnit ?? (cost.quantity > 0 ? cost.value / cost.quantity : line.standard)
                let value = Self.fen(line.quantity * unit)
                cost.quantity += line.quantity
                cost.value += value
                costs[key] = cost
                layers.append(Layer(company: company, product: line.product, category: line.category, move: line.move, quantity: line.quantity,
                                    unit: Self.round(unit), value: value, remaining: line.method == "fifo" ? line.quantity : 0,
                                    remainingValue: line.method == "fifo" ? value : 0, description: line.description))
            }
        }
        try await write(layers, costs: costs, consumed: consumed)
    }

    static func fen(_ value: Decimal) -> Decimal { value.rounded(2) }

    static func round(_ value: Decimal) -> Decimal { value.rounded(6) }

    /// The running costs of `keys`, locked in (company, product) order; missing ones are made
    /// (at zero) in the same statement: the upsert locks the row it finds or inserts.
    func lockCosts(_ keys: [CostKey]) async throws -> [CostKey: (quantity: Decimal, value: Decimal)] {
        let sorted = keys.sorted()
        var sql = SQLBuilder("INSERT INTO stock_product_cost (company_id, product_id) SELECT * FROM unnest(")
        sql.bind(.intArray(sorted.map(\.company)), cast: "bigint[]")
        sql += ", "
        sql.bind(.intArray(sorted.map(\.product)), cast: "bigint[]")
        sql += ") ORDER BY 1, 2 ON CONFLICT (company_id, product_id) DO UPDATE SET quantity = stock_product_cost.quantity "
        sql += "RETURNING company_id, product_id, quantity, value"
        var costs: [CostKey: (Decimal, Decimal)] = [:]
        for row in try await tx.query(sql) {
            let (company, product, quantity, value) = try row.decode((Int64, Int64, Decimal, Decimal).self)
            costs[CostKey(company: company, product: product)] = (quantity, value)
        }
        return costs
    }

    /// Running costs as a statement returns them: `[[company, product, "quantity", "value"], …]`.
    static func parseCosts(_ json: String) throws -> [CostKey: (quantity: Decimal, value: Decimal)] {
        var costs: [CostKey: (quantity: Decimal, value: Decimal)] = [:]
        for item in try JSONReader.parse(Array(json.utf8)).arrayValue ?? [] {
            guard let a = item.arrayValue, a.count == 4, let company = a[0].intValue, let product = a[1].intValue,
                let quantity = a[2].stringValue.flatMap({ Decimal(string: $0) }), let value = a[3].stringValue.flatMap({ Decimal(string: $0) })
            else { throw ChainstoreError.valueError("A running cost came back malformed: \(item)") }
            costs[CostKey(company: company, product: product)] = (quantity, value)
        }
        return costs
    }

    struct OpenLayer: Sendable { let id: Int64; var remaining: Decimal, remainingValue: Decimal }

    func lockFIFO(_ keys: [CostKey]) async throws -> [CostKey: [OpenLayer]] {
        guard !keys.isEmpty else { return [:] }
        var sql = SQLBuilder("SELECT l.id, l.company_id, l.product_id, l.remaining_qty, l.remaining_value FROM stock_valuation_layer l JOIN unnest(")
        sql.bind(.intArray(keys.map(\.company)), cast: "bigint[]")
        sql += ", "
        sql.bind(.intArray(keys.map(\.product)), cast: "bigint[]")
        sql += ") AS k(company, product) ON l.company_id = k.company AND l.product_id = k.product WHERE l.remaining_qty > 0 ORDER BY l.id FOR UPDATE OF l"
        var open: [CostKey: [OpenLayer]] = [:]
        for row in try await tx.query(sql) {
            let (id, company, product, remaining, value) = try row.decode((Int64, Int64, Int64, Decimal, Decimal).self)
            open[CostKey(company: company, product: product), default: []].append(OpenLayer(id: id, remaining: remaining, remainingValue: value))
        }
        return open
    }

    /// The layers, the running costs and the FIFO layers consumed: one statement.
    func write(_ layers: [Layer], costs: [CostKey: (quantity: Decimal, value: Decimal)], consumed: [Int64: (quantity: Decimal, value: Decimal)]) async throws {
        var sql = SQLBuilder("WITH layers AS (INSERT INTO stock_valuation_layer (company_id, product_id, categ_id, stock_move_id, quantity, unit_cost, value, ")
        sql += "remaining_qty, remaining_value, description, create_uid, create_date, write_uid, write_date) SELECT d.company, d.product, "
        sql += "nullif(d.categ, 0), d.move, d.qty, d.unit, d.value, d.rem, d.remv, d.descr, "
        sql.bind(.int(uid))
        sql += "::bigint, now(), "
        sql.bind(.int(uid))
        sql += "::bigint, now() FROM "
        let numbers: [(SQLBind, String)] = [\Layer.quantity, \.unit, \.value, \.remaining, \.remainingValue].map { column in
            (.textArray(layers.map { "\($0[keyPath: column])" }), "numeric[]")
        }
        sql.appendUnnest([
            (.intArray(layers.map(\.company)), "bigint[]"), (.intArray(layers.map(\.product)), "bigint[]"),
            (.intArray(layers.map { $0.category ?? 0 }), "bigint[]"), (.intArray(layers.map(\.move)), "bigint[]"),
        ] + numbers + [(.textArray(layers.map(\.description)), "text[]")], as: "d(company, product, categ, move, qty, unit, value, rem, remv, descr)")
        let keys = costs.keys.sorted()
        sql += "), costs AS (UPDATE stock_product_cost c SET quantity = d.qty, value = d.value FROM "
        sql.appendUnnest([
            (.intArray(keys.map(\.company)), "bigint[]"), (.intArray(keys.map(\.product)), "bigint[]"),
            (.textArray(keys.map { "\(costs[$0]!.quantity)" }), "numeric[]"), (.textArray(keys.map { "\(costs[$0]!.value)" }), "numeric[]"),
        ], as: "d(company, product, qty, value)")
        sql += " WHERE c.company_id = d.company AND c.product_id = d.product)"
        if !consumed.isEmpty {
            let ids = consumed.keys.sorted()
            sql += ", fifo AS (UPDATE stock_valuation_layer l SET remaining_qty = d.qty, remaining_value = d.value, write_date = now() FROM "
            sql.appendUnnest([
                (.intArray(ids), "bigint[]"), (.textArray(ids.map { "\(consumed[$0]!.quantity)" }), "numeric[]"),
                (.textArray(ids.map { "\(consumed[$0]!.value)" }), "numeric[]"),
            ], as: "d(id, qty, value)")
            sql += " WHERE l.id = d.id)"
        }
        sql += " SELECT 1"
        try await tx.query(sql)
    }
}

/// The value of stock at a moment, by company, location or category: today's balances and
/// running values with everything after the moment taken back out (so a recent date reads few
/// rows). A location's value is its quantity at that moment times its company's unit value of
/// the product at that moment.
public enum StockValue {
    public enum Grouping: String, Sendable, CaseIterable { case company, location, category }

    public static func at(_ store: RecordStore, date: String?, groupBy: Grouping, company: Int64? = nil) async throws -> [Value] {
        try await store.checkAccess(try store.model("stock.valuation.layer"), .read)
        var sql = SQLBuilder("WITH moment AS (SELECT coalesce(")
        sql.bind(date.map(SQLBind.text) ?? .null, cast: "timestamp")
        sql += " AT TIME ZONE 'UTC', now()) AS at), reach AS (SELECT c.id FROM res_company c JOIN res_company r ON c.parent_path LIKE r.parent_path || '%' "
        sql += "WHERE r.id = ANY("
        sql.bind(.intArray(store.env.isSystem ? [1] : store.env.allowedCompanyIds), cast: "bigint[]")
        sql += ") AND ("
        sql.bind(company.map(SQLBind.int) ?? .null, cast: "bigint")
        sql += " IS NULL OR c.parent_path LIKE (SELECT parent_path FROM res_company WHERE id = "
        sql.bind(company.map(SQLBind.int) ?? .null, cast: "bigint")
        sql += ") || '%')), after AS (SELECT company_id, product_id, sum(quantity) AS q, sum(value) AS v FROM stock_valuation_layer, moment "
        sql += "WHERE create_date > moment.at GROUP BY 1, 2), cost AS (SELECT c.company_id, c.product_id, c.quantity - coalesce(a.q, 0) AS q, "
        sql += "c.value - coalesce(a.v, 0) AS v FROM stock_product_cost c LEFT JOIN after a USING (company_id, product_id) "
        sql += "WHERE c.company_id IN (SELECT id FROM reach)) "
        switch groupBy {
        case .company:
            sql += "SELECT cost.company_id, co.name, sum(cost.q), round(sum(cost.v), 2) FROM cost JOIN res_company co ON co.id = cost.company_id "
            sql += "GROUP BY 1, 2 HAVING sum(cost.q) <> 0 OR sum(cost.v) <> 0 ORDER BY 1"
        case .category:
            sql += "SELECT t.categ_id, cat.complete_name, sum(cost.q), round(sum(cost.v), 2) FROM cost JOIN product_product p ON p.id = cost.product_id "
            sql += "JOIN product_template t ON t.id = p.product_tmpl_id JOIN product_category cat ON cat.id = t.categ_id "
            sql += "GROUP BY 1, 2 HAVING sum(cost.q) <> 0 OR sum(cost.v) <> 0 ORDER BY 2"
        case .location:
            sql += ", moved AS (SELECT ml.location_dest_id AS loc, ml.product_id, -ml.quantity_product_uom AS q FROM stock_move_line ml, moment "
            sql += "WHERE ml.state = 'done' AND ml.date > moment.at UNION ALL SELECT ml.location_id, ml.product_id, ml.quantity_product_uom "
            sql += "FROM stock_move_line ml, moment WHERE ml.state = 'done' AND ml.date > moment.at), "
            sql += "held AS (SELECT loc, product_id, sum(q) AS q FROM (SELECT location_id AS loc, product_id, quantity AS q FROM stock_quant "
            sql += "UNION ALL SELECT loc, product_id, q FROM moved) x GROUP BY 1, 2) "
            sql += "SELECT l.id, l.complete_name, sum(h.q), round(sum(h.q * cost.v / nullif(cost.q, 0)), 2) FROM held h "
            sql += "JOIN stock_location l ON l.id = h.loc AND l.usage IN ('internal', 'transit') JOIN cost ON cost.company_id = l.company_id AND cost.product_id = h.product_id "
            sql += "GROUP BY 1, 2 HAVING sum(h.q) <> 0 ORDER BY 2"
        }
        return try await store.tx.query(sql).map { row in
            let (id, name, quantity, value) = try row.decode((Int64, String, Decimal, Decimal?).self)
            return .dict([
                "\(groupBy == .category ? "categ" : groupBy.rawValue)_id": .array([.int(id), .string(name)]),
                "quantity": .number(quantity), "value": .number(value ?? 0),
            ])
        }
    }
}
