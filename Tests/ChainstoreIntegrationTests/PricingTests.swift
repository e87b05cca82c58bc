import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import PostgresNIO
import Product
import Synchronization
import Testing

@Suite("Batch pricing: precedence, quantities, dates, formulas, taxes", .enabled(if: TestDatabase.isAvailable))
struct PricingTests {
    struct Setup: Sendable { let tea: Int64, rice: Int64, cityList: Int64 }

    /// Tea (10.00, VAT 13% included) in Food / Drinks; rice (5.00, 9% excluded) in Food.
    static func setUp(_ store: RecordStore, _ fx: GroupFixture) async throws -> Setup {
        let food = try await store.create("product.category", [["name": "Food", "parent_id": 1]])[0]
        let drinks = try await store.create("product.category", [["name": "Drinks", "parent_id": .int(food)]])[0]
        let excluded = try await store.create("account.tax", [["name": "VAT 9% excl.", "amount": 9, "price_include": false, "company_id": 1]])[0]
        let tea = try await store.create("product.product", [["name": "Tea", "list_price": 10, "standard_price": 6, "categ_id": .int(drinks),
            "taxes_id": [[6, 0, [1]]]]])[0]
        let rice = try await store.create("product.product", [["name": "Rice", "list_price": 5, "categ_id": .int(food),
            "taxes_id": [[6, 0, [.int(excluded)]]]]])[0]
        // Group: 10% off all food; Drinks (more specific) 20% off cost-plus formula.
        _ = try await store.create("product.pricelist.item", [
            ["pricelist_id": 1, "applied_on": "2_product_category", "categ_id": .int(food), "compute_price": "percentage", "percent_price": 10],
        ])
        // City: tea at 8.80 from 3 units.
        let cityList = try await store.create("product.pricelist", [["name": "GZ", "company_id": .int(fx.city1), "item_ids": [
            [0, 0, ["applied_on": "0_product_variant", "product_id": .int(tea), "compute_price": "fixed", "fixed_price": 8.8, "min_quantity": 3]],
        ]]])[0]
        // Store: from 5 units, 5% off the city's price rounded to 0.10; a one-week promotion on rice.
        _ = try await store.create("product.pricelist", [["name": "GZ Store 1", "company_id": .int(fx.store1), "item_ids": [
            [0, 0, ["applied_on": "0_product_variant", "product_id": .int(tea), "compute_price": "formula", "base": "pricelist",
                    "base_pricelist_id": .int(cityList), "price_discount": 5, "price_round": 0.1, "min_quantity": 5]],
            [0, 0, ["applied_on": "0_product_variant", "product_id": .int(rice), "compute_price": "fixed", "fixed_price": 3.99,
                    "date_start": "2026-06-01 00:00:00", "date_end": "2026-06-07 23:59:59"]],
        ]]])[0]
        return Setup(tea: tea, rice: rice, cityList: cityList)
    }

    static func prices(_ store: RecordStore, company: Int64, date: String? = nil, _ lines: [(Int64, Decimal)]) async throws -> [Pricing.Priced] {
        try await Pricing.price(store, company: company, date: date, lines: lines.map { Pricing.Line(productId: $0.0, quantity: $0.1) })
    }

    @Test func theNearestCompanysRuleWinsByQuantityAndDate() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let s = try await Self.setUp(store, fx)
                let store1 = try await Self.prices(store, company: fx.store1, date: "2026-05-01 12:00:00",
                    [(s.tea, 1), (s.tea, 3), (s.tea, 5), (s.rice, 2)])
                #expect(store1.map(\.priceUnit) == [9, Decimal(string: "8.8")!, Decimal(string: "8.4")!, Decimal(string: "4.5")!])
                // 8.80 × 0.95 = 8.36 → rounded to 0.10 → 8.40.
                let promotion = try await Self.prices(store, company: fx.store1, date: "2026-06-03 12:00:00", [(s.rice, 2)])
                #expect(promotion[0].priceUnit == Decimal(string: "3.99")!)
                // The other city's store only has the group's rules.
                let other = try await Self.prices(store, company: fx.store2, date: "2026-06-03 12:00:00", [(s.tea, 5), (s.rice, 1)])
                #expect(other.map(\.priceUnit) == [9, Decimal(string: "4.5")!])
            }
        }
    }

    @Test func taxesIncludedAndExcludedAreComputedPerLine() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let s = try await Self.setUp(store, fx)
                let lines = try await Self.prices(store, company: fx.store2, date: "2026-05-01 12:00:00", [(s.tea, 3), (s.rice, Decimal(string: "2.5")!)])
                // Tea 3 × 9.00 = 27.00 incl. 13%: untaxed 23.89, tax 3.11.
                #expect(lines[0].total == 27)
                #expect(lines[0].untaxed == Decimal(string: "23.89")!)
                #expect(lines[0].tax == Decimal(string: "3.11")!)
                // Rice 2.5 × 4.50 = 11.25 excl. 9%: tax 1.01, total 12.26.
                #expect(lines[1].untaxed == Decimal(string: "11.25")!)
                #expect(lines[1].tax == Decimal(string: "1.01")!)
                #expect(lines[1].total == Decimal(string: "12.26")!)
            }
        }
    }

    @Test func aStoreCannotPriceForAnotherStoreOrLoopFormulas() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let s = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in try await Self.setUp(store, fx) }
            let denied = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    _ = try await Self.prices(store, company: fx.store2, [(s.tea, 1)])
                }
            }
            #expect(denied?.code == .accessError)
            let looped = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                    _ = try await store.create("product.pricelist.item", [["pricelist_id": .int(s.cityList), "applied_on": "3_global",
                        "compute_price": "formula", "base": "pricelist", "base_pricelist_id": .int(s.cityList)]])
                    _ = try await Self.prices(store, company: fx.city1, [(s.rice, 1)])
                }
            }
            #expect(looped?.code == .validationError)
        }
    }

    /// A promotion that starts and ends at set times moves the catalogue version of the variants
    /// it reaches when its window opens and again when it closes (so tills fetch the new price),
    /// and not before or in between.
    @Test func aWindowThatOpensOrClosesMovesTheVersionsOfWhatItReaches() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let log = TestDatabase.logger
            // The window: from an hour ahead to two hours ahead; the job is run as of moments around it.
            let (s, moments) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let s = try await Self.setUp(store, fx)
                let at = try await store.tx.query("""
                    SELECT to_char(now() AT TIME ZONE 'UTC' + make_interval(secs => x), 'YYYY-MM-DD HH24:MI:SS')
                    FROM unnest(ARRAY[3600, 7200, 1800, 3601, 5000, 7201]) x
                    """).map { try $0.decode(String.self) }
                _ = try await store.create("product.pricelist.item", [["pricelist_id": 1, "applied_on": "0_product_variant", "product_id": .int(s.rice),
                    "compute_price": "fixed", "fixed_price": 3.5, "date_start": .string(at[0]), "date_end": .string(at[1])]])
                return (s, Array(at[2...]).map { $0 + "+00" })
            }
            func versions() async throws -> [Int64] {  // rice, tea
                try await db.withoutTransaction(logger: log) { tx in
                    try await tx.query("SELECT catalogue_version FROM product_product WHERE id = ANY(\([s.rice, s.tea])) ORDER BY id = \(s.tea)")
                        .map { try $0.decode(Int64.self) }
                }
            }
            let created = try await versions()
            // A look that finds no window announces nothing: every node's cached lists stay.
            let quiet = try await Self.catalogueNotices(db) { () async throws in
                #expect(try await PriceWindows.advance(db, until: moments[0], logger: log) == 0)
            }
            #expect(quiet.isEmpty, "\(quiet)")
            #expect(try await versions() == created)
            let heard = try await Self.catalogueNotices(db) { () async throws in
                #expect(try await PriceWindows.advance(db, until: moments[1], logger: log) == 1)
            }
            #expect(heard.contains("product_pricelist_item"), "\(heard)")
            let opened = try await versions()
            #expect(opened[0] > created[0] && opened[1] == created[1], "rice moves, tea does not: \(created) → \(opened)")
            #expect(try await PriceWindows.advance(db, until: moments[2], logger: log) == 0)
            #expect(try await PriceWindows.advance(db, until: moments[3], logger: log) == 1)
            let closed = try await versions()
            #expect(closed[0] > opened[0] && closed[1] == opened[1])
        }
    }

    /// The notices on the catalogue channel while `body` runs (and a moment after, for their delivery).
    static func catalogueNotices(_ db: Database, _ body: () async throws -> Void) async throws -> [String] {
        let heard = Mutex<[String]>([])
        let (started, listening) = AsyncStream.makeStream(of: Void.self)
        let listener = Task {
            defer { listening.finish() }
            try await db.client.withConnection { connection in
                try await connection.listen(on: CatalogueCache.channel) { notices in
                    listening.yield()
                    for try await notice in notices { heard.withLock { $0.append(notice.payload) } }
                }
            }
        }
        for await _ in started { break }
        try await body()
        try await Task.sleep(for: .milliseconds(500))
        listener.cancel()
        _ = await listener.result
        return heard.withLock { $0 }
    }

    /// Price rules list in Odoo's default order (`applied_on, min_quantity desc, categ_id desc,
    /// id desc`, the category by its full name), read from the name the rule keeps: renaming a
    /// category (or its parent) and moving a rule to another category re-sort the list.
    @Test func priceRulesListInOdoosOrderAfterCategoryRenames() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let drinks = try await store.create("product.category", [["name": "Drinks"]])[0]
                let categories = try await store.create("product.category", [
                    ["name": "Tea", "parent_id": .int(drinks)], ["name": "Juice", "parent_id": .int(drinks)], ["name": "Rice"],
                ])
                let (tea, juice, rice) = (categories[0], categories[1], categories[2])
                let list = try await store.create("product.pricelist", [["name": "Group"]])[0]
                func rule(_ category: Int64?, from quantity: Int = 0) -> RecordValues {
                    ["pricelist_id": .int(list), "applied_on": category == nil ? "3_global" : "2_product_category",
                     "categ_id": category.map(Value.int) ?? .false, "min_quantity": .int(Int64(quantity)), "percent_price": 5, "compute_price": "percentage"]
                }
                let rules = try await store.create("product.pricelist.item", [rule(tea), rule(juice), rule(rice), rule(juice, from: 10), rule(nil)])
                func listed(_ order: String? = nil) async throws -> [Int64] {
                    try await store.search("product.pricelist.item", domain: .leaf("pricelist_id", .equal, .int(list)), order: order)
                }
                // "Rice" > "Drinks / Tea" > "Drinks / Juice", descending; more quantity first; global last.
                #expect(try await listed() == [rules[3], rules[2], rules[0], rules[1], rules[4]])
                try await store.write("product.category", ids: [drinks], ["name": "Soft Drinks"])
                try await store.write("product.category", ids: [tea], ["name": "Tea", "parent_id": .false])
                // "Tea" > "Soft Drinks / Juice" > "Rice".
                #expect(try await listed() == [rules[3], rules[0], rules[1], rules[2], rules[4]])
                try await store.write("product.pricelist.item", ids: [rules[2]], ["categ_id": .int(drinks)])
                // "Tea" > "Soft Drinks / Juice" > "Soft Drinks".
                #expect(try await listed() == [rules[3], rules[0], rules[1], rules[2], rules[4]])
                try await store.write("product.pricelist.item", ids: [rules[1]], ["categ_id": .int(rice)])
                #expect(try await listed() == [rules[3], rules[0], rules[2], rules[1], rules[4]])
            }
        }
    }
}
