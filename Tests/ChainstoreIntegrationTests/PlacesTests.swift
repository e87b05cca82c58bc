import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

@Suite("Stock places: locations, warehouses, operation types", .enabled(if: TestDatabase.isAvailable))
struct PlacesTests {
    @Test func aWarehouseComesWithItsLocationsAndOperations() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let warehouse = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.create("stock.warehouse", [["name": "GZ Store 1 back room", "code": "GZ1", "company_id": .int(fx.store1)]])[0]
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store throws in
                let row = try await store.read("stock.warehouse", ids: [warehouse], fields: ["lot_stock_id", "view_location_id"])[0]
                #expect(row["lot_stock_id"]?.arrayValue?.last == "GZ1/Stock")
                #expect(row["view_location_id"]?.arrayValue?.last == "GZ1")
                let types = try await store.searchRead("stock.picking.type", domain: .leaf("warehouse_id", .equal, .int(warehouse)),
                    fields: ["code", "default_location_src_id", "default_location_dest_id"])
                #expect(types.map { $0["code"]?.stringValue } == ["incoming", "outgoing", "internal", "incoming", "outgoing"])
                #expect(types[3]["default_location_src_id"]?.arrayValue?.last == "Partners/Customers")
                // Store transfers go to the warehouse's own transit place, its company's stock on the way.
                #expect(types[4]["default_location_dest_id"]?.arrayValue?.last == "Virtual Locations/GZ1 Transit")
                #expect(try await store.read("stock.warehouse", ids: [warehouse], fields: ["transit_location_id"])[0]["transit_location_id"]?
                    .arrayValue?.last == "Virtual Locations/GZ1 Transit")
                #expect(types[0]["default_location_src_id"]?.arrayValue?.last == "Partners/Vendors")
                #expect(types[1]["default_location_dest_id"]?.arrayValue?.last == "Partners/Customers")
                // Shared locations are visible; the central warehouse's are the head office's own.
                #expect(try await store.searchCount("stock.location", domain: .leaf("usage", .equal, "customer")) == 1)
                #expect(try await store.search("stock.location", domain: .leaf("complete_name", .equal, "WH/Stock")).isEmpty)
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store throws in
                #expect(try await store.search("stock.warehouse", domain: .leaf("id", .equal, .int(warehouse))).isEmpty)
            }
            // Renaming a level renames everything below; a loop is refused.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let stock = try #require(try await store.read("stock.warehouse", ids: [warehouse], fields: ["lot_stock_id", "view_location_id"],
                                                              load: .classicWrite).first)
                let shelf = try await store.create("stock.location", [["name": "Shelf A", "location_id": stock["lot_stock_id"]!, "barcode": "LOC-GZ1-A",
                                                                       "company_id": .int(fx.store1)]])[0]
                try await store.write("stock.location", ids: [stock["view_location_id"]!.intValue!], ["name": "GZ01"])
                #expect(try await store.read("stock.location", ids: [shelf], fields: ["complete_name"])[0]["complete_name"] == "GZ01/Stock/Shelf A")
            }
            let loop = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                    let root = try await store.search("stock.location", domain: .leaf("complete_name", .equal, "GZ01"))
                    let leaf = try await store.search("stock.location", domain: .leaf("complete_name", .equal, "GZ01/Stock/Shelf A"))
                    try await store.write("stock.location", ids: root, ["location_id": .int(leaf[0])])
                }
            }
            #expect(loop?.code == .validationError)
            let duplicate = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                    _ = try await store.create("stock.location", [["name": "Shelf B", "barcode": "LOC-GZ1-A"]])
                }
            }
            #expect(duplicate?.code == .validationError)
        }
    }
}
