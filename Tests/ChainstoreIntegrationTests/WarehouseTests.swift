import Barcode
import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Product
import Stock
import Testing

/// Counts, pallets, traceability and handheld scans, on the seeded central warehouse.
@Suite("Warehouse operations: counts, pallets, traceability, scans", .enabled(if: TestDatabase.isAvailable))
struct WarehouseTests {
    static let stock: Int64 = 9, vendors: Int64 = 2, customers: Int64 = 3, receipts: Int64 = 1, deliveries: Int64 = 2
    static let today = GS1Date(year: 2026, month: 6, day: 15)!

    static func method(_ store: RecordStore, _ model: String, _ name: String, _ ids: [Int64], args: [Value] = [],
                       context: RecordValues = [:]) async throws -> Value {
        let method = try #require(try Modules.registry().methods.method(model, name))
        let scoped = RecordStore(registry: store.registry, tx: store.tx, env: store.env.withContext(context))
        return try await method.handler(MethodCall(store: scoped, ids: ids, args: args, kwargs: [:]))
    }

    static func product(_ store: RecordStore, _ name: String, barcode: String? = nil, tracking: String = "none") async throws -> Int64 {
        var vals: RecordValues = ["name": .string(name), "type": "product", "detailed_type": "product", "tracking": .string(tracking)]
        if let barcode { vals["barcode"] = .string(barcode) }
        return try await store.create("product.product", [vals])[0]
    }

    /// Receives into WH/Stock: (product, quantity, lot name, package).
    static func receive(_ store: RecordStore, _ lines: [(Int64, Decimal, String?, Int64?)], partner: Int64? = nil) async throws -> Int64 {
        let moves: [Value] = lines.map { [0, 0, .dict(["product_id": .int($0.0), "product_uom_qty": .double(Double("\($0.1)")!)])] }
        var vals: RecordValues = ["picking_type_id": .int(receipts), "move_ids": .array(moves)]
        if let partner { vals["partner_id"] = .int(partner) }
        let picking = try await store.create("stock.picking", [vals])[0]
        _ = try await method(store, "stock.picking", "action_confirm", [picking])
        for (product, _, lot, package) in lines where lot != nil || package != nil {
            let line = try #require(try await store.search("stock.move.line", domain: .and([
                .leaf("picking_id", .equal, .int(picking)), .leaf("product_id", .equal, .int(product)),
            ])).first)
            var vals: RecordValues = [:]
            if let lot { vals["lot_name"] = .string(lot) }
            if let package { vals["result_package_id"] = .int(package) }
            try await store.write("stock.move.line", ids: [line], vals)
        }
        #expect(try await method(store, "stock.picking", "button_validate", [picking]) == .true)
        return picking
    }

    static func onHand(_ store: RecordStore, _ product: Int64, at location: Int64) async throws -> Double {
        try await store.searchRead("stock.quant", domain: .and([.leaf("product_id", .equal, .int(product)), .leaf("location_id", .equal, .int(location))]),
                                   fields: ["quantity"]).reduce(0) { $0 + ($1["quantity"]?.doubleValue ?? 0) }
    }

    static func exact(_ db: Database) async throws {
        let differences = try await db.transaction(logger: TestDatabase.logger) { tx in try await StockCheck.run(tx) }
        #expect(differences.isEmpty, "check stock: \(differences)")
    }

    @Test func aCountByTwoCountersPostsItsDifferencesWithTheReason() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let tea = try await Self.product(store, "Green tea")
                let soap = try await Self.product(store, "Soap")
                let shelf = try await store.create("stock.location", [["name": "Shelf C", "location_id": .int(Self.stock), "barcode": "WH-C"]])[0]
                _ = try await Self.receive(store, [(tea, 10, nil, nil), (soap, 4, nil, nil)])
                let count = try await store.create("stock.count", [["name": "Year end", "location_id": .int(Self.stock), "reason": "Damaged in store"]])[0]
                // Two counters: 6 + 1 tea on WH/Stock; soap is not counted, so it counts as none; 2 tea found on the shelf.
                _ = try await store.create("stock.count.line", [
                    ["count_id": .int(count), "product_id": .int(tea), "location_id": .int(Self.stock), "quantity": 6],
                    ["count_id": .int(count), "product_id": .int(tea), "location_id": .int(Self.stock), "quantity": 1, "user_id": .int(fx.cityUser)],
                    ["count_id": .int(count), "product_id": .int(tea), "location_id": .int(shelf), "quantity": 2],
                ])
                let differences = try await Self.method(store, "stock.count", "action_apply", [count]).arrayValue ?? []
                #expect(differences.count == 3)
                #expect(try await Self.onHand(store, tea, at: Self.stock) == 7)
                #expect(try await Self.onHand(store, tea, at: shelf) == 2)
                #expect(try await Self.onHand(store, soap, at: Self.stock) == 0)
                let losses = try await store.searchRead("stock.move", domain: .and([.leaf("is_inventory", .equal, true), .leaf("product_id", .equal, .int(tea))]),
                                                        fields: ["name", "location_id", "location_dest_id", "product_uom_qty"], order: "id")
                #expect(losses.count == 2)
                #expect(losses.allSatisfy { $0["name"]?.stringValue == "Year end: Damaged in store" })
                let applied = await #expect(throws: ChainstoreError.self) { try await Self.method(store, "stock.count", "action_apply", [count]) }
                #expect(applied?.code == .userError)
                // A line outside the counted place is refused, and the count stays open.
                let other = try await store.create("stock.count", [["name": "Shelf only", "location_id": .int(shelf)]])[0]
                _ = try await store.create("stock.count.line", [["count_id": .int(other), "product_id": .int(tea), "location_id": .int(Self.stock), "quantity": 1]])
                let outside = await #expect(throws: ChainstoreError.self) { try await Self.method(store, "stock.count", "action_apply", [other]) }
                #expect(outside?.message.contains("outside") == true)
            }
            try await Self.exact(db)
        }
    }

    @Test func aPalletMovesWholeAndIsTracedBothWays() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let supplier = try await store.create("res.partner", [["name": "Pearl River Foods", "supplier_rank": 1]])[0]
                let rice = try await Self.product(store, "Rice 10kg", tracking: "lot")
                let oil = try await Self.product(store, "Oil 5L")
                let pallet = try await store.create("stock.quant.package", [["name": "006141411234567890"]])[0]
                let receipt = try await Self.receive(store, [(rice, 20, "R-2611", pallet), (oil, 12, nil, pallet)], partner: supplier)
                let rack = try await store.create("stock.location", [["name": "Rack 7", "location_id": .int(Self.stock), "barcode": "WH-R7"]])[0]
                let moved = try await Self.method(store, "stock.quant.package", "action_move", [pallet], args: [.int(rack)])
                #expect(moved.intValue != nil)
                #expect(try await Self.onHand(store, rice, at: rack) == 20)
                #expect(try await Self.onHand(store, oil, at: rack) == 12)
                #expect(try await store.read("stock.quant.package", ids: [pallet], fields: ["location_id"])[0]["location_id"]?.arrayValue?.first == .int(rack))
                // 5 bags of the lot go to a customer.
                let delivery = try await store.create("stock.picking", [[
                    "picking_type_id": .int(Self.deliveries), "move_ids": [[0, 0, ["product_id": .int(rice), "product_uom_qty": 5]]],
                ]])[0]
                _ = try await Self.method(store, "stock.picking", "action_confirm", [delivery])
                _ = try await Self.method(store, "stock.picking", "button_validate", [delivery])
                let lot = try #require(try await store.search("stock.lot", domain: .leaf("name", .equal, "R-2611")).first)
                let trace = try #require(try await Self.method(store, "stock.lot", "action_trace", [lot]).arrayValue?.first?.dictValue)
                let upstream = trace["upstream"]?.arrayValue ?? []
                let downstream = trace["downstream"]?.arrayValue ?? []
                #expect(upstream.count == 1)
                #expect(upstream.first?.dictValue?["partner"] == "Pearl River Foods")
                #expect(upstream.first?.dictValue?["reference"]?.stringValue == (try await store.read("stock.picking", ids: [receipt], fields: ["name"])[0]["name"]?.stringValue))
                #expect(downstream.map { $0.dictValue?["to"]?.stringValue } == ["WH/Stock/Rack 7", "Partners/Customers"])
                #expect(trace["on_hand"]?.arrayValue?.first?.dictValue?["quantity"]?.doubleValue == 15)
                let palletTrace = try #require(try await Self.method(store, "stock.quant.package", "action_trace", [pallet]).arrayValue?.first?.dictValue)
                #expect((palletTrace["upstream"]?.arrayValue?.count ?? 0) == 2)
                // A reserved pallet cannot be moved away under its delivery.
                let second = try await store.create("stock.picking", [[
                    "picking_type_id": .int(Self.deliveries), "move_ids": [[0, 0, ["product_id": .int(oil), "product_uom_qty": 1]]],
                ]])[0]
                _ = try await Self.method(store, "stock.picking", "action_confirm", [second])
                let reserved = await #expect(throws: ChainstoreError.self) {
                    try await Self.method(store, "stock.quant.package", "action_move", [pallet], args: [.int(Self.stock)])
                }
                #expect(reserved?.message.contains("reserved") == true)
            }
            try await Self.exact(db)
        }
    }

    @Test func handheldScansReceivePutAwayPickAndCount() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let cache = CatalogueCache()
            func scan(_ operation: WarehouseScan.Operation, _ code: String?, action: String? = nil, _ state: WarehouseScan.State) async throws -> WarehouseScan.Answer {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                    try await WarehouseScan.handle(store, cache: cache, database: db, operation: operation, code: code, action: action,
                                                   state: state, today: Self.today)
                }
            }
            let (receipt, receiptName, shelf) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                _ = try await Self.product(store, "Noodles", barcode: "6901234567892")
                let yogurt = try await Self.product(store, "Yogurt", barcode: "06901234567809", tracking: "lot")
                _ = yogurt
                let shelf = try await store.create("stock.location", [["name": "Shelf S", "location_id": .int(Self.stock), "barcode": "WH-S"]])[0]
                _ = try await store.create("stock.location", [["name": "Shelf T", "location_id": .int(Self.stock), "barcode": "WH-T"]])
                let receipt = try await store.create("stock.picking", [["picking_type_id": .int(Self.receipts)]])[0]
                let noodles = try await store.search("product.product", domain: .leaf("name", .equal, "Noodles"))[0]
                _ = try await store.create("stock.move", [
                    ["picking_id": .int(receipt), "product_id": .int(noodles), "product_uom_qty": 3],
                    ["picking_id": .int(receipt), "product_id": .int(yogurt), "product_uom_qty": 2],
                ])
                let name = try await store.read("stock.picking", ids: [receipt], fields: ["name"])[0]["name"]?.stringValue ?? ""
                return (receipt, name, shelf)
            }
            // Receive: open the receipt, scan, a wrong shelf, a tracked product without its lot, then validate.
            var answer = try await scan(.receive, receiptName, .init())
            #expect(answer.kind == "picking")
            var state = answer.state
            #expect(state.pickingId == receipt)
            answer = try await scan(.receive, "6901234567892", state)
            answer = try await scan(.receive, "6901234567892", answer.state)
            #expect(answer.lines?.first?.dictValue?["done"]?.doubleValue == 2)
            state = answer.state
            await #expect(throws: WarehouseScan.Refusal.self) { try await scan(.receive, "06901234567809", state) }
            answer = try await scan(.receive, "(01)06901234567809(17)261231(10)Y-77", state)
            #expect(answer.lines?.last?.dictValue?["lot"] == "Y-77")
            answer = try await scan(.receive, "WH-S", answer.state)
            #expect(answer.state.locationId == shelf)
            answer = try await scan(.receive, "6901234567892", answer.state)
            await #expect(throws: ChainstoreError.self) { try await scan(.receive, "6901234567816", state) }
            answer = try await scan(.receive, nil, action: "validate", answer.state)
            #expect(answer.kind == "done")
            #expect(answer.message.contains(receiptName))
            #expect(answer.message.contains("waits in"))
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let noodles = try await store.search("product.product", domain: .leaf("name", .equal, "Noodles"))[0]
                #expect(try await Self.onHand(store, noodles, at: Self.stock) == 2)
                #expect(try await Self.onHand(store, noodles, at: shelf) == 1)
                let lot = try await store.searchRead("stock.lot", domain: .leaf("name", .equal, "Y-77"), fields: ["expiration_date"])
                #expect(lot.first?["expiration_date"]?.stringValue?.hasPrefix("2026-12-31") == true)
            }
            // Put away: two noodles from WH/Stock to the shelf.
            answer = try await scan(.putaway, "6901234567892", .init())
            answer = try await scan(.putaway, "6901234567892", answer.state)
            #expect(answer.state.quantity == 2)
            answer = try await scan(.putaway, "WH-S", answer.state)
            #expect(answer.kind == "done")
            // Pick: a delivery of 2 noodles; the receipt is refused in Pick.
            await #expect(throws: WarehouseScan.Refusal.self) { try await scan(.pick, receiptName, .init()) }
            let deliveryName = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let noodles = try await store.search("product.product", domain: .leaf("name", .equal, "Noodles"))[0]
                let delivery = try await store.create("stock.picking", [[
                    "picking_type_id": .int(Self.deliveries), "move_ids": [[0, 0, ["product_id": .int(noodles), "product_uom_qty": 2]]],
                ]])[0]
                return try await store.read("stock.picking", ids: [delivery], fields: ["name"])[0]["name"]?.stringValue ?? ""
            }
            answer = try await scan(.pick, deliveryName, .init())
            answer = try await scan(.pick, "6901234567892", answer.state)
            #expect(answer.lines?.first?.dictValue?["done"]?.doubleValue == 1)
            answer = try await scan(.pick, nil, action: "validate", answer.state)
            #expect(answer.message.contains("waits in"))
            // Count the shelf: 5 noodles are there by the count.
            answer = try await scan(.count, "WH-S", .init())
            let counting = answer.state
            for _ in 0..<5 { answer = try await scan(.count, "6901234567892", answer.state) }
            #expect(answer.lines?.first?.dictValue?["done"]?.doubleValue == 5)
            await #expect(throws: WarehouseScan.Refusal.self) { try await scan(.count, "WH-T", counting).kind }
            await #expect(throws: ChainstoreError.self) { try await scan(.count, "NOT-A-CODE", counting).kind }
            answer = try await scan(.count, nil, action: "done", answer.state)
            #expect(answer.kind == "done")
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let noodles = try await store.search("product.product", domain: .leaf("name", .equal, "Noodles"))[0]
                #expect(try await Self.onHand(store, noodles, at: shelf) == 5)
            }
            try await Self.exact(db)
        }
    }

    @Test func rfidReadsAreDeduplicatedAndMoveCountAndLocateWhatTheyName() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let sscc = try EPC(pureIdentityURI: "urn:epc:id:sscc:6901234.0000012345", scheme: .sscc96, filter: 0)
            let shelfTag = try EPC(pureIdentityURI: "urn:epc:id:giai:6901234.777", scheme: .giai96, filter: 0)
            let crate = try EPC(pureIdentityURI: "urn:epc:id:grai:6901234.00001.42", scheme: .grai96, filter: 0)
            func item(_ serial: Int) throws -> String {
                try EPC(pureIdentityURI: "urn:epc:id:sgtin:6901234.056789.\(serial)", scheme: .sgtin96, filter: 1).hex
            }
            let stranger = try EPC(pureIdentityURI: "urn:epc:id:sgtin:6901234.099999.1", scheme: .sgtin96, filter: 1).hex
            let lostPallet = try EPC(pureIdentityURI: "urn:epc:id:sscc:6901234.0000099999", scheme: .sscc96, filter: 0).hex
            let (dock, shelf, pallet, product) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let product = try await Self.product(store, "Noodles", barcode: "6901234567892")
                let dock = try await store.create("stock.location", [["name": "Dock 1", "location_id": .int(Self.stock)]])[0]
                let shelf = try await store.create("stock.location", [["name": "Shelf 9", "location_id": .int(Self.stock), "rfid_tag": .string(shelfTag.pureIdentityURI)]])[0]
                let pallet = try await store.create("stock.quant.package", [["name": .string(sscc.gs1Key)]])[0]
                _ = try await Self.receive(store, [(product, 10, nil, pallet)])
                _ = try await store.create("stock.rfid.reader", [
                    ["name": "Inbound door 1", "code": "DOCK-1", "role": "dock", "location_id": .int(dock), "dedup_seconds": 30],
                    ["name": "Forklift 1", "code": "FORK-1", "role": "forklift", "location_id": .int(Self.stock)],
                ])
                return (dock, shelf, pallet, product)
            }
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            func read(_ reader: String, _ epc: String, _ offset: Double, rssi: Double = -55) -> RFIDIngest.Read {
                RFIDIngest.Read(reader: reader, antenna: 1, epc: epc, rssi: rssi, time: start.addingTimeInterval(offset))
            }
            func ingest(_ reads: [RFIDIngest.Read]) async throws -> RFIDIngest.Outcome {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in try await RFIDIngest.ingest(store, reads: reads) }
            }
            let first = try await ingest([
                read("DOCK-1", sscc.hex, 0), read("DOCK-1", sscc.hex, 1, rssi: -40), read("DOCK-1", sscc.hex, 2),
                read("FORK-1", shelfTag.hex, 10), read("FORK-1", try item(1), 11), read("FORK-1", try item(2), 11.5),
                read("FORK-1", try item(2), 12), read("FORK-1", try item(3), 12), read("FORK-1", crate.hex, 13),
                read("FORK-1", "ZZ-NOT-HEX", 14), read("FORK-1", stranger, 14), read("DOCK-1", lostPallet, 15),
            ])
            #expect(first.received == 12)
            #expect(first.duplicates == 3)
            #expect(first.unknown.count == 3)
            let kinds = first.events.compactMap { $0.dictValue?["kind"]?.stringValue }
            #expect(kinds.sorted() == ["asset_seen", "pallet_moved", "shelf_count"])
            let counted = first.events.first { $0.dictValue?["kind"] == "shelf_count" }?.dictValue
            #expect(counted?["items"] == 3)
            #expect(counted?["location_id"] == .int(shelf))
            // Within the window the same pallet is the same sighting; after it, a new one (already there).
            let again = try await ingest([read("DOCK-1", sscc.hex, 20)])
            #expect(again.sightings == 0 && again.duplicates == 1 && again.events.isEmpty)
            let later = try await ingest([read("DOCK-1", sscc.hex, 200)])
            #expect(later.sightings == 1)
            #expect(later.events.first?.dictValue?["kind"] == "pallet_seen")
            let unknownReader = await #expect(throws: ChainstoreError.self) { try await ingest([read("NOPE", sscc.hex, 0)]) }
            #expect(unknownReader?.code == .valueError)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                #expect(try await Self.onHand(store, product, at: dock) == 10)
                #expect(try await store.read("stock.quant.package", ids: [pallet], fields: ["location_id"])[0]["location_id"]?.arrayValue?.first == .int(dock))
                let sightings = try await store.searchRead("stock.rfid.sighting", domain: .leaf("epc", .equal, .string(sscc.hex)),
                                                           fields: ["reads", "rssi"], order: "id")
                #expect(sightings.map { $0["reads"]?.intValue } == [4, 1])
                #expect(sightings.first?["rssi"]?.doubleValue == -40)
                #expect(try await store.searchCount("stock.rfid.sighting", domain: .leaf("status", .equal, "unknown")) == 3)
                let asset = try await store.searchRead("stock.rfid.asset", domain: .leaf("uri", .equal, .string(crate.pureIdentityURI)), fields: ["location_id"])
                #expect(asset.first?["location_id"]?.arrayValue?.first == .int(shelf))
                let lines = try await store.searchRead("stock.count.line", domain: .leaf("location_id", .equal, .int(shelf)), fields: ["quantity"])
                #expect(lines.first?["quantity"]?.doubleValue == 3)
            }
            try await Self.exact(db)
        }
    }

    @Test func averageAndFIFOValuationAndTheValueAtAPastDate() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            func run<T: Sendable>(_ body: @Sendable @escaping (RecordStore) async throws -> T) async throws -> T {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin, body)
            }
            func receive(_ lines: [(Int64, Decimal, Decimal)]) async throws {
                try await run { store in
                    let moves: [Value] = lines.map {
                        [0, 0, .dict(["product_id": .int($0.0), "product_uom_qty": .double(Double("\($0.1)")!), "price_unit": .double(Double("\($0.2)")!)])]
                    }
                    let picking = try await store.create("stock.picking", [["picking_type_id": .int(Self.receipts), "move_ids": .array(moves)]])[0]
                    _ = try await Self.method(store, "stock.picking", "button_validate", [picking])
                }
            }
            func moment() async throws -> String {
                try await db.transaction(logger: TestDatabase.logger) { tx in
                    try await tx.query(SQLBuilder("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"))[0].decode(String.self)
                }
            }
            func value(_ date: String?, _ grouping: String = "company") async throws -> [Value] {
                try await run { store in
                    try await Self.method(store, "stock.valuation.layer", "stock_value", [], args: [date.map(Value.string) ?? .false, .string(grouping)]).arrayValue ?? []
                }
            }
            let (average, fifo) = try await run { store in
                let avco = try await store.create("product.category", [["name": "Average", "property_cost_method": "average"]])[0]
                let fifoCategory = try await store.create("product.category", [["name": "FIFO", "property_cost_method": "fifo"]])[0]
                let a = try await store.create("product.product", [["name": "Flour (AVCO)", "type": "product", "categ_id": .int(avco), "standard_price": 4]])[0]
                let f = try await store.create("product.product", [["name": "Sugar (FIFO)", "type": "product", "categ_id": .int(fifoCategory), "standard_price": 4]])[0]
                return (a, f)
            }
            let before = try await moment()
            try await receive([(average, 10, 5), (fifo, 10, 5)])
            try await receive([(average, 10, 7), (fifo, 10, 7)])
            let twenty = try await moment()
            try await run { store in
                let delivery = try await store.create("stock.picking", [[
                    "picking_type_id": .int(Self.deliveries),
                    "move_ids": [[0, 0, ["product_id": .int(average), "product_uom_qty": 5]], [0, 0, ["product_id": .int(fifo), "product_uom_qty": 5]]],
                ]])[0]
                _ = try await Self.method(store, "stock.picking", "action_confirm", [delivery])
                _ = try await Self.method(store, "stock.picking", "button_validate", [delivery])
            }
            try await receive([(average, 5, 9), (fifo, 5, 9)])
            try await run { store throws in
                let layers = try await store.searchRead("stock.valuation.layer", domain: .leaf("product_id", .equal, .int(average)),
                                                        fields: ["quantity", "value"], order: "id")
                #expect(layers.map { $0["value"]?.doubleValue } == [50, 70, -30, 45])
                let fifoLayers = try await store.searchRead("stock.valuation.layer", domain: .leaf("product_id", .equal, .int(fifo)),
                                                            fields: ["value", "remaining_qty", "remaining_value"], order: "id")
                #expect(fifoLayers.map { $0["value"]?.doubleValue } == [50, 70, -25, 45])
                #expect(fifoLayers.map { $0["remaining_qty"]?.doubleValue } == [5, 10, 0, 5])
            }
            let now = try await value(nil)
            #expect(now.first?.dictValue?["value"]?.doubleValue == 275)  // 135 (AVCO) + 140 (FIFO)
            #expect(now.first?.dictValue?["quantity"]?.doubleValue == 40)
            let then = try await value(twenty)
            #expect(then.first?.dictValue?["value"]?.doubleValue == 240)
            let byCategory = try await value(twenty, "category")
            #expect(byCategory.map { $0.dictValue?["value"]?.doubleValue } == [120, 120])
            let byLocation = try await value(twenty, "location")
            #expect(byLocation.count == 1)
            #expect(byLocation.first?.dictValue?["location_id"]?.arrayValue?.last == "WH/Stock")
            #expect(byLocation.first?.dictValue?["value"]?.doubleValue == 240)
            #expect(try await value(before).isEmpty)
            // A store user sees only its own company's value: nothing here.
            let outside = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                try await Self.method(store, "stock.valuation.layer", "stock_value", [], args: [.false, "company"]).arrayValue ?? []
            }
            #expect(outside.isEmpty)
            try await Self.exact(db)
        }
    }
}
