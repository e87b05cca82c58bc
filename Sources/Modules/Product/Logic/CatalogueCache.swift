import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A node's copy of the slow-changing catalogue data of each database: categories, taxes, which
/// price lists apply to which company, the rules of each list, each company's place in the tree.
/// Lookups price from it without asking the database.
///
/// It is trusted only while the node listens on `chainstore_catalogue` for that database:
/// every change announces itself there (migration 0004), the whole snapshot is dropped, and the
/// next lookup reloads what it needs. Until the listener is confirmed, or after it fails, the
/// cache serves nothing it remembers: each call loads fresh data, so a missed notice can never
/// leave a stale price.
public final class CatalogueCache: Sendable {
    public static let channel = "chainstore_catalogue"

    struct Entry: Sendable {
        var generation = 0
        var listening = false
        var snapshot = Snapshot()
        /// Every variant's scan facts; nil until loaded (and whenever not listening).
        var products: ProductIndex?
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let watch: AsyncStream<Database>.Continuation
    private let requests: AsyncStream<Database>

    public init() {
        (requests, watch) = AsyncStream.makeStream(of: Database.self)
    }

    // MARK: what is cached

    struct ListRules: Sendable {
        var byVariant: [Int64: [Pricing.Rule]] = [:]
        var byTemplate: [Int64: [Pricing.Rule]] = [:]
        var byCategory: [Int64: [Pricing.Rule]] = [:]
        var global: [Pricing.Rule] = []
        /// The lists this list's formulas are based on (kept as rules are added: every scan asks).
        private(set) var formulaBases: [Int64] = []

        /// Files `rule` under what it applies to (`target`: the variant, template or category id).
        mutating func add(_ rule: Pricing.Rule, appliedOn applied: String, target: Int64?) {
            switch (applied, target) {
            case ("0_product_variant", let id?): byVariant[id, default: []].append(rule)
            case ("1_product", let id?): byTemplate[id, default: []].append(rule)
            case ("2_product_category", let id?): byCategory[id, default: []].append(rule)
            case ("0_product_variant", nil), ("1_product", nil), ("2_product_category", nil): return
            default: global.append(rule)
            }
            if rule.base == "pricelist", rule.compute == "formula", let base = rule.baseList, !formulaBases.contains(base) {
                formulaBases.append(base)
            }
        }
    }

    struct Snapshot: Sendable {
        /// Category id → its ancestors and itself, nearest first.
        var categories: [Int64: [Int64]]?
        var taxes: [Int64: Pricing.Tax]?
        /// Company id → its active lists `(id, sequence)`, for the companies priced so far (a
        /// company without lists has an empty entry): a store loads its own path's lists, not
        /// the 20,000 of the group.
        var listsByCompany: [Int64: [(id: Int64, sequence: Int)]] = [:]
        var rules: [Int64: ListRules] = [:]
        /// Company id → itself and its parents, nearest first.
        var companyPath: [Int64: [Int64]] = [:]
        /// Company id → the barcode nomenclature it owns.
        var nomenclatures: [Int64: Nomenclature]?
    }

    /// Drops what is cached for `database` (a change notice, or the listener going away).
    public func invalidate(_ database: String) {
        entries.withLock { all in
            all[database, default: Entry()].generation += 1
            all[database]?.snapshot = Snapshot()
        }
    }

    func setListening(_ database: String, _ listening: Bool) {
        entries.withLock { all in
            all[database, default: Entry()].listening = listening
            all[database]?.generation += 1
            all[database]?.snapshot = Snapshot()
            all[database]?.products = nil
        }
    }

    /// Brings the product index of `database` up to the newest catalogue version: the whole
    /// catalogue the first time, the changed variants after.
    func refreshProducts(_ database: Database, logger: Logger) async throws {
        let since = entries.withLock { $0[database.name]?.products?.version } ?? 0
        let started = ContinuousClock.now
        let changes = try await ProductIndex.fetch(database, since: since, logger: logger)
        if since == 0 {
            // The rows' buffers are freed; hand the pages back rather than keep the load's peak.
            FreedMemory.release()
            logger.info("product index loaded", metadata: [
                "database": "\(database.name)", "variants": "\(changes.count)", "bytes": "\(changes.footprint)", "took": "\(ContinuousClock.now - started)",
            ])
        }
        entries.withLock { all in
            guard let entry = all[database.name], entry.listening else { return }
            guard (entry.products?.version ?? 0) == since else { return }  // another refresh got there first
            // In place: a copy of the entry would copy the whole index for a handful of changes.
            if since == 0 {
                all[database.name]!.products = changes
            } else {
                all[database.name]!.products!.merge(changes)
            }
        }
    }

    /// The indexed variant a code names (`b:` barcode or case barcode, `r:` reference).
    func indexed(_ database: String, keys: [String]) -> (ProductIndex.Variant, ProductIndex.Code)? {
        entries.withLock { all in
            guard let index = all[database]?.products else { return nil }
            for key in keys {
                if let found = index.lookup(key) { return found }
            }
            return nil
        }
    }

    /// The snapshot to read from, and its generation (to store what gets loaded).
    func current(_ database: Database) -> (Snapshot, Int, Bool) {
        let (entry, isNew) = entries.withLock { all -> (Entry, Bool) in
            if let entry = all[database.name] { return (entry, false) }
            all[database.name] = Entry()
            return (Entry(), true)
        }
        if isNew { watch.yield(database) }
        return (entry.listening ? entry.snapshot : Snapshot(), entry.generation, entry.listening)
    }

    /// Keeps `update` unless a notice arrived since `generation` was read.
    func store(_ database: String, generation: Int, _ update: (inout Snapshot) -> Void) {
        entries.withLock { all in
            guard var entry = all[database], entry.listening, entry.generation == generation else { return }
            update(&entry.snapshot)
            all[database] = entry
        }
    }

    // MARK: listening

    /// Listens for change notices of every database the cache has served, until cancelled;
    /// run by the node beside the server.
    public func run(logger: Logger) async {
        await withTaskGroup(of: Void.self) { group in
            for await database in requests {
                group.addTask { await self.listen(database, logger: logger) }
            }
            group.cancelAll()
        }
    }

    private func listen(_ database: Database, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await database.client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notices in
                        self.setListening(database.name, true)
                        logger.debug("catalogue cache listening", metadata: ["database": "\(database.name)"])
                        try await self.refreshProducts(database, logger: logger)
                        for try await notice in notices {
                            switch notice.payload {
                            case "product_product": try await self.refreshProducts(database, logger: logger)
                            case "product_product_removed", "uom_uom":
                                self.setListening(database.name, true)  // drops everything, index included
                                try await self.refreshProducts(database, logger: logger)
                            default: self.invalidate(database.name)
                            }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning("catalogue cache listener lost; serving uncached until it is back",
                               metadata: ["database": "\(database.name)", "error": "\(error)"])
            }
            setListening(database.name, false)
            try? await Task.sleep(for: .seconds(1))
        }
        setListening(database.name, false)
    }

    public func stop() { watch.finish() }

    /// Starts listening for `database` (and loading its product index) now rather than at the
    /// first scan.
    public func prepare(_ database: Database) { _ = current(database) }
}

extension CatalogueCache {
    /// What pricing needs about `company` from the cache, loading what is missing (each part in
    /// one query) and keeping it when the cache is live.
    ///
    /// `reach` (the caller's root companies; nil for the system) must contain the company or
    /// one of its parents: nobody prices for a company outside their own subtree.
    func pricingContext(_ tx: Transaction, database: Database, company: Int64, reach: [Int64]?) async throws -> PricingContext {
        let (cached, generation, _) = current(database)
        var snapshot = cached
        var loaded: [(inout Snapshot) -> Void] = []
        if snapshot.categories == nil {
            var categories: [Int64: [Int64]] = [:]
            for row in try await tx.query(SQLBuilder("SELECT id, parent_path FROM product_category")) {
                let (id, path) = try row.decode((Int64, String?).self)
                categories[id] = (path ?? "").split(separator: "/").compactMap { Int64($0) }.reversed()
            }
            snapshot.categories = categories
            loaded.append { $0.categories = categories }
        }
        if snapshot.taxes == nil {
            var taxes: [Int64: Pricing.Tax] = [:]
            for row in try await tx.query(SQLBuilder("SELECT id, amount::text, amount_type, price_include FROM account_tax WHERE active")) {
                let (id, amount, type, included) = try row.decode((Int64, String, String, Bool).self)
                taxes[id] = Pricing.Tax(id: id, amount: Decimal(string: amount) ?? 0, fixed: type == "fixed", included: included)
            }
            snapshot.taxes = taxes
            loaded.append { $0.taxes = taxes }
        }
        let path = try await companyPath(tx, database: database, company: company)
        guard !path.isEmpty else { throw ChainstoreError.missing("Company \(company) does not exist") }
        if let reach, !path.contains(where: reach.contains) {
            throw ChainstoreError.accessError("You are not allowed to price for company \(company).")
        }
        let owners = path.filter { snapshot.listsByCompany[$0] == nil }
        if !owners.isEmpty {
            var sql = SQLBuilder("SELECT id, company_id, sequence FROM product_pricelist WHERE active AND company_id = ANY(")
            sql.bind(.intArray(owners), cast: "bigint[]")
            sql += ")"
            var lists = Dictionary(uniqueKeysWithValues: owners.map { ($0, [(id: Int64, sequence: Int)]()) })
            for row in try await tx.query(sql) {
                let (id, owner, sequence) = try row.decode((Int64, Int64, Int).self)
                lists[owner, default: []].append((id, sequence))
            }
            snapshot.listsByCompany.merge(lists) { _, loaded in loaded }
            loaded.append { $0.listsByCompany.merge(lists) { _, loaded in loaded } }
        }
        // The company's lists, nearest company first, then the lists their formulas name.
        let lists = Self.lists(along: path, snapshot.listsByCompany)
        var wanted = Set(lists)
        var frontier = lists
        while !frontier.isEmpty {
            let missing = frontier.filter { snapshot.rules[$0] == nil }
            if !missing.isEmpty {
                let fetched = try await Self.loadRules(tx, lists: missing, categories: snapshot.categories ?? [:])
                for list in missing { snapshot.rules[list] = fetched[list] ?? ListRules() }
                loaded.append { snapshot in for list in missing { snapshot.rules[list] = fetched[list] ?? ListRules() } }
            }
            frontier = frontier.flatMap { snapshot.rules[$0]?.formulaBases ?? [] }.filter { wanted.insert($0).inserted }
        }
        if !loaded.isEmpty {
            store(database.name, generation: generation) { stored in for apply in loaded { apply(&stored) } }
        }
        return PricingContext(lists: lists, snapshot: snapshot)
    }

    /// The lists of the companies on `path` (nearest first), each company's by sequence.
    static func lists(along path: [Int64], _ byCompany: [Int64: [(id: Int64, sequence: Int)]]) -> [Int64] {
        path.flatMap { owner in (byCompany[owner] ?? []).sorted { ($0.sequence, $0.id) < ($1.sequence, $1.id) }.map(\.id) }
    }

    static func loadRules(_ tx: Transaction, lists: [Int64], categories: [Int64: [Int64]]) async throws -> [Int64: ListRules] {
        var sql = SQLBuilder("""
            SELECT id, pricelist_id, applied_on, categ_id, product_tmpl_id, product_id, min_quantity::text, compute_price, \
            fixed_price::text, percent_price::text, base, base_pricelist_id, price_discount::text, price_surcharge::text, \
            price_round::text, price_min_margin::text, price_max_margin::text, \
            extract(epoch FROM date_start)::float8, extract(epoch FROM date_end)::float8 \
            FROM product_pricelist_item WHERE pricelist_id = ANY(
            """)
        sql.bind(.intArray(lists), cast: "bigint[]")
        sql += ")"
        var result: [Int64: ListRules] = [:]
        for row in try await tx.query(sql) {
            let cells = row.makeRandomAccess()
            func text(_ i: Int) throws -> Decimal { Decimal(string: try cells[i].decode(String.self)) ?? 0 }
            let applied = try cells[2].decode(String.self)
            let category = try cells[3].decode(Int64?.self)
            let rule = Pricing.Rule(
                id: try cells[0].decode(Int64.self), list: try cells[1].decode(Int64.self), minQuantity: try text(6),
                compute: try cells[7].decode(String.self), fixedPrice: try text(8), percent: try text(9), base: try cells[10].decode(String.self),
                baseList: try cells[11].decode(Int64?.self), discount: try text(12), surcharge: try text(13), round: try text(14),
                minMargin: try text(15), maxMargin: try text(16), appliedOn: Int(applied.prefix(1)) ?? 3,
                categoryDepth: category.flatMap { categories[$0]?.count } ?? 0,
                starts: try cells[17].decode(Double?.self), ends: try cells[18].decode(Double?.self))
            let target: Int64? = switch applied {
            case "0_product_variant": try cells[5].decode(Int64?.self)
            case "1_product": try cells[4].decode(Int64?.self)
            case "2_product_category": category
            default: nil
            }
            result[rule.list, default: ListRules()].add(rule, appliedOn: applied, target: target)
        }
        return result
    }
}

extension CatalogueCache {
    /// `company` and its parents, nearest first (cached while listening).
    func companyPath(_ tx: Transaction, database: Database, company: Int64) async throws -> [Int64] {
        let (snapshot, generation, _) = current(database)
        if let path = snapshot.companyPath[company] { return path }
        var sql = SQLBuilder("SELECT parent_path FROM res_company WHERE id = ")
        sql.bind(.int(company), cast: "bigint")
        guard let text = try await tx.query(sql).first?.decode(String?.self) ?? nil else { return [] }
        let path = Array(text.split(separator: "/").compactMap { Int64($0) }.reversed())
        store(database.name, generation: generation) { $0.companyPath[company] = path }
        return path
    }

    /// The catalogue's company rule, from the cache: no company, a company under one of the
    /// caller's, or one above them.
    func companyVisible(_ tx: Transaction, database: Database, company: Int64?, reach: [Int64]) async throws -> Bool {
        guard let company else { return true }
        if try await companyPath(tx, database: database, company: company).contains(where: reach.contains) { return true }
        for root in reach where try await companyPath(tx, database: database, company: root).contains(company) { return true }
        return false
    }
}

extension CatalogueCache {
    /// The pricing context of `company` if everything it needs is cached (and the cache is live);
    /// nil means: ask `pricingContext`. Throws when the company is outside `reach`.
    func cachedPricing(_ database: String, company: Int64, reach: [Int64]) throws -> PricingContext? {
        let entry = entries.withLock { $0[database] }
        guard let entry, entry.listening, entry.snapshot.categories != nil, entry.snapshot.taxes != nil,
            let path = entry.snapshot.companyPath[company]
        else { return nil }
        guard path.contains(where: reach.contains) else {
            throw ChainstoreError.accessError("You are not allowed to price for company \(company).")
        }
        guard path.allSatisfy({ entry.snapshot.listsByCompany[$0] != nil }) else { return nil }
        let lists = Self.lists(along: path, entry.snapshot.listsByCompany)
        var seen = Set(lists)
        var frontier = lists
        while !frontier.isEmpty {
            var next: [Int64] = []
            for list in frontier {
                guard let rules = entry.snapshot.rules[list] else { return nil }
                next += rules.formulaBases.filter { seen.insert($0).inserted }
            }
            frontier = next
        }
        return PricingContext(lists: lists, snapshot: entry.snapshot)
    }

    /// The catalogue's company rule from cached paths only; nil when a path is not cached.
    func cachedVisible(_ database: String, company: Int64?, reach: [Int64]) -> Bool? {
        guard let company else { return true }
        return entries.withLock { all -> Bool? in
            guard let snapshot = all[database]?.snapshot, let path = snapshot.companyPath[company] else { return nil }
            if path.contains(where: reach.contains) { return true }
            for root in reach {
                guard let rootPath = snapshot.companyPath[root] else { return nil }
                if rootPath.contains(company) { return true }
            }
            return false
        }
    }
}

extension CatalogueCache {
    /// The nomenclature that reads in-store codes for `company`: its own, else the nearest
    /// parent's, else the group default of the Barcode module.
    func nomenclature(_ tx: Transaction, database: Database, company: Int64) async throws -> Nomenclature {
        let path = try await companyPath(tx, database: database, company: company)
        let (snapshot, generation, _) = current(database)
        var owned = snapshot.nomenclatures
        if owned == nil {
            var rules: [Int64: [NomenclatureRule]] = [:]
            let sql = SQLBuilder("""
                SELECT n.company_id, r.type, r.encoding, r.pattern FROM barcode_rule r
                JOIN barcode_nomenclature n ON n.id = r.barcode_nomenclature_id
                WHERE n.id = (SELECT min(m.id) FROM barcode_nomenclature m WHERE m.company_id = n.company_id)
                ORDER BY n.company_id, r.sequence, r.id
                """)
            for row in try await tx.query(sql) {
                let (owner, type, encoding, pattern) = try row.decode((Int64, String, String, String).self)
                guard let rule = try? NomenclatureRule(type: type, pattern: pattern, encoding: BarcodeEncoding(rawValue: encoding) ?? .ean13)
                else { continue }
                rules[owner, default: []].append(rule)
            }
            let loaded = rules.mapValues { Nomenclature(rules: $0) }
            owned = loaded
            store(database.name, generation: generation) { $0.nomenclatures = loaded }
        }
        return Self.nearest(owned ?? [:], path: path)
    }

    /// The same from memory only; nil when not cached.
    func cachedNomenclature(_ database: String, company: Int64) -> Nomenclature? {
        entries.withLock { all -> Nomenclature? in
            guard let entry = all[database], entry.listening, let owned = entry.snapshot.nomenclatures,
                let path = entry.snapshot.companyPath[company]
            else { return nil }
            return Self.nearest(owned, path: path)
        }
    }

    static func nearest(_ owned: [Int64: Nomenclature], path: [Int64]) -> Nomenclature {
        path.lazy.compactMap { owned[$0] }.first ?? .chineseDefaults
    }
}

/// The cached facts one pricing call reads.
struct PricingContext: Sendable {
    let lists: [Int64]
    let snapshot: CatalogueCache.Snapshot

    /// The rules of `list` that apply to a variant on `moment` (seconds since 1970), in the order
    /// they are tried.
    func rules(list: Int64, variant: Int64, template: Int64, category: Int64, moment: Double) -> [Pricing.Rule] {
        guard let rules = snapshot.rules[list] else { return [] }
        var found = (rules.byVariant[variant] ?? []) + (rules.byTemplate[template] ?? [])
        for ancestor in snapshot.categories?[category] ?? [category] { found += rules.byCategory[ancestor] ?? [] }
        found += rules.global
        return found.filter { ($0.starts ?? -.infinity) <= moment && moment <= ($0.ends ?? .infinity) }.sorted { a, b in
            if a.appliedOn != b.appliedOn { return a.appliedOn < b.appliedOn }
            if a.minQuantity != b.minQuantity { return a.minQuantity > b.minQuantity }
            if a.categoryDepth != b.categoryDepth { return a.categoryDepth > b.categoryDepth }
            return a.id > b.id
        }
    }
}

extension CatalogueCache {
    /// The scale-label rules (those with an embedded weight or price) that read in-store codes
    /// for `company`, as `{"type", "pattern", "encoding"}`: a till reads labels with them when the
    /// server is out of reach.
    public func labelRules(_ tx: Transaction, database: Database, company: Int64) async throws -> [Value] {
        try await nomenclature(tx, database: database, company: company).rules
            .filter { $0.pattern.contains("{") && ["weight", "weight_cn_scale", "price"].contains($0.type) }
            .map { .dict(["type": .string($0.type), "pattern": .string($0.pattern), "encoding": .string($0.encoding.rawValue)]) }
    }
}
