import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

@Suite("Import and export: load(), external ids, all-or-nothing files", .enabled(if: TestDatabase.isAvailable))
struct ImportTests {
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chainstore-import-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func count(_ db: Database, _ registry: Registry, _ model: String, _ domain: Domain = .all) async throws -> Int {
        try await GroupFixture.asUser(db, registry, uid: 2) { store in
            try await RecordStore(registry: registry, tx: store.tx, env: store.env.withContext(["active_test": false]))
                .searchCount(model, domain: domain)
        }
    }

    @Test func loadResolvesExternalIDsAndNamesAndUpdatesOnSecondImport() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fields = ["id", "name", "parent_id/id"]
            let rows: [[Value]] = [["cat_fresh", "Fresh", "product.product_category_all"], ["cat_fruit", "Fruit", "cat_fresh"]]
            let first = try await GroupFixture.asUser(db, registry, uid: 2) { store in
                try await store.load("product.category", fields: fields, rows: rows)
            }
            #expect(first.messages.isEmpty)
            let ids = try #require(first.ids)
            let again = try await GroupFixture.asUser(db, registry, uid: 2) { store in
                try await store.load("product.category", fields: ["id", "name"], rows: [["cat_fruit", "Fruits"]])
            }
            #expect(again.ids == [ids[1]])
            let names = try await GroupFixture.asUser(db, registry, uid: 2) { store in
                try await store.read("product.category", ids: ids, fields: ["complete_name"]).map { $0["complete_name"]?.stringValue }
            }
            #expect(names == ["All / Fresh", "All / Fresh / Fruits"])
            // Names for relations, comma lists for many2many, labels for selections.
            let products = try await GroupFixture.asUser(db, registry, uid: 2) { store in
                try await store.load("product.template", fields: ["name", "categ_id", "taxes_id", "detailed_type", "list_price"],
                                     rows: [["Apple", "All / Fresh / Fruits", "VAT 9% (incl.),VAT 0%", "Storable Product", "6.5"]])
            }
            let product = try #require(products.ids?.first)
            let read = try await GroupFixture.asUser(db, registry, uid: 2) { store in
                try await store.read("product.template", ids: [product], fields: ["categ_id", "taxes_id", "detailed_type", "list_price"], load: .classicWrite)[0]
            }
            #expect(read["categ_id"] == .int(ids[1]))
            #expect(read["taxes_id"] == [2, 4])
            #expect(read["detailed_type"] == "product")
            #expect(read["list_price"] == .double(6.5))
        }
    }

    @Test func aFileWithBadRowsIsReportedByLineAndNothingIsKept() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let path = try Self.file("""
                id,name,list_price,barcode,categ_id
                ok_1,Good,1.50,,All
                ok_2,"Two
                lines",2,,All
                bad_price,Bad price,abc,,All
                bad_code,Bad code,1,6901234567891,All
                bad_categ,Bad category,1,,Nowhere
                ok_3,Good too,3,6901234567892,All
                dup,Duplicate barcode,3,6901234567892,All

                """)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let report = try await ImportExport.importCSV(db, model: "product.template", path: path, login: "admin", batchSize: 3,
                                                          logger: TestDatabase.logger)
            #expect(!report.applied)
            try #require(report.problems.map(\.line) == [5, 6, 7, 9])
            #expect(report.problems[0].message.contains("'abc'"))
            #expect(report.problems[1].message.contains("check digit"))
            #expect(report.problems[2].message.contains("Nowhere"))
            #expect(report.problems[3].message.contains("already exists"))
            #expect(try await Self.count(db, registry, "product.template") == 0)
            #expect(try await Self.count(db, registry, "ir.model.data", .leaf("module", .equal, "__import__")) == 0)
        }
    }

    @Test func exportThenImportRoundTripsAsUpdates() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            var csv = "id,name,list_price,taxes_id/id,barcode\n"
            for i in 0..<250 {
                let body = "69200000\(String(format: "%04d", i))"
                let digits = body.compactMap(\.wholeNumberValue)
                let sum = digits.enumerated().reduce(0) { $0 + $1.element * ($1.offset % 2 == 0 ? 1 : 3) }
                csv += "p_\(i),Product \(i),\(i).5,account.tax_vat_13_incl,\(body)\((10 - sum % 10) % 10)\n"
            }
            let path = try Self.file(csv)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let first = try await ImportExport.importCSV(db, model: "product.template", path: path, login: "admin", batchSize: 100,
                                                         logger: TestDatabase.logger)
            #expect(first.applied && first.created == 250 && first.updated == 0)
            #expect(try await Self.count(db, registry, "product.product", .leaf("barcode", .like, "69200000")) == 250)
            let out = path + ".out.csv"
            defer { try? FileManager.default.removeItem(atPath: out) }
            let exported = try await ImportExport.exportCSV(db, model: "product.template", path: out,
                fields: ["id", "name", "list_price", "taxes_id/id", "barcode"], login: "admin", pageSize: 60, logger: TestDatabase.logger)
            #expect(exported == 250)
            let text = try String(contentsOfFile: out, encoding: .utf8)
            #expect(text.contains("__import__.p_7,Product 7,7.5,account.tax_vat_13_incl,"))
            let second = try await ImportExport.importCSV(db, model: "product.template", path: out, login: "admin", logger: TestDatabase.logger)
            #expect(second.applied && second.created == 0 && second.updated == 250)
            #expect(try await Self.count(db, registry, "product.template") == 250)
        }
    }

    @Test func aStoreUserCannotImportIntoTheGroupCatalogue() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let result = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                try await store.load("product.template", fields: ["name"], rows: [["Sneaky"]])
            }
            #expect(result.ids == nil)
            #expect(result.messages.first?.message.contains("not allowed to create") == true, "\(result.messages)")
            #expect(try await Self.count(db, registry, "product.template") == 0)
        }
    }
}
