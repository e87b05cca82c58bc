import Barcode
import Base
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// `chainstore demo`: a whole franchise group generated at scale — Guangdong's cities with a
/// distribution centre each, franchise stores with their merchant and two users, a category
/// tree, suppliers with bank accounts, products with valid barcodes, cases, supplier prices,
/// taxes, price lists for the group, every city and one store in ten, and stock in every
/// centre and store (see `DemoStock`). Loaded with COPY and set-based SQL in one transaction;
/// generated rows are bulk data and have no audit rows.
public enum ScaleDemo {
    public struct Plan: Sendable {
        public var cities: Int
        public var stores: Int
        public var skus: Int
        public var seed: UInt64 = 20261126

        public init(cities: Int = 21, stores: Int = 2000, skus: Int = 50000) {
            self.cities = cities
            self.stores = stores
            self.skus = skus
        }
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public var rows: [(table: String, count: Int)] = []
        public var seconds: Double = 0
        public var databaseBytes: Int64 = 0
        public var alreadyThere = false

        public var description: String {
            if alreadyThere { return "the demo group is already generated in this database" }
            let total = rows.reduce(0) { $0 + $1.count }
            var lines = rows.map { "  \($0.table): \($0.count)" }
            lines.append(String(format: "%d rows in %.1f s (%.0f rows/s); database size %.1f MiB", total, seconds, Double(total) / max(seconds, 0.001),
                                Double(databaseBytes) / 1_048_576))
            return lines.joined(separator: "\n")
        }
    }

    /// Everyone generated logs in with this password (demo data only).
    public static let password = "demo"

    public static func generate(
        _ database: Database, plan: Plan, progress: (@Sendable (String, Int, Int) -> Void)? = nil, logger: Logger
    ) async throws -> Summary {
        guard (1...ScaleData.cities.count).contains(plan.cities), plan.stores >= plan.cities, plan.skus >= 10 else {
            throw ChainstoreError.userError("Give 1–\(ScaleData.cities.count) cities, at least one store per city and at least 10 SKUs")
        }
        let started = ContinuousClock.now
        let hash = try PasswordHash.hash(password)
        var summary = try await database.transaction(logger: logger) { tx in
            var check = SQLBuilder("SELECT count(*) FROM res_company WHERE code = ")
            check.bind(.text("GD-GZ"))
            if try await tx.query(check).first?.decode(Int64.self) ?? 0 > 0 {
                var summary = Summary()
                summary.alreadyThere = true
                return summary
            }
            let generator = Generator(plan: plan, tx: tx, hash: hash, progress: progress)
            try await generator.run()
            try await tx.execute("ANALYZE")
            return Summary(rows: generator.counts)
        }
        guard !summary.alreadyThere else { return summary }
        summary.seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - started).components.seconds)
        summary.databaseBytes = try await database.transaction(logger: logger) { tx in
            try await tx.query(SQLBuilder("SELECT pg_database_size(current_database())")).first?.decode(Int64.self) ?? 0
        }
        return summary
    }
}

/// SplitMix64: a small deterministic generator, so a seed always gives the same group.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class Generator {
    let plan: ScaleDemo.Plan
    let tx: Transaction
    let hash: String
    let progress: (@Sendable (String, Int, Int) -> Void)?
    var random: SeededRandom
    var counts: [(table: String, count: Int)] = []
    let now = "2026-11-26 00:00:00+00"

    init(plan: ScaleDemo.Plan, tx: Transaction, hash: String, progress: (@Sendable (String, Int, Int) -> Void)?) {
        self.plan = plan
        self.tx = tx
        self.hash = hash
        self.progress = progress
        self.random = SeededRandom(state: plan.seed)
    }

    static let bulkForeignKeys = [
        ("res_partner", "res_partner_company_id_fkey", "FOREIGN KEY (company_id) REFERENCES res_company (id) ON DELETE RESTRICT"),
        ("res_company", "res_company_parent_id_fkey", "FOREIGN KEY (parent_id) REFERENCES res_company (id) ON DELETE RESTRICT"),
        ("res_company", "res_company_partner_id_fkey", "FOREIGN KEY (partner_id) REFERENCES res_partner (id) ON DELETE RESTRICT"),
    ]

    /// Reserves `count` ids of `table`'s sequence and returns the id before the first.
    func reserve(_ table: String, _ count: Int) async throws -> Int64 {
        var sql = SQLBuilder("SELECT setval(pg_get_serial_sequence(")
        sql.bind(.text(table))
        sql += ", 'id'), greatest((SELECT coalesce(max(id), 0) FROM \(quoted(table))), (SELECT last_value FROM \(quoted(table + "_id_seq")))) + "
        sql.bind(.int(Int64(count)), cast: "bigint")
        sql += ") - "
        sql.bind(.int(Int64(count)), cast: "bigint")
        return try await tx.query(sql).first?.decode(Int64.self) ?? 0
    }

    func copy(_ table: String, _ columns: [String], _ count: Int, row: (Int) -> [String?]) async throws {
        let report = progress
        try await tx.copy(into: table, columns: columns, count: count, progress: { done in report?(table, done, count) }, row: row)
        counts.append((table, count))
    }

    static func ean(_ payload: String) -> String { payload + String((try? CheckDigit.gs1(payload)) ?? 0) }

    func uscc(_ kind: String, region: String, _ serial: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        var body = kind + region
        var n = serial &* 2_654_435_761 &+ 97
        for _ in 0..<9 {
            body.append(alphabet[abs(n) % 31])
            n /= 31
        }
        return body + String(SocialCreditCode.checkCharacter(Array(body.utf8))!)
    }

    func run() async throws {
        let cityList = Array(ScaleData.cities.prefix(plan.cities))
        let weights = cityList.map(\.weight)
        let totalWeight = weights.reduce(0, +)
        // Stores per city by weight, at least one each.
        var perCity = weights.map { max(1, plan.stores * $0 / totalWeight) }
        perCity[0] += plan.stores - perCity.reduce(0, +)
        var storeCity: [Int] = []
        for (city, count) in perCity.enumerated() { storeCity += Array(repeating: city, count: count) }

        // Companies: cities, their distribution centres, then stores; merchants first (a store names its legal entity).
        let partnerBase = try await reserve("res_partner", plan.stores + 500)
        let companyBase = try await reserve("res_company", plan.cities * 2 + plan.stores)
        let cityID = { (city: Int) in companyBase + 1 + Int64(city) }
        let cityCount = plan.cities
        let storeID = { (store: Int) in companyBase + 1 + Int64(cityCount * 2 + store) }
        var storeNames: [String] = []
        storeNames.reserveCapacity(plan.stores)
        var merchants: [String] = []
        merchants.reserveCapacity(plan.stores)
        for store in 0..<plan.stores {
            let city = cityList[storeCity[store]]
            storeNames.append("\(city.name) Store \(String(format: "%06d", store + 1))")
            let district = ScaleData.districts[Int(random.next() % UInt64(ScaleData.districts.count))]
            let surname = ScaleData.surnames[Int(random.next() % UInt64(ScaleData.surnames.count))]
            let word = ScaleData.shopWords[Int(random.next() % UInt64(ScaleData.shopWords.count))]
            merchants.append("\(city.chinese)市\(district)区\(surname)记\(word)便利店")
        }
        // Companies and merchants point at each other and a store at its city. PostgreSQL checks
        // foreign keys row by row with a plan made while the tables were nearly empty, which
        // turns a bulk load quadratic; so these three are dropped for the load and added back
        // afterwards, which checks every row at once.
        for (table, constraint, _) in Self.bulkForeignKeys {
            try await tx.execute("ALTER TABLE \(table) DROP CONSTRAINT \(constraint)")
        }
        // Partners are given their company's branch here, not looked up row by row.
        try await tx.execute("ALTER TABLE res_partner DISABLE TRIGGER res_partner_company_branch_made")
        try await tx.execute("ALTER TABLE res_partner DISABLE TRIGGER res_partner_company_branch_moved")
        try await copy("res_partner", ["id", "name", "company_id", "is_company", "company_registry", "city", "street", "customer_rank",
                                       "supplier_rank", "type", "active", "create_uid", "create_date", "write_uid", "write_date"],
                       plan.stores + 500) { i in
            if i < plan.stores {
                let city = cityList[storeCity[i]]
                return ["\(partnerBase + 1 + Int64(i))", merchants[i], "1", "t", uscc("92", region: city.region, i), city.name,
                        "\(i % 300 + 1) \(city.name) Road", "0", "0", "contact", "t", "1", now, "1", now]
            }
            let s = i - plan.stores
            let city = cityList[s % cityList.count]
            return ["\(partnerBase + 1 + Int64(i))", "\(ScaleData.brands[s % ScaleData.brands.count])\(city.chinese)供应链有限公司 \(s + 1)", "1", "t",
                    uscc("91", region: city.region, 900_000 + s), city.name, "\(s + 1) Industrial Park", "0", "1", "contact", "t", "1", now, "1", now]
        }
        // Every company has the group's currency and country, given here: the trigger that would
        // copy them from the parent reads res_company row by row with a plan made while it was
        // nearly empty (a scan per row: quadratic over 200,000 stores).
        let (currency, country) = try await tx.query("SELECT currency_id, country_id FROM res_company WHERE id = 1")[0].decode((Int64, Int64?).self)
        let (currencyText, countryText) = ("\(currency)", country.map { "\($0)" })
        try await copy("res_company", ["id", "name", "parent_id", "company_kind", "code", "partner_id", "city", "street", "sequence",
                                       "active", "create_uid", "create_date", "write_uid", "write_date", "currency_id", "country_id"],
                       plan.cities * 2 + plan.stores) { i in
            if i < plan.cities {
                let city = cityList[i]
                return ["\(cityID(i))", "\(city.name) City Subsidiary", "1", "city", "GD-\(city.code)", nil, city.name, nil, "10", "t", "1", now, "1", now,
                        currencyText, countryText]
            }
            if i < plan.cities * 2 {
                let city = cityList[i - plan.cities]
                return ["\(companyBase + 1 + Int64(i))", "\(city.name) Distribution Centre", "\(cityID(i - plan.cities))", "warehouse",
                        "DC-\(city.code)", nil, city.name, "1 Logistics Avenue", "10", "t", "1", now, "1", now, currencyText, countryText]
            }
            let store = i - plan.cities * 2
            let city = cityList[storeCity[store]]
            return ["\(storeID(store))", storeNames[store], "\(cityID(storeCity[store]))", "store", "\(city.code)-\(String(format: "%06d", store + 1))",
                    "\(partnerBase + 1 + Int64(store))", city.name, "\(store % 300 + 1) \(city.name) Road", "10", "t", "1", now, "1", now,
                    currencyText, countryText]
        }
        // The merchants belong to their store: store i has company storeID(i) and merchant
        // partnerBase + 1 + i, so the move is arithmetic (no join over freshly copied tables).
        let toCompany = storeID(0) - (partnerBase + 1)
        var move = SQLBuilder("UPDATE res_partner SET company_id = id + ")
        move.bind(.int(toCompany), cast: "bigint")
        move += ", company_branch = (SELECT c.branch_id FROM res_company c WHERE c.id = res_partner.id + "
        move.bind(.int(toCompany), cast: "bigint")
        move += ") WHERE id BETWEEN "
        move.bind(.int(partnerBase + 1), cast: "bigint")
        move += " AND "
        move.bind(.int(partnerBase + Int64(plan.stores)), cast: "bigint")
        try await tx.query(move)
        for (table, constraint, definition) in Self.bulkForeignKeys {
            try await tx.execute("ALTER TABLE \(table) ADD CONSTRAINT \(constraint) \(definition)")
        }
        try await tx.execute("ANALYZE res_company")
        try await tx.execute("ANALYZE res_partner")
        try await copy("res_partner_bank", ["acc_number", "acc_holder_name", "partner_id", "company_id", "active", "create_uid", "create_date", "write_uid", "write_date"], 500) { s in
            ["6222 0200 \(String(format: "%04d", s / 10000)) \(String(format: "%04d", s % 10000)) 888", nil, "\(partnerBase + 1 + Int64(plan.stores + s))", "1", "t", "1", now, "1", now]
        }

        // Users: a cashier and a manager per store, a manager per city, a catalogue manager.
        let users = plan.stores * 2 + plan.cities + 1
        let userBase = try await reserve("res_users", users)
        let groups = try await tx.query(SQLBuilder("SELECT xmlid, id FROM res_groups")).reduce(into: [String: Int64]()) {
            let (xmlid, id) = try $1.decode((String, Int64).self)
            $0[xmlid] = id
        }
        let pricing = groups["product.group_pricing_manager"] ?? 1
        let catalogue = groups["product.group_catalogue_manager"] ?? 1
        func userRow(_ i: Int) -> (login: String, name: String, company: Int64, branch: Int64?, groups: [Int64]) {
            if i < plan.stores * 2 {
                let store = i / 2
                let code = "\(cityList[storeCity[store]].code.lowercased())\(String(format: "%06d", store + 1))"
                let branch = cityID(storeCity[store])
                return i % 2 == 0 ? ("\(code).cashier", "\(storeNames[store]) Cashier", storeID(store), branch, [1])
                    : ("\(code).manager", "\(storeNames[store]) Manager", storeID(store), branch, [1, pricing])
            }
            if i < plan.stores * 2 + plan.cities {
                let city = i - plan.stores * 2
                return ("\(cityList[city].code.lowercased()).city.manager", "\(cityList[city].name) City Manager", cityID(city), cityID(city),
                        [1, pricing])
            }
            return ("ho.catalogue", "Head Office Catalogue Manager", 1, nil, [1, catalogue, pricing])
        }
        // Each user's own partner, in the user's company (as a new user gets one).
        let userPartnerBase = try await reserve("res_partner", users)
        try await copy("res_partner", ["id", "name", "company_id", "company_branch", "lang", "tz", "type", "customer_rank", "supplier_rank", "is_company",
                                       "active", "create_uid", "create_date", "write_uid", "write_date"], users) { i in
            let user = userRow(i)
            return ["\(userPartnerBase + 1 + Int64(i))", user.name, "\(user.company)", user.branch.map { "\($0)" }, "zh_CN", "Asia/Shanghai", "contact",
                    "0", "0", "f", "t", "1", now, "1", now]
        }
        try await tx.execute("ALTER TABLE res_partner ENABLE TRIGGER res_partner_company_branch_made")
        try await tx.execute("ALTER TABLE res_partner ENABLE TRIGGER res_partner_company_branch_moved")
        // Everyone's password is the published "demo": good only from this machine.
        try await copy("res_users", ["id", "name", "login", "password", "password_published", "company_id", "partner_id", "lang", "tz", "share",
                                     "active", "create_uid", "create_date", "write_uid", "write_date"], users) { i in
            let user = userRow(i)
            return ["\(userBase + 1 + Int64(i))", user.name, user.login, hash, "t", "\(user.company)", "\(userPartnerBase + 1 + Int64(i))",
                    "zh_CN", "Asia/Shanghai", "f", "t", "1", now, "1", now]
        }
        try await copy("res_company_users_rel", ["user_id", "cid"], users) { i in ["\(userBase + 1 + Int64(i))", "\(userRow(i).company)"] }
        let memberships = (0..<users).flatMap { i in userRow(i).groups.map { (userBase + 1 + Int64(i), $0) } }
        try await copy("res_groups_users_rel", ["uid", "gid"], memberships.count) { i in ["\(memberships[i].0)", "\(memberships[i].1)"] }

        // Categories: thirteen departments and their aisles under "All".
        let categoryBase = try await reserve("product_category", ScaleData.categories.reduce(0) { $0 + 1 + $1.children.count })
        var leaves: [(id: Int64, department: Int)] = []
        var categoryRows: [[String?]] = []
        var next = categoryBase
        for (department, entry) in ScaleData.categories.enumerated() {
            next += 1
            let parent = next
            categoryRows.append(["\(parent)", entry.name, "1", "1", now, "1", now])
            for child in entry.children {
                next += 1
                categoryRows.append(["\(next)", child, "\(parent)", "1", now, "1", now])
                leaves.append((next, department))
            }
        }
        try await copy("product_category", ["id", "name", "parent_id", "create_uid", "create_date", "write_uid", "write_date"], categoryRows.count) { categoryRows[$0] }

        // Products: one variant per template; fresh goods are weighed and carry an in-store code.
        let templateBase = try await reserve("product_template", plan.skus)
        let productBase = try await reserve("product_product", plan.skus)
        var facts: [(leaf: Int, price: Int, weighed: Bool)] = []
        facts.reserveCapacity(plan.skus)
        for _ in 0..<plan.skus {
            let leaf = Int(random.next() % UInt64(leaves.count))
            let weighed = ScaleData.categories[leaves[leaf].department].weighed
            facts.append((leaf, 150 + Int(random.next() % 9850), weighed))
        }
        try await copy("product_template", ["id", "name", "categ_id", "list_price", "standard_price", "uom_id", "uom_po_id", "company_id",
                                            "detailed_type", "type", "to_weight", "create_uid", "create_date", "write_uid", "write_date"], plan.skus) { i in
            let fact = facts[i]
            let leaf = leaves[fact.leaf]
            let category = ScaleData.categories[leaf.department]
            let child = category.children[(fact.leaf + i) % category.children.count]
            let name = fact.weighed ? "\(child) #\(i + 1) (散装)"
                : "\(ScaleData.brands[i % ScaleData.brands.count]) \(child) \(ScaleData.sizes[i % ScaleData.sizes.count]) #\(i + 1)"
            let price = String(format: "%d.%02d", fact.price / 100, fact.price % 100)
            let cost = String(format: "%.4f", Double(fact.price) * 0.72 / 100)
            let uom = fact.weighed ? "3" : "1"
            return ["\(templateBase + 1 + Int64(i))", name, "\(leaf.id)", price, cost, uom, uom, "1", "product", "product",
                    fact.weighed ? "t" : "f", "1", now, "1", now]
        }
        var plu = 0
        var barcodes: [String] = []
        barcodes.reserveCapacity(plan.skus)
        for i in 0..<plan.skus {
            if facts[i].weighed, plu < 99_999 {
                plu += 1
                barcodes.append(Self.ean("21" + String(format: "%05d", plu) + "00000"))
            } else {
                barcodes.append(Self.ean("69" + String(format: "%010d", (i &* 7_919 &+ 13) % 10_000_000_000)))
            }
        }
        try await copy("product_product", ["id", "product_tmpl_id", "default_code", "barcode", "active", "create_uid", "create_date", "write_uid", "write_date"], plan.skus) { i in
            ["\(productBase + 1 + Int64(i))", "\(templateBase + 1 + Int64(i))", "SKU\(String(format: "%07d", i + 1))", barcodes[i], "t", "1", now, "1", now]
        }
        try await copy("product_taxes_rel", ["prod_id", "tax_id"], plan.skus) { i in
            ["\(templateBase + 1 + Int64(i))", ScaleData.categories[leaves[facts[i].leaf].department].vat == 9 ? "2" : "1"]
        }
        try await copy("product_supplier_taxes_rel", ["prod_id", "tax_id"], plan.skus) { i in
            ["\(templateBase + 1 + Int64(i))", ScaleData.categories[leaves[facts[i].leaf].department].vat == 9 ? "6" : "5"]
        }
        // Cases of 24 for packaged goods: the carton's GTIN-14 is indicator 1 + the unit's first twelve digits.
        let cased = (0..<plan.skus).filter { !facts[$0].weighed && $0 % 3 == 0 }
        try await copy("product_packaging", ["name", "product_id", "qty", "barcode", "company_id", "create_uid", "create_date", "write_uid", "write_date"], cased.count) { n in
            let i = cased[n]
            return ["Case of 24", "\(productBase + 1 + Int64(i))", "24", Self.ean("1" + barcodes[i].prefix(12)), nil, "1", now, "1", now]
        }
        try await copy("product_supplierinfo", ["partner_id", "product_tmpl_id", "min_qty", "price", "delay", "company_id", "create_uid", "create_date", "write_uid", "write_date"], plan.skus) { i in
            ["\(partnerBase + 1 + Int64(plan.stores + i % 500))", "\(templateBase + 1 + Int64(i))", facts[i].weighed ? "10" : "24",
             String(format: "%.4f", Double(facts[i].price) * 0.68 / 100), "\(2 + i % 6)", "1", "1", now, "1", now]
        }

        // Price lists: group rules per department, a list per city with overrides, one store in ten with its own.
        let listStores = stride(from: 0, to: plan.stores, by: 10).map { $0 }
        let listBase = try await reserve("product_pricelist", plan.cities + listStores.count)
        try await copy("product_pricelist", ["id", "name", "sequence", "company_id", "active", "create_uid", "create_date", "write_uid", "write_date"],
                       plan.cities + listStores.count) { i in
            if i < plan.cities { return ["\(listBase + 1 + Int64(i))", "\(cityList[i].name) Prices", "10", "\(cityID(i))", "t", "1", now, "1", now] }
            let store = listStores[i - plan.cities]
            return ["\(listBase + 1 + Int64(i))", "\(storeNames[store]) Prices", "20", "\(storeID(store))", "t", "1", now, "1", now]
        }
        let departments = categoryBase + 1
        let overridesPerCity = min(200, plan.skus)
        let overridesPerStore = min(20, plan.skus)
        let items = ScaleData.categories.count + plan.cities * overridesPerCity + listStores.count * (overridesPerStore + 1)
        var departmentIDs: [Int64] = []
        var id = departments - 1
        for entry in ScaleData.categories {
            id += 1
            departmentIDs.append(id)
            id += Int64(entry.children.count)
        }
        // The generated variants are numbered as they are inserted; the rules need not renumber
        // them (a failure rolls the ALTER back with everything else).
        try await tx.execute("ALTER TABLE product_pricelist_item DISABLE TRIGGER product_pricelist_item_added")
        try await copy("product_pricelist_item", ["pricelist_id", "applied_on", "categ_id", "product_id", "min_quantity", "compute_price",
                                                  "fixed_price", "percent_price", "create_uid", "create_date", "write_uid", "write_date"], items) { i in
            if i < ScaleData.categories.count {
                return ["1", "2_product_category", "\(departmentIDs[i])", nil, "0", "percentage", "0", i % 3 == 0 ? "5" : "0", "1", now, "1", now]
            }
            var n = i - ScaleData.categories.count
            if n < plan.cities * overridesPerCity {
                let product = (n / plan.cities * 131 + n % plan.cities * 7) % plan.skus
                let price = facts[product].price * 95 / 100
                return ["\(listBase + 1 + Int64(n % plan.cities))", "0_product_variant", nil, "\(productBase + 1 + Int64(product))", "0", "fixed",
                        String(format: "%d.%02d", price / 100, price % 100), "0", "1", now, "1", now]
            }
            n -= plan.cities * overridesPerCity
            let list = listBase + 1 + Int64(plan.cities + n / (overridesPerStore + 1))
            if n % (overridesPerStore + 1) == overridesPerStore {
                return ["\(list)", "3_global", nil, nil, "10", "percentage", "0", "3", "1", now, "1", now]
            }
            let product = (n * 37 + n / (overridesPerStore + 1)) % plan.skus
            let price = facts[product].price * 90 / 100
            return ["\(list)", "0_product_variant", nil, "\(productBase + 1 + Int64(product))", "0", "fixed",
                    String(format: "%d.%02d", price / 100, price % 100), "0", "1", now, "1", now]
        }
        try await tx.execute("ALTER TABLE product_pricelist_item ENABLE TRIGGER product_pricelist_item_added")

        // Store formats: ten assortments of up to 2,000 products; every store sells one of them.
        let formats = 10
        let perFormat = min(2000, plan.skus)
        let assortmentBase = try await reserve("product_assortment", formats)
        try await copy("product_assortment", ["id", "name", "company_id", "active", "create_uid", "create_date", "write_uid", "write_date"], formats) { f in
            ["\(assortmentBase + 1 + Int64(f))", "Store format \(f + 1) (\(perFormat) products)", "1", "t", "1", now, "1", now]
        }
        try await tx.execute("ALTER TABLE product_assortment_template_rel DISABLE TRIGGER product_assortment_template_added")
        try await tx.execute("ALTER TABLE product_assortment_company_rel DISABLE TRIGGER product_assortment_company_changed")
        try await copy("product_assortment_template_rel", ["assortment_id", "template_id"], formats * perFormat) { n in
            let (format, k) = (n / perFormat, n % perFormat)
            return ["\(assortmentBase + 1 + Int64(format))", "\(templateBase + 1 + Int64((format * perFormat + k) % plan.skus))"]
        }
        try await copy("product_assortment_company_rel", ["assortment_id", "company_id"], plan.stores) { store in
            ["\(assortmentBase + 1 + Int64(store % formats))", "\(storeID(store))"]
        }
        try await tx.execute("ALTER TABLE product_assortment_template_rel ENABLE TRIGGER product_assortment_template_added")
        try await tx.execute("ALTER TABLE product_assortment_company_rel ENABLE TRIGGER product_assortment_company_changed")
        try await DemoStock(generator: self, firstStore: storeID(0), firstCentre: companyBase + 1 + Int64(plan.cities), firstProduct: productBase + 1,
                            perFormat: perFormat, formats: formats).run()
        try await tx.execute("SELECT pg_notify('chainstore_catalogue', 'product_pricelist_item')")
    }
}
