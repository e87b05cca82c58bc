import Barcode
import Base
import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Product
import Stock
import Testing

@Suite("Scale demo generator", .enabled(if: TestDatabase.isAvailable))
struct ScaleDemoTests {
    @Test func aGeneratedGroupIsConsistentAndUsable() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let summary = try await ScaleDemo.generate(db, plan: ScaleDemo.Plan(cities: 3, stores: 30, skus: 400), logger: TestDatabase.logger)
            #expect(summary.rows.first { $0.table == "product_product" }?.count == 400)
            #expect(summary.rows.first { $0.table == "res_users" }?.count == 30 * 2 + 3 + 1)
            let again = try await ScaleDemo.generate(db, plan: ScaleDemo.Plan(cities: 3, stores: 30, skus: 400), logger: TestDatabase.logger)
            #expect(again.alreadyThere)
            try await GroupFixture.asUser(db, registry, uid: 2) { store throws in
                let system = store.asSystem(reason: "test")
                let variants = try await system.searchRead("product.product", domain: .all, fields: ["barcode", "packaging_ids"])
                #expect(variants.count == 400)
                for variant in variants {
                    let code = try #require(variant["barcode"]?.stringValue)
                    #expect(GTIN.isValid(code), "\(code)")
                }
                let cases = try await system.searchRead("product.packaging", domain: .all, fields: ["barcode", "qty"])
                #expect(!cases.isEmpty)
                for packaging in cases { #expect(GTIN.isValid(packaging["barcode"]?.stringValue ?? ""), "\(packaging)") }
                let merchants = try await system.searchRead("res.partner", domain: .leaf("company_registry", .notEqual, false), fields: ["company_registry"])
                #expect(merchants.count == 30 + 500)
                for partner in merchants { #expect(SocialCreditCode.problem(partner["company_registry"]?.stringValue ?? "") == nil) }
                // Every store hangs under its city, under the group.
                let stores = try await system.searchRead("res.company", domain: .leaf("company_kind", .equal, "store"), fields: ["parent_id"], load: .classicWrite)
                let cities = Set(try await system.search("res.company", domain: .leaf("company_kind", .equal, "city")))
                #expect(stores.count == 30 && cities.count == 3)
                for company in stores { #expect(cities.contains(company["parent_id"]?.intValue ?? 0)) }
            }
            // A generated cashier sees its own store only, and prices its catalogue.
            let cashier = try await db.transaction(logger: TestDatabase.logger) { tx in try await Users.uid(tx, login: "gz000001.cashier") }
            try await GroupFixture.asUser(db, registry, uid: cashier) { store throws in
                let companies = try await store.searchRead("res.company", domain: .leaf("company_kind", .equal, "store"), fields: ["name"])
                #expect(companies.map { $0["name"]?.stringValue } == ["Guangzhou Store 000001"])
                let products = try await store.search("product.product", domain: .all, limit: 50)
                #expect(products.count == 50)
                let priced = try await Pricing.price(store, company: store.env.companyId, lines: products.map { Pricing.Line(productId: $0, quantity: 1) })
                #expect(priced.allSatisfy { $0.priceUnit > 0 })
                #expect(priced.contains { $0.ruleId != nil })
                // Its stock: a dozen balances in its own warehouse, none of another store's.
                let quants = try await store.searchRead("stock.quant", domain: .all, fields: ["quantity", "company_id", "location_id"], load: .classicWrite)
                #expect(quants.count == 12)
                #expect(quants.allSatisfy { $0["company_id"]?.intValue == store.env.companyId && ($0["quantity"]?.doubleValue ?? 0) > 0 })
            }
            // Every centre and store has its warehouse and stock; the ledger agrees with the balances.
            try await db.transaction(logger: TestDatabase.logger) { tx in
                let (warehouses, quants, lots, pallets, open) = try await tx.query(SQLBuilder("""
                    SELECT (SELECT count(*) FROM stock_warehouse), (SELECT count(*) FROM stock_quant), (SELECT count(*) FROM stock_lot WHERE expiration_date IS NOT NULL),
                           (SELECT count(*) FROM stock_quant WHERE package_id IS NOT NULL), (SELECT count(*) FROM stock_picking WHERE state NOT IN ('done', 'cancel'))
                    """)).first!.decode((Int64, Int64, Int64, Int64, Int64).self)
                #expect(warehouses == 1 + 3 + 30)
                #expect(quants == 30 * 12 + 3 * 400)
                #expect(lots == 3 * 8 && pallets == 3 * 4)
                #expect(open == 3 * 40 + 3)
                let differences = try await StockCheck.run(tx)
                #expect(differences.isEmpty, "\(differences)")
                let audited = try await tx.query(SQLBuilder("SELECT count(*) FROM audit_log WHERE model LIKE 'stock.%'")).first!.decode(Int64.self)
                #expect(audited == 0)
            }
            // A generated receipt validates like any other, and the ledger still agrees.
            try await GroupFixture.asUser(db, registry, uid: 2) { store throws in
                let receipt = try #require(try await store.search("stock.picking", domain: .allOf([
                    .leaf("state", .equal, "assigned"), .leaf("picking_type_id.code", .equal, "incoming")]), limit: 1).first)
                let validate = try #require(try Modules.registry().methods.method("stock.picking", "button_validate"))
                _ = try await validate.handler(MethodCall(store: store, ids: [receipt], args: [], kwargs: [:]))
                let state = try await store.read("stock.picking", ids: [receipt], fields: ["state"]).first?["state"]?.stringValue
                #expect(state == "done")
            }
            let differences = try await db.transaction(logger: TestDatabase.logger) { tx in try await StockCheck.run(tx) }
            #expect(differences.isEmpty, "\(differences)")
        }
    }
}
