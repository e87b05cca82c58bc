import ChainstoreCore
import ChainstoreDB
import Foundation

/// The catalogue a till downloads: every product the company may sell with its price for that
/// company, in pages by id; then, from the version the first page gave, only what changed.
public enum CatalogueFeed {
    public struct Page: Sendable {
        /// `{"company", "version", "more", "next_after"?, "resync"?, "products": [...]}`.
        public var json: String
        public var count: Int
        public var version: Int64
        public var more: Bool
    }

    /// Whether an active assortment names the store or one of its parents.
    static func hasAssortment(_ store: RecordStore, path: [Int64]) async throws -> Bool {
        var sql = SQLBuilder("SELECT EXISTS (SELECT 1 FROM product_assortment_company_rel r JOIN product_assortment a ON a.id = r.assortment_id ")
        sql += "AND a.active WHERE r.company_id = ANY("
        sql.bind(.intArray(path), cast: "bigint[]")
        sql += "))"
        return try await store.tx.query(sql).first?.decode(Bool.self) ?? false
    }

    /// Whether the store's assortment membership changed after `since`.
    static func assortmentChanged(_ store: RecordStore, path: [Int64], since: Int64) async throws -> Bool {
        var sql = SQLBuilder("SELECT EXISTS (SELECT 1 FROM product_assortment_store_change WHERE company_id = ANY(")
        sql.bind(.intArray(path), cast: "bigint[]")
        sql += ") AND version > "
        sql.bind(.int(since), cast: "bigint")
        sql += ")"
        return try await store.tx.query(sql).first?.decode(Bool.self) ?? false
    }

    /// A page of products with id above `after` (active and sellable only), or — with `since` —
    /// the products whose catalogue version is above it (archived ones included, so the till
    /// removes them).
    public static func page(
        _ store: RecordStore, cache: CatalogueCache, database: Database, company: Int64, after: Int64 = 0, since: Int64? = nil,
        limit: Int = 2000, moment: Date = Date()
    ) async throws -> Page {
        guard (1...10_000).contains(limit), after >= 0, (since ?? 0) >= 0 else {
            throw ChainstoreError.valueError("limit must be 1–10000; after and since not negative")
        }
        let products = try store.model("product.product")
        try await store.checkAccess(products, .read)
        let context = try await cache.pricingContext(
            store.tx, database: database, company: company, reach: store.env.isSystem ? nil : store.env.allowedCompanyIds)
        let path = try await cache.companyPath(store.tx, database: database, company: company)
        if let since, try await assortmentChanged(store, path: path, since: since) {
            // The store's assortment changed: only a new download brings it in line.
            let version = try await store.tx.query(SQLBuilder("SELECT last_value FROM catalogue_version_seq")).first?.decode(Int64.self) ?? since
            return Page(json: "{\"company\":\(company),\"version\":\(version),\"more\":false,\"resync\":true,\"products\":[]}",
                        count: 0, version: version, more: false)
        }
        // A store named by an active assortment (itself or through a parent) sells its products only.
        let limited = try await hasAssortment(store, path: path)
        func inAssortment(_ sql: inout SQLBuilder) {
            guard limited else { return sql += "TRUE" }
            sql += "t.id IN (SELECT x.template_id FROM product_assortment_template_rel x JOIN product_assortment_company_rel r "
            sql += "ON r.assortment_id = x.assortment_id JOIN product_assortment a ON a.id = x.assortment_id AND a.active WHERE r.company_id = ANY("
            sql.bind(.intArray(path), cast: "bigint[]")
            sql += "))"
        }
        var sql = SQLBuilder("SELECT p.id, p.product_tmpl_id, t.categ_id, t.name, p.barcode, p.default_code, t.uom_id, t.to_weight, ")
        sql += "p.active AND t.active AND t.sale_ok AND t.available_in_pos, " + Catalogue.priceFactsSQL + ", "
        sql += "coalesce((SELECT jsonb_agg(jsonb_build_array(k.barcode, k.qty::text, k.name) ORDER BY k.sequence, k.id) "
        sql += "FROM product_packaging k WHERE k.product_id = p.id), '[]')::text, p.catalogue_version, "
        sql += "(SELECT last_value FROM catalogue_version_seq), "
        inAssortment(&sql)
        sql += " FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id WHERE "
        try store.appendRules(products, .read, alias: "p", into: &sql)
        if let since {
            sql += " AND p.catalogue_version > "
            sql.bind(.int(since), cast: "bigint")
            sql += " ORDER BY p.catalogue_version"
        } else {
            // A separate condition (not an OR), so PostgreSQL joins from the assortment's few
            // thousand products instead of testing every variant.
            sql += " AND p.active AND t.active AND t.sale_ok AND t.available_in_pos AND "
            inAssortment(&sql)
            sql += " AND p.id > "
            sql.bind(.int(after), cast: "bigint")
            sql += " ORDER BY p.id"
        }
        sql += " LIMIT "
        sql.bind(.int(Int64(limit)))
        let rows = try await store.tx.query(sql)
        let seconds = moment.timeIntervalSince1970
        var json = JSONWriter(capacity: 64 + rows.count * 220)
        var version: Int64 = since ?? 0
        var lastID: Int64 = after
        var first = true
        json.byte("[")
        for row in rows {
            let c = row.makeRandomAccess()
            let (variant, template, category) = (try c[0].decode(Int64.self), try c[1].decode(Int64.self), try c[2].decode(Int64.self))
            let taxIDs = try c[11].decode([Int64].self)
            let facts = Pricing.ProductFacts(
                listPrice: Decimal(string: try c[9].decode(String.self)) ?? 0, cost: Decimal(string: try c[10].decode(String.self)) ?? 0,
                taxes: taxIDs.compactMap { context.snapshot.taxes?[$0] }
            ) { list in context.rules(list: list, variant: variant, template: template, category: category, moment: seconds) }
            let (price, _) = try facts.price(quantity: 1, lists: context.lists)
            let productVersion = try c[13].decode(Int64.self)
            version = since == nil ? try c[14].decode(Int64.self) : max(version, productVersion)
            lastID = variant
            if !first { json.byte(",") }
            first = false
            json.literal("{\"id\":\(variant),\"name\":")
            json.string(try c[3].decode(String.self))
            json.raw(",\"barcode\":")
            if let barcode = try c[4].decode(String?.self) { json.string(barcode) } else { json.raw("false") }
            json.raw(",\"default_code\":")
            if let code = try c[5].decode(String?.self) { json.string(code) } else { json.raw("false") }
            json.literal(",\"category_id\":\(category),\"uom_id\":\(try c[6].decode(Int64.self)),\"to_weight\":\(try c[7].decode(Bool.self))")
            json.literal(",\"active\":\(try c[8].decode(Bool.self)),\"in_assortment\":\(try c[15].decode(Bool.self))")
            json.literal(",\"price\":\(price),\"tax_ids\":[")
            json.literal(taxIDs.map(String.init).joined(separator: ","))
            json.literal("],\"packagings\":\(try c[12].decode(String.self)),\"version\":\(productVersion)}")
        }
        json.byte("]")
        let more = rows.count == limit
        var page = "{\"company\":\(company),\"version\":\(version),\"more\":\(more)"
        if since == nil, more { page += ",\"next_after\":\(lastID)" }
        page += ",\"products\":" + json.text + "}"
        return Page(json: page, count: rows.count, version: version, more: more)
    }
}
