import Barcode
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Product
import Testing

@Suite("scan(code, company) and the store catalogue feed", .enabled(if: TestDatabase.isAvailable))
struct ScannerTests {
    static let today = GS1Date(year: 2026, month: 6, day: 15)!

    struct Setup: Sendable { let tea: Int64, apples: Int64, cityList: Int64 }

    /// Tea 10.00 (13% incl.) with a case of 24; loose apples 12.80/kg with the in-store code
    /// 2100123000005; the city sells tea at 9.50.
    static func setUp(_ db: Database, _ registry: Registry, _ fx: GroupFixture) async throws -> Setup {
        try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
            let tea = try await store.create("product.product", [["name": "Tea", "list_price": 10, "barcode": "6901234567892", "default_code": "TEA-1",
                "taxes_id": [[6, 0, [1]]], "packaging_ids": [[0, 0, ["name": "Case of 24", "qty": 24, "barcode": "16901234567899"]]]]])[0]
            let apples = try await store.create("product.product", [["name": "Apples", "list_price": 12.8, "barcode": "2100123000005",
                "uom_id": 3, "uom_po_id": 3, "to_weight": true, "taxes_id": [[6, 0, [2]]]]])[0]
            _ = try await store.create("product.product", [["name": "Cheese by weight", "list_price": 64, "barcode": "2300456000004",
                "taxes_id": [[6, 0, [2]]]]])
            let list = try await store.create("product.pricelist", [["name": "GZ", "company_id": .int(fx.city1), "item_ids": [
                [0, 0, ["applied_on": "0_product_variant", "product_id": .int(tea), "compute_price": "fixed", "fixed_price": 9.5]],
            ]]])[0]
            return Setup(tea: tea, apples: apples, cityList: list)
        }
    }

    static func scan(_ db: Database, _ registry: Registry, _ cache: CatalogueCache, uid: Int64, _ code: String, company: Int64? = nil) async throws -> Scan.Result {
        try await GroupFixture.asUser(db, registry, uid: uid) { store in
            try await Scan.resolve(store, cache: cache, database: db, code: code, company: company ?? store.env.companyId, today: today)
        }
    }

    @Test func everyKindOfCodeResolvesInOneCall() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let s = try await Self.setUp(db, registry, fx)
            let cache = CatalogueCache()
            let plain = try await Self.scan(db, registry, cache, uid: fx.storeUser1, "6901234567892")
            #expect(plain.kind == .product && plain.productId == s.tea && plain.priced?.priceUnit == Decimal(string: "9.5"))
            #expect(plain.priced?.tax == Decimal(string: "1.09"))
            let byReference = try await Self.scan(db, registry, cache, uid: fx.storeUser1, "TEA-1")
            #expect(byReference.productId == s.tea)
            let upc = try await Self.scan(db, registry, cache, uid: fx.storeUser1, "06901234567892")
            #expect(upc.productId == s.tea)
            let carton = try await Self.scan(db, registry, cache, uid: fx.storeUser1, "16901234567899")
            #expect(carton.kind == .packaging && carton.quantity == 24 && carton.priced?.total == 228)
            // 1.250 kg of apples at 12.80 = 16.00; the Shenzhen store has no city price for tea.
            let weighed = try await Self.scan(db, registry, cache, uid: fx.storeUser1, "2100123012503")
            #expect(weighed.kind == .weight && weighed.productId == s.apples && weighed.quantity == Decimal(string: "1.25"))
            #expect(weighed.priced?.total == 16)
            // A scale label priced 25.60 for cheese at 64.00/kg: 0.4 kg.
            let labelled = try await Self.scan(db, registry, cache, uid: fx.storeUser2, "2300456025601")
            #expect(labelled.kind == .price && labelled.priced?.total == Decimal(string: "25.6") && labelled.quantity == Decimal(string: "0.4"))
            let gs1 = try await Self.scan(db, registry, cache, uid: fx.storeUser2, "]C101069012345678921726063010LOT7\u{1D}21SER9")
            #expect(gs1.productId == s.tea && gs1.lot == "LOT7" && gs1.serial == "SER9" && gs1.expiry == "2026-06-30" && !gs1.expired)
            #expect(gs1.priced?.priceUnit == 10)
            let sscc = try await Self.scan(db, registry, cache, uid: fx.storeUser1, "(00)069012340000000016")
            #expect(sscc.kind == .sscc && sscc.productId == nil)
        }
    }

    @Test func theCompiledRulePathAgreesWithThePreparedOne() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let s = try await Self.setUp(db, registry, fx)
            let cache = CatalogueCache()
            let prepared = try await Self.scan(db, registry, cache, uid: fx.storeUser1, "16901234567899")
            let compiled = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                try await Scan.resolve(store.asSystem(reason: "test"), cache: cache, database: db, code: "16901234567899",
                                       company: fx.store1, today: Self.today)
            }
            #expect(prepared.productId == s.tea && compiled.productId == s.tea)
            #expect(prepared.quantity == compiled.quantity && prepared.priced == compiled.priced)
        }
    }

    @Test func aStoreFormatLimitsTheCatalogueAndItsChangesArriveAsDeltas() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let s = try await Self.setUp(db, registry, fx)
            let cache = CatalogueCache()
            func page(_ uid: Int64, since: Int64? = nil) async throws -> RecordValues {
                let page = try await GroupFixture.asUser(db, registry, uid: uid) { store in
                    try await CatalogueFeed.page(store, cache: cache, database: db, company: store.env.companyId, since: since, limit: 100)
                }
                return try JSONReader.parse(Array(page.json.utf8)).dictValue ?? [:]
            }
            func ids(_ page: RecordValues) -> [Int64] { page["products"]?.arrayValue?.compactMap { $0.dictValue?["id"]?.intValue } ?? [] }
            let (teaTemplate, applesTemplate) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let rows = try await store.read("product.product", ids: [s.tea, s.apples], fields: ["product_tmpl_id"], load: .classicWrite)
                return (rows[0]["product_tmpl_id"]?.intValue ?? 0, rows[1]["product_tmpl_id"]?.intValue ?? 0)
            }
            let format = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.create("product.assortment", [["name": "Small format", "company_id": 1,
                    "product_tmpl_ids": [[6, 0, [.int(teaTemplate)]]], "store_ids": [[6, 0, [.int(fx.store1)]]]]])[0]
            }
            let first = try await page(fx.storeUser1)
            #expect(ids(first) == [s.tea])
            #expect(ids(try await page(fx.storeUser2)).contains(s.apples))
            let version = try #require(first["version"]?.intValue)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.write("product.assortment", ids: [format], ["product_tmpl_ids": [[4, .int(applesTemplate)]]])
            }
            let delta = try await page(fx.storeUser1, since: version)
            let added = delta["products"]?.arrayValue?.compactMap(\.dictValue) ?? []
            #expect(added.map { $0["id"]?.intValue } == [s.apples] && added.first?["in_assortment"] == .true)
            // Taking the store out of the format changes its whole catalogue: the till is told to download again.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.write("product.assortment", ids: [format], ["store_ids": [[5]]])
            }
            let resync = try await page(fx.storeUser1, since: try #require(delta["version"]?.intValue))
            #expect(resync["resync"] == .true)
            let whole = try await page(fx.storeUser1)
            #expect(Set(ids(whole)).isSuperset(of: [s.tea, s.apples]))
        }
    }

    @Test func aCityReadsItsOwnScaleLabels() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let duck = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let duck = try await store.create("product.product", [["name": "Roast duck", "list_price": 90, "barcode": "2600789000000"]])[0]
                // Shenzhen's scales print price labels with prefix 26.
                _ = try await store.create("barcode.nomenclature", [["name": "Shenzhen scales", "company_id": .int(fx.city2), "rule_ids": [
                    [0, 0, ["name": "Priced (26)", "type": "price", "pattern": "26.....{NNNDD}", "sequence": 5]],
                ]]])
                return duck
            }
            let cache = CatalogueCache()
            let shenzhen = try await Self.scan(db, registry, cache, uid: fx.storeUser2, "2600789045001")
            #expect(shenzhen.kind == .price && shenzhen.productId == duck && shenzhen.priced?.total == 45 && shenzhen.quantity == Decimal(string: "0.5"))
            // Guangzhou reads the same label as a plain in-store number: no such product.
            let guangzhou = await #expect(throws: ChainstoreError.self) { _ = try await Self.scan(db, registry, cache, uid: fx.storeUser1, "2600789045001") }
            #expect(guangzhou?.code == .missingError)
            let malformed = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                    _ = try await store.create("barcode.rule", [["name": "Broken", "barcode_nomenclature_id": 1, "pattern": "21{NN"]])
                }
            }
            #expect(malformed?.code == .validationError)
        }
    }

    @Test func unitsConvertExactly() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let converted = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("""
                    SELECT chainstore_uom_convert(2, 2, 1)::text, chainstore_uom_convert(48, 1, 2)::text,
                           chainstore_uom_convert(1500, 4, 3)::text, chainstore_uom_convert(1.25, 3, 4)::text
                    """)).first?.decode((String, String, String, String).self)
            }
            let values = try #require(converted)
            #expect(Decimal(string: values.0) == 48 && Decimal(string: values.1) == 2)
            #expect(Decimal(string: values.2) == Decimal(string: "1.5") && Decimal(string: values.3) == 1250)
        }
    }

    @Test func badAndForeignScansAreRefusedClearly() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            _ = try await Self.setUp(db, registry, fx)
            let cache = CatalogueCache()
            for (code, expected) in [("6901234567891", ChainstoreError.Code.valueError), ("6920152400593", .missingError),
                                     ("(17)261331", .valueError), ("'; DROP TABLE product_product; --", .missingError), ("", .valueError)] {
                let error = await #expect(throws: ChainstoreError.self) { _ = try await Self.scan(db, registry, cache, uid: fx.storeUser1, code) }
                #expect(error?.code == expected, "\(code)")
            }
            let foreign = await #expect(throws: ChainstoreError.self) {
                _ = try await Self.scan(db, registry, cache, uid: fx.storeUser1, "6901234567892", company: fx.store2)
            }
            #expect(foreign?.code == .accessError)
        }
    }

    @Test func theFeedPagesThenSendsOnlyChanges() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let s = try await Self.setUp(db, registry, fx)
            let cache = CatalogueCache()
            func page(after: Int64 = 0, since: Int64? = nil, limit: Int = 1) async throws -> RecordValues {
                let page = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    try await CatalogueFeed.page(store, cache: cache, database: db, company: store.env.companyId, after: after, since: since, limit: limit)
                }
                return try JSONReader.parse(Array(page.json.utf8)).dictValue ?? [:]
            }
            let first = try await page()
            let version = try #require(first["version"]?.intValue)
            #expect(first["more"] == .true)
            let second = try await page(after: try #require(first["next_after"]?.intValue))
            let products = (first["products"]?.arrayValue ?? []) + (second["products"]?.arrayValue ?? [])
            #expect(products.compactMap { $0.dictValue?["id"]?.intValue } == [s.tea, s.apples])
            #expect(second["more"] == .true)
            #expect(products.first?.dictValue?["price"] == .double(9.5))
            #expect(try await page(since: version, limit: 100)["products"]?.arrayValue?.isEmpty == true)
            // A rule change reaches the variant's version; the delta carries the new price.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let items = try await store.search("product.pricelist.item", domain: .leaf("pricelist_id", .equal, .int(s.cityList)))
                try await store.write("product.pricelist.item", ids: items, ["fixed_price": 8.8])
            }
            cache.invalidate(db.name)
            let delta = try await page(since: version, limit: 100)
            let changed = delta["products"]?.arrayValue?.compactMap(\.dictValue) ?? []
            #expect(changed.map { $0["id"]?.intValue } == [s.tea])
            #expect(changed.first?["price"] == .double(8.8))
        }
    }
}
