import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Product
import Testing

@Suite("Catalogue: products, variants, delegated fields, shared records", .enabled(if: TestDatabase.isAvailable))
struct CatalogueTests {
    @Test func aTemplateMakesOneVariantPerCombinationAndVariantsReadTemplateFields() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let plain = try await store.create("product.template", [
                    ["name": "Cola 330ml", "list_price": 3.5, "barcode": "6901234567892", "default_code": "COLA330", "taxes_id": [[6, 0, [1]]]],
                ])[0]
                let variant = try #require(try await store.searchRead("product.product", domain: .leaf("barcode", .equal, "6901234567892"),
                    fields: ["display_name", "name", "lst_price", "taxes_id", "product_tmpl_id"], load: .classicWrite).first)
                #expect(variant["display_name"] == "[COLA330] Cola 330ml")
                #expect(variant["name"] == "Cola 330ml")
                #expect(variant["lst_price"] == .double(3.5))
                #expect(variant["taxes_id"] == [1])
                #expect(variant["product_tmpl_id"] == .int(plain))
                // Searching and writing a template field through the variant.
                let id = try #require(variant["id"]?.intValue)
                #expect(try await store.search("product.product", domain: .leaf("name", .ilike, "cola")) == [id])
                try await store.write("product.product", ids: [id], ["name": "Cola Zero", "list_price": 4])
                let template = try await store.read("product.template", ids: [plain], fields: ["name", "list_price", "barcode"])[0]
                #expect(template["name"] == "Cola Zero")
                #expect(template["list_price"] == .double(4))
                #expect(template["barcode"] == "6901234567892")

                let shirt = try await Self.sizedAndColoured(store, "T-shirt", price: 50).template
                let names = try await store.searchRead("product.product", domain: .leaf("product_tmpl_id", .equal, .int(shirt)),
                    fields: ["display_name"], order: "id").map { $0["display_name"]?.stringValue ?? "" }
                #expect(Set(names) == ["T-shirt (S, Red)", "T-shirt (S, Blue)", "T-shirt (M, Red)", "T-shirt (M, Blue)"])
                // A price extra on one value moves the variants that have it.
                let red = try await store.search("product.template.attribute.value", domain: .and([
                    .leaf("product_tmpl_id", .equal, .int(shirt)), .leaf("product_attribute_value_id.name", .equal, "Red"),
                ]))
                try await store.write("product.template.attribute.value", ids: red, ["price_extra": 5])
                let prices = try await store.searchRead("product.product", domain: .leaf("product_tmpl_id", .equal, .int(shirt)),
                    fields: ["display_name", "lst_price"]).map { ($0["display_name"]?.stringValue ?? "", $0["lst_price"]) }
                for (name, price) in prices { #expect(price == .double(name.contains("Red") ? 55 : 50), "\(name)") }
                #expect(try await store.read("product.template", ids: [shirt], fields: ["product_variant_count"])[0]["product_variant_count"] == 4)

                // A variant created alone gets its own template, without a second variant.
                let alone = try await store.create("product.product", [["name": "Loose apples", "list_price": 9.9, "barcode": "96385074"]])[0]
                let read = try await store.read("product.product", ids: [alone], fields: ["product_tmpl_id"], load: .classicWrite)[0]
                let own = try #require(read["product_tmpl_id"]?.intValue)
                #expect(try await store.search("product.product", domain: .leaf("product_tmpl_id", .equal, .int(own))) == [alone])
            }
        }
    }

    @Test func aVariantsKeptNameFollowsItsValuesAndIsReadAlikeInPagesAndWholeResults() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            /// Variants whose kept values' names differ from the values they carry now.
            @Sendable func stale() async throws -> Int {
                try await db.transaction(logger: TestDatabase.logger) { tx in
                    try await tx.query(SQLBuilder("""
                        SELECT count(*) FROM product_product WHERE combination_name IS DISTINCT FROM product_combination_name(id)
                        """)).first!.decode(Int.self)
                }
            }
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let (shirt, colour) = try await Self.sizedAndColoured(store, "Polo", price: 80)
                @Sendable func named(_ name: String) async throws -> Int64 {
                    try #require(try await store.search("product.product", domain: .leaf("display_name", .equal, .string(name))).first)
                }
                let (sRed, mRed) = (try await named("Polo (S, Red)"), try await named("Polo (M, Red)"))
                let variants = [sRed] + (try await store.search("product.product", domain: .leaf("product_tmpl_id", .equal, .int(shirt)), order: "id")
                    .filter { $0 != sRed })
                try await store.write("product.product", ids: [sRed], ["default_code": "POLO-1"])
                @Sendable func names() async throws -> Set<String> {
                    Set(try await store.read("product.product", ids: variants, fields: ["display_name"]).map { $0["display_name"]?.stringValue ?? "" })
                }
                #expect(try await names() == ["[POLO-1] Polo (S, Red)", "Polo (S, Blue)", "Polo (M, Red)", "Polo (M, Blue)"])
                #expect(try await stale() == 0)

                // A value renamed, the attributes reordered, the template renamed.
                let red = try #require(try await store.search("product.attribute.value", domain: .leaf("name", .equal, "Red")).first)
                try await store.write("product.attribute.value", ids: [red], ["name": "Crimson"])
                #expect(try await names() == ["[POLO-1] Polo (S, Crimson)", "Polo (S, Blue)", "Polo (M, Crimson)", "Polo (M, Blue)"])
                try await store.write("product.attribute", ids: [colour], ["sequence": 0])
                try await store.write("product.template", ids: [shirt], ["name": "Polo shirt"])
                #expect(try await names() == ["[POLO-1] Polo shirt (Crimson, S)", "Polo shirt (Blue, S)", "Polo shirt (Crimson, M)", "Polo shirt (Blue, M)"])
                #expect(try await stale() == 0)
                // Searching and ordering by the display name read the kept text.
                #expect(try await store.search("product.product", domain: .leaf("display_name", .ilike, "crimson, m")) == [mRed])

                // A many2one's name is the same in a page (joined after the page is cut), in a
                // whole result (looked up per row) and in a read by ids, empty links included.
                let packs = try await store.create("product.packaging", variants.enumerated().map { index, variant in
                    ["name": .string("Box \(index)"), "product_id": .int(variant), "qty": 6, "company_id": index == 0 ? .int(fx.store1) : .false]
                })
                let fields = ["product_id", "company_id", "name"]
                let domain = Domain.leaf("id", .in, .array(packs.map(Value.int)))
                let whole = try await store.searchRead("product.packaging", domain: domain, fields: fields, order: "name")
                let page = try await store.searchRead("product.packaging", domain: domain, fields: fields, offset: 1, limit: 2, order: "name")
                let read = try await store.read("product.packaging", ids: packs, fields: fields)
                #expect(whole.count == 4 && page == Array(whole[1...2]))
                #expect(Set(read.map { $0["id"] }) == Set(whole.map { $0["id"] }))
                for row in read { #expect(whole.first { $0["id"] == row["id"] } == row) }
                #expect(whole[0]["product_id"] == [.int(variants[0]), "[POLO-1] Polo shirt (Crimson, S)"])
                #expect(whole[0]["company_id"] == [.int(fx.store1), "GZ Store 1"])
                #expect(whole[1]["company_id"] == .false)
            }
            // A variant's value taken away by hand: its name follows.
            _ = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("""
                    DELETE FROM product_variant_combination c USING product_template_attribute_value ptav, product_attribute_value pav
                    WHERE ptav.id = c.product_template_attribute_value_id AND pav.id = ptav.product_attribute_value_id AND pav.name = 'S'
                    """))
            }
            #expect(try await stale() == 0)
            let left = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT count(*) FROM product_product WHERE combination_name IN ('Crimson', 'Blue')")).first!.decode(Int.self)
            }
            #expect(left == 2)
        }
    }

    /// A template with two attributes of the same order, Size (S, M) made first, then Colour
    /// (Red, Blue): four variants, their values named size first.
    static func sizedAndColoured(_ store: RecordStore, _ name: String, price: Value) async throws -> (template: Int64, colour: Int64) {
        let size = try await store.create("product.attribute", [["name": "Size", "value_ids": [[0, 0, ["name": "S"]], [0, 0, ["name": "M"]]]]])[0]
        let colour = try await store.create("product.attribute", [["name": "Colour", "value_ids": [[0, 0, ["name": "Red"]], [0, 0, ["name": "Blue"]]]]])[0]
        var lines: [Value] = []
        for attribute in [size, colour] {
            let values = try await store.search("product.attribute.value", domain: .leaf("attribute_id", .equal, .int(attribute)))
            lines.append([0, 0, ["attribute_id": .int(attribute), "value_ids": [[6, 0, .array(values.map(Value.int))]]]])
        }
        let template = try await store.create("product.template", [["name": .string(name), "list_price": price, "attribute_line_ids": .array(lines)]])[0]
        return (template, colour)
    }

    @Test func badBarcodesAndDuplicatesAreRefusedWithNothingStored() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                _ = try await store.create("product.product", [["name": "Tea", "barcode": "6920152400593"]])
            }
            for (name, barcode, code) in [("bad check", "6920152400594", ChainstoreError.Code.validationError),
                                          ("duplicate", "6920152400593", .validationError)] {
                let error = await #expect(throws: ChainstoreError.self) {
                    try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                        _ = try await store.create("product.template", [["name": .string(name), "barcode": .string(barcode)]])
                    }
                }
                #expect(error?.code == code, "\(name)")
            }
            let count = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.searchCount("product.template", domain: .all)
            }
            #expect(count == 1)
        }
    }

    @Test func theGroupCatalogueIsReadEverywhereButChangedOnlyAbove() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let (groupProduct, cityList) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let product = try await store.create("product.template", [["name": "Group rice", "company_id": 1]])[0]
                let list = try await store.create("product.pricelist", [["name": "GZ prices", "company_id": .int(fx.city1)]])[0]
                return (product, list)
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store throws in
                #expect(try await store.search("product.template", domain: .leaf("id", .equal, .int(groupProduct))) == [groupProduct])
                #expect(try await store.search("product.pricelist", domain: .leaf("id", .equal, .int(cityList))) == [cityList])
                #expect(try await store.searchCount("account.tax", domain: .leaf("type_tax_use", .equal, "sale")) == 4)
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store throws in
                // Shenzhen's store does not see Guangzhou's price list.
                #expect(try await store.search("product.pricelist", domain: .leaf("id", .equal, .int(cityList))).isEmpty)
            }
            let denied = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    try await store.write("product.template", ids: [groupProduct], ["name": "Store rice"])
                }
            }
            #expect(denied?.code == .accessError)
        }
    }

    @Test func socialCreditCodesAreCheckedWhenGiven() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let ok = try await store.create("res.partner", [["name": "Supplier", "company_registry": "91350100M000100Y43", "supplier_rank": 1,
                    "bank_ids": [[0, 0, ["acc_number": "6222 0000 1111"]]]]])[0]
                #expect(try await store.read("res.partner", ids: [ok], fields: ["bank_ids"])[0]["bank_ids"]?.arrayValue?.count == 1)
                _ = try await store.create("res.partner", [["name": "Consumer"]])
            }
            for code in ["91350100M000100Y42", "9135010OM000100Y43", "91350100M000100Y4"] {
                let error = await #expect(throws: ChainstoreError.self) {
                    try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                        _ = try await store.create("res.partner", [["name": "Bad", "company_registry": .string(code)]])
                    }
                }
                #expect(error?.code == .validationError, "\(code)")
            }
        }
    }
}
