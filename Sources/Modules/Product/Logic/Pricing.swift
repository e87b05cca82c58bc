import ChainstoreCore
import ChainstoreDB
import Foundation

/// Prices many (product, quantity) lines for one company on one date in one database round
/// trip: the products with their prices and taxes, every price rule that could apply to them
/// (the company's own lists, its parents', and the lists their formulas are based on) and the
/// order of the lists, fetched together and evaluated here. Used by the POS and B2B orders.
public enum Pricing {
    public struct Line: Sendable, Equatable {
        public let productId: Int64
        public let quantity: Decimal
        /// Percent off the line's amount (a till's line or order discount).
        public var discount: Decimal = 0
        /// A unit price that replaces the price lists' (set by hand, or a refund's original
        /// price); taxes still follow the product.
        public var priceUnit: Decimal? = nil
        public init(productId: Int64, quantity: Decimal, discount: Decimal = 0, priceUnit: Decimal? = nil) {
            self.productId = productId
            self.quantity = quantity
            self.discount = discount
            self.priceUnit = priceUnit
        }
    }

    public struct Priced: Sendable, Equatable {
        public let productId: Int64
        public let quantity: Decimal
        /// Unit price after the price rules, rounded to the fen.
        public let priceUnit: Decimal
        /// `priceUnit × quantity` rounded to the fen: what the customer pays for a line with
        /// price-included taxes.
        public let subtotal: Decimal
        public let untaxed: Decimal
        public let tax: Decimal
        public let total: Decimal
        public let taxIds: [Int64]
        /// The rule that set the price, nil for the product's own sales price.
        public let ruleId: Int64?
        /// The price lists' unit price (equal to `priceUnit` unless the line gave its own).
        public var listPrice: Decimal
    }

    /// Prices `lines` for `company` on `date` ("YYYY-MM-DD HH:MM:SS" UTC, default now). Products
    /// the user may not read are an access error; unknown ones a missing-record error.
    public static func price(_ store: RecordStore, company: Int64, date: String? = nil, lines: [Line]) async throws -> [Priced] {
        guard !lines.isEmpty else { return [] }
        let products = try store.model("product.product")
        try await store.checkAccess(products, .read)
        var sql = SQLBuilder("WITH RECURSIVE me AS (SELECT parent_path FROM res_company WHERE id = ")
        sql.bind(.int(company), cast: "bigint")
        // The lists of the company and its parents (by the ids in its path: index lookups).
        sql += "), lists AS (SELECT pl.id, pl.sequence, a.depth FROM me, "
        sql += "unnest(string_to_array(rtrim(me.parent_path, '/'), '/')) WITH ORDINALITY AS a(company, depth) "
        sql += "JOIN product_pricelist pl ON pl.company_id = a.company::bigint WHERE pl.active), "
        sql += "chain(id) AS (SELECT id FROM lists UNION SELECT i.base_pricelist_id FROM product_pricelist_item i JOIN chain ON i.pricelist_id = chain.id "
        sql += "WHERE i.compute_price = 'formula' AND i.base = 'pricelist'), at AS (SELECT coalesce("
        sql.bind(date.map(SQLBind.text) ?? .null, cast: "timestamp")
        sql += " AT TIME ZONE 'UTC', now()) AS moment) "
        sql += "SELECT p.id, t.list_price + \(Catalogue.priceExtraSQL.replacingOccurrences(of: "$t", with: "p")), t.standard_price, "
        sql += "coalesce((SELECT jsonb_agg(jsonb_build_array(x.id, x.amount::text, x.amount_type, x.price_include) ORDER BY x.sequence, x.id) "
        sql += "FROM product_taxes_rel r JOIN account_tax x ON x.id = r.tax_id WHERE r.prod_id = t.id AND x.active), '[]'), "
        sql += "coalesce((SELECT jsonb_agg(jsonb_build_array(i.id, i.pricelist_id, i.min_quantity::text, i.compute_price, i.fixed_price::text, "
        sql += "i.percent_price::text, i.base, i.base_pricelist_id, i.price_discount::text, i.price_surcharge::text, i.price_round::text, "
        sql += "i.price_min_margin::text, i.price_max_margin::text) "
        sql += "ORDER BY i.applied_on, i.min_quantity DESC, "
        sql += "length(coalesce(ic.parent_path, '')) - length(replace(coalesce(ic.parent_path, ''), '/', '')) DESC, i.id DESC) "
        sql += "FROM product_pricelist_item i LEFT JOIN product_category ic ON ic.id = i.categ_id, at "
        sql += "WHERE i.pricelist_id IN (SELECT id FROM chain) AND (i.date_start IS NULL OR i.date_start <= at.moment) "
        sql += "AND (i.date_end IS NULL OR i.date_end >= at.moment) AND (i.applied_on = '3_global' "
        sql += "OR (i.applied_on = '2_product_category' AND cat.parent_path LIKE ic.parent_path || '%') "
        sql += "OR (i.applied_on = '1_product' AND i.product_tmpl_id = t.id) OR (i.applied_on = '0_product_variant' AND i.product_id = p.id))), '[]'), "
        sql += "(SELECT coalesce(jsonb_agg(id ORDER BY depth DESC, sequence, id), '[]') FROM lists), "
        // The company must lie within the caller's reach.
        sql += "EXISTS (SELECT 1 FROM res_company a, me WHERE a.id = ANY("
        sql.bind(.intArray(store.env.isSystem ? [1] : store.env.allowedCompanyIds), cast: "bigint[]")
        sql += ") AND me.parent_path LIKE a.parent_path || '%'), "
        try store.appendRules(products, .read, alias: "p", into: &sql)
        sql += " FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id JOIN product_category cat ON cat.id = t.categ_id "
        sql += "WHERE p.id = ANY("
        sql.bind(.intArray(Array(Set(lines.map(\.productId)))), cast: "bigint[]")
        sql += ")"
        var facts: [Int64: ProductFacts] = [:]
        var order: [Int64] = []
        var denied: [Int64] = []
        for row in try await store.tx.query(sql) {
            let (id, listPrice, cost, taxes, items, lists, reachable, visible) = try row.decode(
                (Int64, Decimal, Decimal, String, String, String, Bool, Bool?).self)
            guard store.env.isSystem || reachable else {
                throw ChainstoreError.accessError("You are not allowed to price for company \(company).")
            }
            if visible != true { denied.append(id) }
            let rules = try Rule.parse(items)
            facts[id] = ProductFacts(listPrice: listPrice, cost: cost, taxes: try Tax.parse(taxes)) { list in rules.filter { $0.list == list } }
            order = try JSONReader.parse(Array(lists.utf8)).arrayValue?.compactMap(\.intValue) ?? []
        }
        if !denied.isEmpty {
            throw ChainstoreError.accessError("You are not allowed to access 'Product Variant' (product.product) records: \(denied.sorted())")
        }
        return try lines.map { line in
            guard let product = facts[line.productId] else {
                throw ChainstoreError.missing("Record does not exist or has been deleted.\n(Record: product.product(\(line.productId)))")
            }
            let (listed, rule) = try product.price(quantity: abs(line.quantity), lists: order)
            let unit = line.priceUnit ?? listed
            let amount = line.discount == 0 ? nil : roundFen(unit * line.quantity * (100 - line.discount).fromPercent)
            var priced = product.priced(line, unit: unit, rule: line.priceUnit == nil ? rule : nil, amount: amount)
            priced.listPrice = listed
            return priced
        }
    }

    // MARK: evaluation

    struct Tax: Sendable {
        let id: Int64
        let amount: Decimal
        let fixed: Bool
        let included: Bool

        static func parse(_ json: String) throws -> [Tax] {
            try (JSONReader.parse(Array(json.utf8)).arrayValue ?? []).map { item in
                let a = item.arrayValue ?? []
                return Tax(id: a[0].intValue ?? 0, amount: decimal(a[1]), fixed: a[2].stringValue == "fixed", included: a[3].boolValue ?? false)
            }
        }
    }

    struct Rule: Sendable {
        let id: Int64
        let list: Int64
        let minQuantity: Decimal
        let compute: String
        let fixedPrice: Decimal
        let percent: Decimal
        let base: String
        let baseList: Int64?
        let discount: Decimal
        let surcharge: Decimal
        let round: Decimal
        let minMargin: Decimal
        let maxMargin: Decimal
        /// Ordering and validity, for rules taken from the node's cache (the SQL path orders and
        /// filters in the query): 0 variant … 3 global, the category's depth, dates in seconds.
        var appliedOn = 3
        var categoryDepth = 0
        var starts: Double? = nil
        var ends: Double? = nil

        static func parse(_ json: String) throws -> [Rule] {
            try (JSONReader.parse(Array(json.utf8)).arrayValue ?? []).map { item in
                let a = item.arrayValue ?? []
                return Rule(
                    id: a[0].intValue ?? 0, list: a[1].intValue ?? 0, minQuantity: decimal(a[2]), compute: a[3].stringValue ?? "fixed",
                    fixedPrice: decimal(a[4]), percent: decimal(a[5]), base: a[6].stringValue ?? "list_price", baseList: a[7].intValue,
                    discount: decimal(a[8]), surcharge: decimal(a[9]), round: decimal(a[10]), minMargin: decimal(a[11]),
                    maxMargin: decimal(a[12]))
            }
        }
    }

    struct ProductFacts {
        let listPrice: Decimal
        let cost: Decimal
        let taxes: [Tax]
        /// The rules of one list that apply to this product on the pricing date, in the order they
        /// are tried (variant, product, nearest category, global; higher minimum quantities first).
        let rules: (Int64) -> [Rule]

        /// The first list in `lists` with a rule for this quantity sets the price; none → the
        /// sales price.
        func price(quantity: Decimal, lists: [Int64]) throws -> (Decimal, Int64?) {
            for list in lists {
                if let (price, rule) = try price(in: list, quantity: quantity, visited: []) { return (roundFen(price), rule) }
            }
            return (roundFen(listPrice), nil)
        }

        /// The price by `list`'s first matching rule, or nil when none matches.
        func price(in list: Int64, quantity: Decimal, visited: Set<Int64>) throws -> (Decimal, Int64)? {
            guard !visited.contains(list) else {
                throw ChainstoreError.validation("Price lists based on each other in a loop (price list \(list))")
            }
            guard let rule = rules(list).first(where: { quantity >= $0.minQuantity }) else { return nil }
            func basePrice() throws -> Decimal {
                switch rule.base {
                case "standard_price": return cost
                case "pricelist":
                    guard let other = rule.baseList else { return listPrice }
                    return try price(in: other, quantity: quantity, visited: visited.union([list]))?.0 ?? listPrice
                default: return listPrice
                }
            }
            switch rule.compute {
            case "fixed":
                return (rule.fixedPrice, rule.id)
            case "percentage":
                let base = try basePrice()
                return (base - base * rule.percent.fromPercent, rule.id)
            default:
                let base = try basePrice()
                var price = base - base * rule.discount.fromPercent
                if rule.round > 0 { price = Pricing.round(price / rule.round, scale: 0) * rule.round }
                price += rule.surcharge
                if rule.minMargin != 0 { price = max(price, base + rule.minMargin) }
                if rule.maxMargin != 0 { price = min(price, base + rule.maxMargin) }
                return (price, rule.id)
            }
        }

        /// Taxes on the line: price-included ones are taken out of the amount, others added.
        func priced(_ line: Line, unit: Decimal, rule: Int64?, amount: Decimal? = nil) -> Priced {
            let subtotal = amount ?? roundFen(unit * line.quantity)
            let includedRate = taxes.filter { $0.included && !$0.fixed }.reduce(Decimal(0)) { $0 + $1.amount }
            let untaxed = includedRate == 0 ? subtotal : roundFen(subtotal / (1 + includedRate.fromPercent))
            var tax = subtotal - untaxed
            for t in taxes where !t.included {
                tax += t.fixed ? roundFen(t.amount * line.quantity) : roundFen(untaxed * t.amount.fromPercent)
            }
            return Priced(
                productId: line.productId, quantity: line.quantity, priceUnit: unit, subtotal: subtotal, untaxed: untaxed, tax: tax,
                total: untaxed + tax, taxIds: taxes.map(\.id), ruleId: rule, listPrice: unit)
        }
    }

    static func decimal(_ value: Value) -> Decimal {
        switch value {
        case .int(let i): return Decimal(i)
        case .double(let d): return Decimal(string: String(d)) ?? Decimal(d)
        case .string(let s): return Decimal(plain: s) ?? 0
        default: return 0
        }
    }

    /// Half away from zero, as money is rounded.
    static func round(_ value: Decimal, scale: Int) -> Decimal { value.rounded(scale) }

    static func roundFen(_ value: Decimal) -> Decimal { round(value, scale: 2) }
}
