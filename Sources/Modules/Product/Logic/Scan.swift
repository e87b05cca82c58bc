import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation

/// `scan(code, company)`: what a scanned code means for one company, in one call — the product
/// (by its barcode, a case's barcode, or its internal reference), the quantity (a case's
/// content, an embedded weight), the price for that company today (embedded by a scale label,
/// or from the price lists), and what a GS1 code adds: lot, serial, expiry, SSCC.
public enum Scan {
    public struct Result: Sendable {
        public enum Kind: String, Sendable { case product, packaging, weight, price, sscc }
        public var kind: Kind
        public var code: String
        public var productId: Int64?
        public var categoryId: Int64?
        public var name: String?
        public var barcode: String?
        public var defaultCode: String?
        public var uom: String?
        public var quantity: Decimal = 1
        public var packaging: (name: String, quantity: Decimal)?
        public var priced: Pricing.Priced?
        public var lot: String?
        public var serial: String?
        public var expiry: String?
        public var expired = false
        public var sscc: String?

        /// What the code alone says: its kind, and what a GS1 code adds.
        init(_ code: String, _ reading: Reading, today: GS1Date) {
            self.kind = reading.kind
            self.code = code
            self.lot = reading.lot
            self.serial = reading.serial
            self.sscc = reading.sscc
            if let expiry = reading.expiry {
                self.expiry = expiry.iso
                self.expired = expiry < today
            }
        }

        /// The JSON answer of the scan API.
        public var value: Value {
            var dict: RecordValues = ["kind": .string(kind.rawValue), "code": .string(code), "quantity": .number(quantity)]
            if let productId {
                dict["product"] = [
                    "id": .int(productId), "name": .string(name ?? ""), "barcode": barcode.map(Value.string) ?? .false,
                    "default_code": defaultCode.map(Value.string) ?? .false, "uom": .string(uom ?? ""),
                    "category_id": categoryId.map(Value.int) ?? .false,
                ]
            }
            if let packaging { dict["packaging"] = ["name": .string(packaging.name), "quantity": .number(packaging.quantity)] }
            if let priced {
                dict["price_unit"] = .number(priced.priceUnit)
                dict["amount"] = .number(priced.total)
                dict["amount_untaxed"] = .number(priced.untaxed)
                dict["amount_tax"] = .number(priced.tax)
                dict["tax_ids"] = .array(priced.taxIds.map(Value.int))
                dict["rule_id"] = priced.ruleId.map(Value.int) ?? .false
            }
            if let lot { dict["lot"] = .string(lot) }
            if let serial { dict["serial"] = .string(serial) }
            if let expiry {
                dict["expiry"] = .string(expiry)
                dict["expired"] = .bool(expired)
            }
            if let sscc { dict["sscc"] = .string(sscc) }
            return .dict(dict)
        }
    }

    /// What the code says before any lookup.
    struct Reading {
        var kind: Result.Kind = .product
        var forms: [String] = []
        var reference: String?
        var weight: Decimal?
        var amount: Decimal?
        var lot: String?
        var serial: String?
        var expiry: GS1Date?
        var sscc: String?
    }

    public static func resolve(
        _ store: RecordStore, cache: CatalogueCache, database: Database, code raw: String, company: Int64, quantity: Decimal = 1,
        today: GS1Date, moment: Date = Date()
    ) async throws -> Result {
        let code = trimmed(raw)
        guard !code.isEmpty, code.utf8.count <= 200 else { throw ChainstoreError.valueError("Empty or oversized scan") }
        let nomenclature = try await cache.nomenclature(store.tx, database: database, company: company)
        let reading = try read(code, today: today, nomenclature: nomenclature)
        let result = Result(code, reading, today: today)
        if reading.forms.isEmpty && reading.reference == nil { return result }  // an SSCC alone: a logistic unit

        let found = try await lookup(store, cache: cache, database: database, reading)
        guard let found, found.visible else { throw ChainstoreError.missing("Unknown barcode: \(code)") }
        let context = try await cache.pricingContext(
            store.tx, database: database, company: company, reach: store.env.isSystem ? nil : store.env.allowedCompanyIds)
        return try finish(result, found: found, reading: reading, quantity: quantity, context: context, moment: moment)
    }

    /// The scan answered from the node's memory alone — the caller's rights, the variant, its
    /// visibility and every pricing fact cached — or nil when anything must be asked (then
    /// `resolve` does it in one round trip).
    public static func resolveCached(
        cache: CatalogueCache, database: String, registry: Registry, env: Env, code raw: String, company: Int64?, quantity: Decimal = 1,
        today: GS1Date, moment: Date = Date()
    ) throws -> Result? {
        guard !env.isSystem, RecordStore.cachedAccess(database: database, model: "product.product", operation: .read, env: env) == true,
            registry.rules(for: "product.product", .read).isEmpty, registry.rules(for: "product.template", .read).isEmpty
        else { return nil }
        let code = trimmed(raw)
        guard !code.isEmpty, code.utf8.count <= 200,
            let nomenclature = cache.cachedNomenclature(database, company: company ?? env.companyId)
        else { return nil }
        let reading = try read(code, today: today, nomenclature: nomenclature)
        guard !reading.forms.isEmpty || reading.reference != nil else { return nil }
        let keys = reading.forms.map { "b:" + $0 } + (reading.reference.map { ["r:" + $0] } ?? [])
        guard let (v, hit) = cache.indexed(database, keys: keys),
            cache.cachedVisible(database, company: v.company, reach: env.allowedCompanyIds) == true,
            let context = try cache.cachedPricing(database, company: company ?? env.companyId, reach: env.allowedCompanyIds)
        else { return nil }
        let result = Result(code, reading, today: today)
        let found = Found(rank: hit.pack == nil ? 1 : 2, variant: v.id, template: v.template, category: v.category, name: v.name,
                          barcode: v.barcode, defaultCode: v.defaultCode, uom: v.uom, listPrice: v.listPrice, cost: v.cost, taxes: v.taxes,
                          pack: hit.pack, quantity: hit.quantity, visible: true)
        return try finish(result, found: found, reading: reading, quantity: quantity, context: context, moment: moment)
    }

    /// Quantity and price of a found variant.
    static func finish(
        _ start: Result, found: Found, reading: Reading, quantity: Decimal, context: PricingContext, moment: Date
    ) throws -> Result {
        var result = start
        let (variant, template, category) = (found.variant, found.template, found.category)
        result.productId = variant
        result.categoryId = category
        result.name = found.name
        result.barcode = found.barcode
        result.defaultCode = found.defaultCode
        result.uom = found.uom
        var lineQuantity = quantity
        if found.rank == 2, let pack = found.pack {
            let content = Decimal(plain: found.quantity) ?? 1
            result.kind = .packaging
            result.packaging = (pack, content)
            lineQuantity = content * quantity
        }
        if let weight = reading.weight { lineQuantity = weight }
        let seconds = moment.timeIntervalSince1970
        let facts = Pricing.ProductFacts(
            listPrice: Decimal(plain: found.listPrice) ?? 0, cost: Decimal(plain: found.cost) ?? 0,
            taxes: found.taxes.compactMap { context.snapshot.taxes?[$0] }
        ) { list in context.rules(list: list, variant: variant, template: template, category: category, moment: seconds) }
        let (unit, rule) = try facts.price(quantity: lineQuantity, lists: context.lists)
        if let amount = reading.amount {
            // A scale label's price is what is paid; the quantity follows from the unit price.
            lineQuantity = unit > 0 ? Pricing.round(amount / unit, scale: 3) : 1
            result.priced = facts.priced(Pricing.Line(productId: variant, quantity: lineQuantity), unit: unit, rule: rule, amount: amount)
        } else {
            result.priced = facts.priced(Pricing.Line(productId: variant, quantity: lineQuantity), unit: unit, rule: rule)
        }
        result.quantity = lineQuantity
        return result
    }

    /// The variant a reading names, with what pricing needs and whether the caller may read it.
    struct Found {
        let rank: Int64, variant: Int64, template: Int64, category: Int64
        let name: String, barcode: String?, defaultCode: String?, uom: String
        let listPrice: String, cost: String, taxes: [Int64], pack: String?, quantity: String, visible: Bool
    }

    /// One query: the prepared statement while only the catalogue's company rule applies, the
    /// compiled rules otherwise.
    static func lookup(_ store: RecordStore, cache: CatalogueCache, database: Database, _ reading: Reading) async throws -> Found? {
        let products = try store.model("product.product")
        try await store.checkAccess(products, .read)
        if !store.env.isSystem, store.registry.rules(for: "product.product", .read).isEmpty,
            store.registry.rules(for: "product.template", .read).isEmpty
        {
            // The node's index first (no round trip); what it has not seen, the database.
            let keys = reading.forms.map { "b:" + $0 } + (reading.reference.map { ["r:" + $0] } ?? [])
            if let (v, code) = cache.indexed(database.name, keys: keys) {
                let visible = try await cache.companyVisible(store.tx, database: database, company: v.company, reach: store.env.allowedCompanyIds)
                return Found(rank: code.pack == nil ? 1 : 2, variant: v.id, template: v.template, category: v.category, name: v.name,
                             barcode: v.barcode, defaultCode: v.defaultCode, uom: v.uom, listPrice: v.listPrice, cost: v.cost, taxes: v.taxes,
                             pack: code.pack, quantity: code.quantity, visible: visible)
            }
            let statement = ScanStatement(forms: reading.forms, reference: reading.reference, allowed: store.env.allowedCompanyIds)
            guard let r = try await store.tx.execute(statement).first else { return nil }
            return Found(rank: r.0, variant: r.1, template: r.2, category: r.3, name: r.4, barcode: r.5, defaultCode: r.6, uom: r.7,
                         listPrice: r.8, cost: r.9, taxes: r.10, pack: r.11, quantity: r.12, visible: r.13)
        }
        var sql = SQLBuilder("WITH hit AS (SELECT 1 AS rank, p.id AS variant, NULL::text AS pack, 1::numeric AS qty FROM product_product p WHERE p.barcode = ANY(")
        sql.bind(.textArray(reading.forms), cast: "text[]")
        sql += ") AND p.active UNION ALL SELECT 2, k.product_id, k.name, k.qty FROM product_packaging k WHERE k.barcode = ANY("
        sql.bind(.textArray(reading.forms), cast: "text[]")
        sql += ") UNION ALL SELECT 3, p.id, NULL, 1 FROM product_product p WHERE p.default_code = "
        sql.bind(reading.reference.map(SQLBind.text) ?? .null, cast: "text")
        sql += " AND p.active ORDER BY 1 LIMIT 1) SELECT hit.rank::bigint, p.id, p.product_tmpl_id, t.categ_id, t.name, p.barcode, p.default_code, u.name, "
        sql += Catalogue.priceFactsSQL + ", hit.pack, hit.qty::text, "
        try store.appendRules(products, .read, alias: "p", into: &sql)
        sql += " FROM hit JOIN product_product p ON p.id = hit.variant JOIN product_template t ON t.id = p.product_tmpl_id "
        sql += "JOIN uom_uom u ON u.id = t.uom_id WHERE t.active"
        guard let row = try await store.tx.query(sql).first else { return nil }
        let c = row.makeRandomAccess()
        return Found(
            rank: try c[0].decode(Int64.self), variant: try c[1].decode(Int64.self), template: try c[2].decode(Int64.self),
            category: try c[3].decode(Int64.self), name: try c[4].decode(String.self), barcode: try c[5].decode(String?.self),
            defaultCode: try c[6].decode(String?.self), uom: try c[7].decode(String.self), listPrice: try c[8].decode(String.self),
            cost: try c[9].decode(String.self), taxes: try c[10].decode([Int64].self), pack: try c[11].decode(String?.self),
            quantity: try c[12].decode(String.self), visible: try c[13].decode(Bool?.self) == true)
    }

    /// Reads the code: a GS1 element string, a GTIN (an in-store weight or price label among
    /// them), an SSCC, or else an internal reference.
    static func read(_ code: String, today: GS1Date, nomenclature: Nomenclature) throws -> Reading {
        var reading = Reading()
        let digits = code.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
        let gs1 = code.hasPrefix("]") || code.hasPrefix("(") || code.utf8.contains(0x1D)
            || (digits && code.utf8.count > 18 && ["01", "02", "00"].contains(String(code.prefix(2))))
        if gs1 {
            let message: GS1Message
            do {
                message = try GS1Parser(today: today).parse(code, format: code.hasPrefix("(") ? .hri : .raw)
            } catch {
                throw ChainstoreError.valueError("Unreadable GS1 code: \(error)")
            }
            if let gtin = (message.first("01") ?? message.first("02"))?.value { reading.forms = forms(ofGTIN14: gtin) }
            reading.lot = message.first("10")?.value
            reading.serial = message.first("21")?.value
            reading.expiry = (message.first("17") ?? message.first("15"))?.date
            reading.sscc = message.first("00")?.value
            if let weight = message.elements.first(where: { $0.ai.hasPrefix("310") })?.decimal {
                reading.weight = Decimal(plain: weight.description)
                reading.kind = .weight
            }
            if let amount = message.elements.first(where: { $0.ai.hasPrefix("392") || $0.ai.hasPrefix("393") })?.decimal {
                reading.amount = Decimal(plain: amount.description)
                reading.kind = .price
            }
            if reading.forms.isEmpty, reading.sscc != nil { reading.kind = .sscc }
            return reading
        }
        if digits, code.utf8.count == 18, CheckDigit.isValidGS1(code) {
            reading.sscc = code
            reading.kind = .sscc
            return reading
        }
        if digits, [8, 12, 13, 14].contains(code.utf8.count) {
            let gtin: GTIN
            do { gtin = try GTIN(code) } catch { throw ChainstoreError.valueError("Not a valid barcode: \(error)") }
            if gtin.isRestrictedCirculation, let match = nomenclature.match(code), match.pattern != nil, let value = match.value {
                reading.forms = [match.baseCode]
                switch match.ruleType {
                case "price": reading.amount = Decimal(plain: value); reading.kind = .price
                case "weight", "weight_cn_scale": reading.weight = Decimal(plain: value); reading.kind = .weight
                default: break
                }
                return reading
            }
            reading.forms = forms(ofGTIN14: gtin.gtin14)
            return reading
        }
        reading.reference = code
        reading.forms = [code]
        return reading
    }

    /// The ways a GTIN may be stored: as 14 digits, and without the leading zeros of its shorter forms.
    static func forms(ofGTIN14 gtin14: String) -> [String] {
        var forms = [gtin14]
        for length in [13, 12, 8] where gtin14.utf8.prefix(14 - length).allSatisfy({ $0 == 48 }) {
            forms.append(String(gtin14.suffix(length)))
        }
        return forms
    }
}

/// `text` without surrounding white space; a scanned code usually has none, and Foundation's
/// trimming was a visible share of a scan's time.
private func trimmed(_ text: String) -> String {
    func plain(_ byte: UInt8?) -> Bool { byte.map { $0 > 0x20 && $0 < 0x7f } ?? true }
    if plain(text.utf8.first), plain(text.utf8.last) { return text }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
}
