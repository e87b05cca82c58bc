import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Stock
import Testing

/// The seeded central warehouse: WH/Stock and its receipts, deliveries and internal transfers.
private enum WH {
    static let vendors: Int64 = 2, customers: Int64 = 3, stock: Int64 = 9
    static let receipts: Int64 = 1, deliveries: Int64 = 2, transfers: Int64 = 3
}

/// Calls a business method as RPC would, with an optional context.
@discardableResult
private func call(_ store: RecordStore, _ model: String, _ name: String, _ ids: [Int64], context: RecordValues = [:]) async throws -> Value {
    let method = try #require(try Modules.registry().methods.method(model, name))
    let env = store.env.withContext(context)
    return try await method.handler(MethodCall(store: RecordStore(registry: store.registry, tx: store.tx, env: env), ids: ids, args: [], kwargs: [:]))
}

private func product(_ store: RecordStore, _ name: String, tracking: String = "none", category: Int64? = nil) async throws -> Int64 {
    var vals: RecordValues = ["name": .string(name), "type": "product", "detailed_type": "product", "tracking": .string(tracking)]
    if let category { vals["categ_id"] = .int(category) }
    return try await store.create("product.product", [vals])[0]
}

/// A transfer of one line per (product, quantity), confirmed.
private func transfer(_ store: RecordStore, type: Int64, _ lines: [(Int64, Decimal)], confirm: Bool = true) async throws -> Int64 {
    let moves: [Value] = lines.map { [0, 0, .dict(["product_id": .int($0.0), "product_uom_qty": .double(Double("\($0.1)")!)])] }
    let picking = try await store.create("stock.picking", [["picking_type_id": .int(type), "move_ids": .array(moves)]])[0]
    if confirm { try await call(store, "stock.picking", "action_confirm", [picking]) }
    return picking
}

/// Receives `quantity` of `product` into WH/Stock, fully.
private func receive(_ store: RecordStore, _ product: Int64, _ quantity: Decimal) async throws {
    let picking = try await transfer(store, type: WH.receipts, [(product, quantity)])
    #expect(try await call(store, "stock.picking", "button_validate", [picking]) == .true)
}

private func onHand(_ store: RecordStore, _ product: Int64, location: Int64 = WH.stock) async throws -> (Double, Double) {
    let quants = try await store.searchRead("stock.quant", domain: .and([
        .leaf("product_id", .equal, .int(product)), .leaf("location_id", .childOf, .int(location)),
    ]), fields: ["quantity", "reserved_quantity"])
    return (quants.reduce(0) { $0 + ($1["quantity"]?.doubleValue ?? 0) }, quants.reduce(0) { $0 + ($1["reserved_quantity"]?.doubleValue ?? 0) })
}

/// Puts `users` in the inventory users' group.
private func makeStockUsers(_ db: Database, _ users: [Int64]) async throws {
    _ = try await db.transaction(logger: TestDatabase.logger) { tx in
        try await tx.query("""
            INSERT INTO res_groups_users_rel (gid, uid) SELECT g.id, u FROM res_groups g, unnest(\(users)) u
            WHERE g.xmlid = 'stock.group_stock_user'
            """)
    }
}

private func ledgerIsExact(_ db: Database) async throws {
    let differences = try await db.transaction(logger: TestDatabase.logger) { tx in try await StockCheck.run(tx) }
    #expect(differences.isEmpty, "check stock: \(differences)")
}

@Suite("Stock ledger: transfers, reservations, lots, backorders", .enabled(if: TestDatabase.isAvailable))
struct StockLedgerTests {
    @Test func aPartialReceiptLeavesABackorderAndADeliveryShipsWhatIsThere() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let rice = try await product(store, "Rice 5kg")
                let receipt = try await transfer(store, type: WH.receipts, [(rice, 10)])
                let picking = try await store.read("stock.picking", ids: [receipt], fields: ["name", "state", "location_id", "location_dest_id", "move_ids"])[0]
                #expect(picking["name"] == "WH/IN/00001")
                #expect(picking["state"] == "assigned")
                #expect(picking["location_id"]?.arrayValue?.first == .int(WH.vendors))
                let move = try #require(picking["move_ids"]?.arrayValue?.first?.intValue)
                #expect(try await store.read("stock.move", ids: [move], fields: ["quantity"])[0]["quantity"]?.doubleValue == 10)
                // Six arrive: Odoo asks whether to keep a backorder.
                try await store.write("stock.move", ids: [move], ["quantity": 6])
                let asked = try await call(store, "stock.picking", "button_validate", [receipt])
                #expect(asked.dictValue?["res_model"] == "stock.backorder.confirmation")
                let wizard = try await store.create("stock.backorder.confirmation", [["pick_ids": [[4, .int(receipt)]]]])[0]
                #expect(try await call(store, "stock.backorder.confirmation", "process", [wizard]) == .true)
                #expect(try await store.read("stock.picking", ids: [receipt], fields: ["state"])[0]["state"] == "done")
                let backorders = try await store.searchRead("stock.picking", domain: .leaf("backorder_id", .equal, .int(receipt)),
                                                            fields: ["name", "state", "move_ids"])
                #expect(backorders.count == 1)
                #expect(backorders.first?["name"] == "WH/IN/00002")
                #expect(backorders.first?["state"] == "assigned")
                let rest = try #require(backorders.first?["move_ids"]?.arrayValue?.first?.intValue)
                #expect(try await store.read("stock.move", ids: [rest], fields: ["product_uom_qty"])[0]["product_uom_qty"]?.doubleValue == 4)
                #expect(try await onHand(store, rice) == (6, 0))

                // Eight are ordered; six are reserved; the rest is cancelled on validation.
                let delivery = try await transfer(store, type: WH.deliveries, [(rice, 8)])
                let out = try await store.read("stock.picking", ids: [delivery], fields: ["state", "move_ids"])[0]
                #expect(out["state"] == "assigned")
                let outMove = try #require(out["move_ids"]?.arrayValue?.first?.intValue)
                let reserved = try await store.read("stock.move", ids: [outMove], fields: ["state", "quantity"])[0]
                #expect(reserved["state"] == "partially_available")
                #expect(reserved["quantity"]?.doubleValue == 6)
                #expect(try await onHand(store, rice) == (6, 6))
                try await call(store, "stock.picking", "button_validate", [delivery],
                               context: ["skip_backorder": true, "picking_ids_not_to_backorder": [.int(delivery)]])
                #expect(try await onHand(store, rice) == (0, 0))
                #expect(try await store.searchCount("stock.picking", domain: .leaf("backorder_id", .equal, .int(delivery))) == 0)
                let moves = try await store.searchRead("stock.move", domain: .leaf("picking_id", .equal, .int(delivery)),
                                                       fields: ["state", "product_uom_qty"], order: "id")
                #expect(moves.map { $0["state"]?.stringValue } == ["done", "cancel"])
                #expect(moves.map { $0["product_uom_qty"]?.doubleValue } == [6, 2])
                // Nothing is left to ship; a second validation is refused.
                let again = await #expect(throws: ChainstoreError.self) { try await call(store, "stock.picking", "button_validate", [delivery]) }
                #expect(again?.code == .userError)
            }
            try await ledgerIsExact(db)
        }
    }

    @Test func fiftyTillsCannotReserveOrShipMoreThanTheLastTenUnits() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let (reserveProduct, consumeProduct) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let a = try await product(store, "Last ten A")
                let b = try await product(store, "Last ten B")
                try await receive(store, a, 10)
                try await receive(store, b, 10)
                return (a, b)
            }
            // 50 deliveries of one unit each, reserved at the same time.
            let reservedMoves = try await withThrowingTaskGroup(of: Double.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                            let picking = try await transfer(store, type: WH.deliveries, [(reserveProduct, 1)])
                            let moves = try await store.searchRead("stock.move", domain: .leaf("picking_id", .equal, .int(picking)), fields: ["quantity"])
                            return moves.reduce(0) { $0 + ($1["quantity"]?.doubleValue ?? 0) }
                        }
                    }
                }
                return try await group.reduce(into: [Double]()) { $0.append($1) }
            }
            #expect(reservedMoves.reduce(0, +) == 10)
            #expect(reservedMoves.filter { $0 == 1 }.count == 10)
            // 50 tills each take one unit and validate at the same time: ten succeed.
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        do {
                            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                                let picking = try await transfer(store, type: WH.deliveries, [(consumeProduct, 1)], confirm: false)
                                try await call(store, "stock.picking", "button_validate", [picking],
                                               context: ["skip_backorder": true, "picking_ids_not_to_backorder": [.int(picking)]])
                            }
                            return true
                        } catch {
                            return false
                        }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 10)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                #expect(try await onHand(store, reserveProduct) == (10, 10))
                #expect(try await onHand(store, consumeProduct) == (0, 0))
                let shipped = try await store.searchRead("stock.move.line", domain: .and([
                    .leaf("product_id", .equal, .int(consumeProduct)), .leaf("state", .equal, "done"), .leaf("location_dest_id", .equal, .int(WH.customers)),
                ]), fields: ["quantity"])
                #expect(shipped.reduce(0) { $0 + ($1["quantity"]?.doubleValue ?? 0) } == 10)
            }
            try await ledgerIsExact(db)
        }
    }

    @Test func firstExpiryFirstOutAndLotsOnReceipt() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let dairy = try await store.create("product.category", [["name": "Dairy", "removal_strategy_id": 4]])[0]
                let milk = try await product(store, "Milk 1L", tracking: "lot", category: dairy)
                let late = try await store.create("stock.lot", [["name": "L-LATE", "product_id": .int(milk), "expiration_date": "2027-06-01 00:00:00"]])[0]
                let early = try await store.create("stock.lot", [["name": "L-EARLY", "product_id": .int(milk), "expiration_date": "2027-01-01 00:00:00"]])[0]
                // A tracked receipt without lots is refused and changes nothing.
                let receipt = try await transfer(store, type: WH.receipts, [(milk, 10)])
                let missing = await #expect(throws: ChainstoreError.self) { try await call(store, "stock.picking", "button_validate", [receipt]) }
                #expect(missing?.message.contains("Lot/Serial") == true)
                // The late lot arrives first (lower quant id), the early one second, and a new lot by name.
                let line = try #require(try await store.search("stock.move.line", domain: .leaf("picking_id", .equal, .int(receipt))).first)
                let move = try #require(try await store.search("stock.move", domain: .leaf("picking_id", .equal, .int(receipt))).first)
                try await store.write("stock.move.line", ids: [line], ["quantity": 4, "lot_id": .int(late)])
                _ = try await store.create("stock.move.line", [
                    ["move_id": .int(move), "quantity": 4, "lot_id": .int(early)], ["move_id": .int(move), "quantity": 2, "lot_name": "L-NEW"],
                ])
                #expect(try await store.read("stock.move", ids: [move], fields: ["quantity"])[0]["quantity"]?.doubleValue == 10)
                #expect(try await call(store, "stock.picking", "button_validate", [receipt]) == .true)
                let created = try await store.searchRead("stock.lot", domain: .leaf("name", .equal, "L-NEW"), fields: ["product_qty"])
                #expect(created.first?["product_qty"]?.doubleValue == 2)
                // Three go out: the early lot is taken, although the late one came in first.
                let delivery = try await transfer(store, type: WH.deliveries, [(milk, 3)])
                let lines = try await store.searchRead("stock.move.line", domain: .leaf("picking_id", .equal, .int(delivery)), fields: ["lot_id", "quantity"])
                #expect(lines.map { $0["lot_id"]?.arrayValue?.first } == [.int(early)])
                #expect(lines.first?["quantity"]?.doubleValue == 3)
            }
            try await ledgerIsExact(db)
        }
    }

    @Test func aSerialNumberIsOneUnitAndIsReceivedOnce() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let phone = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await product(store, "Phone X", tracking: "serial")
            }
            func receiveSerials(_ names: [String], quantity: Int = 1) async throws {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                    let receipt = try await transfer(store, type: WH.receipts, [(phone, Decimal(names.count * quantity))])
                    let move = try #require(try await store.search("stock.move", domain: .leaf("picking_id", .equal, .int(receipt))).first)
                    try await store.unlink("stock.move.line", ids: try await store.search("stock.move.line", domain: .leaf("move_id", .equal, .int(move))))
                    _ = try await store.create("stock.move.line", names.map { ["move_id": .int(move), "quantity": .int(Int64(quantity)), "lot_name": .string($0)] })
                    _ = try await call(store, "stock.picking", "button_validate", [receipt])
                }
            }
            let twice = await #expect(throws: ChainstoreError.self) { try await receiveSerials(["SN-1", "SN-1"]) }
            #expect(twice?.message.contains("already been assigned") == true)
            let two = await #expect(throws: ChainstoreError.self) { try await receiveSerials(["SN-9"], quantity: 2) }
            #expect(two?.message.contains("unique serial number") == true)
            try await receiveSerials(["SN-1", "SN-2"])
            let again = await #expect(throws: ChainstoreError.self) { try await receiveSerials(["SN-2"]) }
            #expect(again?.message.contains("already been assigned") == true)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                #expect(try await onHand(store, phone) == (2, 0))
                #expect(try await store.searchCount("stock.lot", domain: .leaf("product_id", .equal, .int(phone))) == 2)
            }
            try await ledgerIsExact(db)
        }
    }

    @Test func negativeStockIsRefusedUnlessTheCompanyAllowsItAndPutawayRulesPlaceGoods() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let oil = try await product(store, "Peanut oil 5L")
                let shelf = try await store.create("stock.location", [["name": "Shelf A", "location_id": .int(WH.stock), "barcode": "WH-A"]])[0]
                _ = try await store.create("stock.putaway.rule", [["product_id": .int(oil), "location_in_id": .int(WH.stock), "location_out_id": .int(shelf)]])
                try await receive(store, oil, 3)
                #expect(try await onHand(store, oil, location: shelf) == (3, 0))
                let delivery = try await transfer(store, type: WH.deliveries, [(oil, 5)])
                let move = try #require(try await store.search("stock.move", domain: .leaf("picking_id", .equal, .int(delivery))).first)
                try await store.write("stock.move", ids: [move], ["quantity": 5])
                let refused = await #expect(throws: ChainstoreError.self) {
                    try await call(store, "stock.picking", "button_validate", [delivery], context: ["skip_backorder": true])
                }
                #expect(refused?.message.contains("Not enough stock") == true)
            }
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                try await store.write("res.company", ids: [1], ["allow_negative_stock": true])
                let oil = try #require(try await store.search("product.product", domain: .leaf("name", .equal, "Peanut oil 5L")).first)
                let delivery = try await transfer(store, type: WH.deliveries, [(oil, 5)])
                let move = try #require(try await store.search("stock.move", domain: .leaf("picking_id", .equal, .int(delivery))).first)
                try await store.write("stock.move", ids: [move], ["quantity": 5])
                #expect(try await call(store, "stock.picking", "button_validate", [delivery]) == .true)
                #expect(try await onHand(store, oil).0 == -2)
            }
            try await ledgerIsExact(db)
        }
    }

    @Test func theLedgerStaysExactUnderConcurrentReceiptsTransfersReservationsAndCancellations() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let (products, shelves) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                var products: [Int64] = []
                for n in 0..<4 { products.append(try await product(store, "Stress \(n)")) }
                let shelves = try await store.create("stock.location", (0..<3).map { ["name": .string("Bin \($0)"), "location_id": .int(WH.stock)] })
                for p in products { try await receive(store, p, 20) }
                return (products, shelves)
            }
            let refusals = await withTaskGroup(of: [String].self) { group in
                for worker in 0..<24 {
                    group.addTask {
                        var refused: [String] = []
                        for round in 0..<4 {
                            let p = products[(worker + round) % products.count]
                            do {
                                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                                    switch (worker + round) % 4 {
                                    case 0: try await receive(store, p, 3)
                                    case 1:
                                        let picking = try await transfer(store, type: WH.transfers, [(p, 2)])
                                        try await store.write("stock.picking", ids: [picking], ["location_dest_id": .int(shelves[worker % shelves.count])])
                                        let lines = try await store.search("stock.move.line", domain: .leaf("picking_id", .equal, .int(picking)))
                                        try await store.write("stock.move.line", ids: lines, ["location_dest_id": .int(shelves[worker % shelves.count])])
                                        _ = try await call(store, "stock.picking", "button_validate", [picking], context: ["skip_backorder": true])
                                    case 2:
                                        let picking = try await transfer(store, type: WH.deliveries, [(p, 3)])
                                        _ = try await call(store, "stock.picking", "action_cancel", [picking])
                                    default:
                                        let picking = try await transfer(store, type: WH.deliveries, [(p, 4)])
                                        _ = try await call(store, "stock.picking", "button_validate", [picking], context: ["skip_backorder": true])
                                    }
                                }
                            } catch let error as ChainstoreError where error.code == .userError {
                                refused.append(error.message)
                            } catch {
                                refused.append("unexpected: \(error)")
                            }
                        }
                        return refused
                    }
                }
                return await group.reduce(into: [String]()) { $0 += $1 }
            }
            // Only deliveries finding nothing to ship may be refused; never a deadlock or a broken invariant.
            #expect(refusals.allSatisfy { $0.hasPrefix("You cannot validate a transfer if no quantities") }, "\(refusals)")
            #expect(refusals.count < 24)
            try await ledgerIsExact(db)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let negative = try await store.searchCount("stock.quant", domain: .leaf("quantity", .less, 0))
                #expect(negative == 0)
            }
        }
    }

    @Test func theLedgerIsAppendOnlyStaysInItsCompanyAndNeverRefusesConsumables() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let (rice, receipt) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let rice = try await product(store, "Rice 1kg")
                let receipt = try await transfer(store, type: WH.receipts, [(rice, 5)])
                _ = try await call(store, "stock.picking", "button_validate", [receipt])
                return (rice, receipt)
            }
            // Done entries cannot be deleted or rewritten, whoever asks.
            for attempt in 0..<3 {
                let refused = await #expect(throws: ChainstoreError.self) {
                    try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                        let lines = try await store.search("stock.move.line", domain: .leaf("picking_id", .equal, .int(receipt)))
                        switch attempt {
                        case 0: try await store.unlink("stock.move.line", ids: lines)
                        case 1: try await store.write("stock.move.line", ids: lines, ["location_dest_id": .int(WH.customers)])
                        default: try await store.unlink("stock.picking", ids: [receipt])
                        }
                    }
                }
                #expect(refused?.message.contains("cannot be") == true, "\(String(describing: refused?.message))")
            }
            // A move that takes another company's goods is refused at confirmation.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let theirs = try await store.create("stock.warehouse", [["name": "SZ back room", "code": "SZ1", "company_id": .int(fx.store2)]])[0]
                let stock = try #require(try await store.read("stock.warehouse", ids: [theirs], fields: ["lot_stock_id"], load: .classicWrite)[0]["lot_stock_id"]?.intValue)
                let picking = try await store.create("stock.picking", [[
                    "picking_type_id": .int(WH.deliveries), "location_id": .int(stock),
                    "move_ids": [[0, 0, ["product_id": .int(rice), "product_uom_qty": 1]]],
                ]])[0]
                let foreign = await #expect(throws: ChainstoreError.self) { try await call(store, "stock.picking", "action_confirm", [picking]) }
                #expect(foreign?.message.contains("another company") == true)
                // A view location gives from the places inside it, but nothing is posted on the view itself.
                let fromView = try await store.create("stock.picking", [[
                    "picking_type_id": .int(WH.deliveries), "location_id": 8, "move_ids": [[0, 0, ["product_id": .int(rice), "product_uom_qty": 2]]],
                ]])[0]
                try await call(store, "stock.picking", "action_confirm", [fromView])
                let lines = try await store.searchRead("stock.move.line", domain: .leaf("picking_id", .equal, .int(fromView)), fields: ["location_id", "quantity"])
                #expect(lines.map { $0["location_id"]?.arrayValue?.first } == [.int(WH.stock)])
                #expect(try await call(store, "stock.picking", "button_validate", [fromView]) == .true)
                #expect(try await onHand(store, rice) == (3, 0))
                // Consumables leave whatever the balance says.
                let cups = try await store.create("product.product", [["name": "Paper cups", "type": "consu"]])[0]
                let out = try await transfer(store, type: WH.deliveries, [(cups, 50)])
                #expect(try await call(store, "stock.picking", "button_validate", [out]) == .true)
            }
            try await ledgerIsExact(db)
        }
    }

    @Test func aDeliveryIsReturnedOnce() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let tea = try await product(store, "Oolong tea")
                try await receive(store, tea, 10)
                let delivery = try await transfer(store, type: WH.deliveries, [(tea, 4)])
                _ = try await call(store, "stock.picking", "button_validate", [delivery])
                let returned = try #require(try await call(store, "stock.picking", "action_create_return", [delivery]).intValue)
                let head = try await store.read("stock.picking", ids: [returned], fields: ["name", "origin", "location_id", "state"])[0]
                #expect(head["name"]?.stringValue?.hasPrefix("WH/RET/") == true)
                #expect(head["location_id"]?.arrayValue?.first == .int(WH.customers))
                #expect(head["state"] == "assigned")
                _ = try await call(store, "stock.picking", "button_validate", [returned])
                #expect(try await onHand(store, tea) == (10, 0))
                let twice = await #expect(throws: ChainstoreError.self) { try await call(store, "stock.picking", "action_create_return", [delivery]) }
                #expect(twice?.message.contains("already been returned") == true)
            }
            try await ledgerIsExact(db)
        }
    }

    /// A store sends goods to another through its own transit place: one place per shipment,
    /// valued as the sender's stock, seen by sender and receiver only, and received only by a
    /// receipt of the receiver that names the shipment.
    @Test func storesTransferThroughTheSendersTransitShipmentByShipment() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            // Store staff may move goods of their store.
            try await makeStockUsers(db, [fx.storeUser1, fx.storeUser2])
            let (tea, gzStock, szStock, s2s, szReceipts) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let tea = try await product(store, "Oolong tea")
                let gz = try await store.create("stock.warehouse", [["name": "GZ back room", "code": "GZ1", "company_id": .int(fx.store1)]])[0]
                let sz = try await store.create("stock.warehouse", [["name": "SZ back room", "code": "SZ1", "company_id": .int(fx.store2)]])[0]
                func type(_ warehouse: Int64, _ prefix: String) async throws -> Int64 {
                    try #require(try await store.search("stock.picking.type", domain: .and([
                        .leaf("warehouse_id", .equal, .int(warehouse)), .leaf("sequence_code", .equal, .string(prefix)),
                    ])).first)
                }
                let places = try await store.read("stock.warehouse", ids: [gz, sz], fields: ["lot_stock_id"], load: .classicWrite)
                let inType = try await type(gz, "IN")
                let receipt = try await store.create("stock.picking", [["picking_type_id": .int(inType), "company_id": .int(fx.store1),
                    "move_ids": [[0, 0, ["product_id": .int(tea), "product_uom_qty": 10, "price_unit": 2, "company_id": .int(fx.store1)]]]]])[0]
                try await call(store, "stock.picking", "action_confirm", [receipt])
                try await call(store, "stock.picking", "button_validate", [receipt])
                return (tea, places[0]["lot_stock_id"]!.intValue!, places[1]["lot_stock_id"]!.intValue!, try await type(gz, "S2S"), try await type(sz, "IN"))
            }
            func ship(_ quantity: Double, to company: Int64?) async throws -> (picking: Int64, place: Int64) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    var vals: RecordValues = ["picking_type_id": .int(s2s), "move_ids": [[0, 0, ["product_id": .int(tea), "product_uom_qty": .double(quantity)]]]]
                    if let company { vals["dest_company_id"] = .int(company) }
                    let id = try await store.create("stock.picking", [vals])[0]
                    try await call(store, "stock.picking", "action_confirm", [id])
                    try await call(store, "stock.picking", "button_validate", [id])
                    return (id, try #require(try await store.read("stock.picking", ids: [id], fields: ["location_dest_id"], load: .classicWrite)[0]["location_dest_id"]?.intValue))
                }
            }
            // A shipment says where it goes.
            await #expect(throws: ChainstoreError.self) { try await ship(1, to: nil) }
            let first = try await ship(4, to: fx.store2)
            let second = try await ship(1, to: fx.city1)
            #expect(first.place != second.place, "each shipment has its own place, so shipments never share a balance row")
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                #expect(try await onHand(store, tea, location: gzStock) == (5, 0))
                #expect(try await onHand(store, tea, location: first.place) == (4, 0))
                // Goods on their way are still the sender's stock, with their value.
                let value = try await StockValue.at(store, date: nil, groupBy: .location, company: nil)
                #expect(value.contains { $0["location_id"]?.arrayValue?.first == .int(first.place) && $0["value"]?.doubleValue == 8 }, "\(value)")
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in
                // The receiver sees its shipment and the goods in it, not the other shipment.
                #expect(try await store.search("stock.picking", domain: .leaf("id", .in, [.int(first.picking), .int(second.picking)])) == [first.picking])
                #expect(try await onHand(store, tea, location: first.place) == (4, 0))
                #expect(try await store.search("stock.location", domain: .leaf("id", .equal, .int(second.place))).isEmpty)
                // A receipt from transit names the shipment; taking from it otherwise is refused.
                let loose = try await store.create("stock.picking", [["picking_type_id": .int(szReceipts), "location_id": .int(first.place),
                    "move_ids": [[0, 0, ["product_id": .int(tea), "product_uom_qty": 4]]]]])[0]
                let refused = await #expect(throws: ChainstoreError.self) { try await call(store, "stock.picking", "action_confirm", [loose]) }
                #expect(refused?.message.contains("another company") == true, "\(refused?.message ?? "")")
                await #expect(throws: ChainstoreError.self) {
                    try await store.create("stock.picking", [["picking_type_id": .int(szReceipts), "shipment_id": .int(second.picking)]])
                }
            }
            // Nor can a receipt confirmed from the vendors be pointed at the shipment afterwards.
            await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in
                    let receipt = try await store.create("stock.picking", [["picking_type_id": .int(szReceipts),
                        "move_ids": [[0, 0, ["product_id": .int(tea), "product_uom_qty": 4]]]]])[0]
                    try await call(store, "stock.picking", "action_confirm", [receipt])
                    let move = try #require(try await store.search("stock.move", domain: .leaf("picking_id", .equal, .int(receipt))).first)
                    try await store.write("stock.move", ids: [move], ["location_id": .int(first.place)])
                }
            }
            // The receipt that names its shipment takes what it sent: all of it, and never more.
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in
                let receipt = try await store.create("stock.picking", [["picking_type_id": .int(szReceipts), "shipment_id": .int(first.picking)]])[0]
                try await call(store, "stock.picking", "action_confirm", [receipt])
                let moves = try await store.searchRead("stock.move", domain: .leaf("picking_id", .equal, .int(receipt)), fields: ["product_uom_qty", "location_id"],
                                                       load: .classicWrite)
                #expect(moves.count == 1 && moves[0]["product_uom_qty"]?.doubleValue == 4 && moves[0]["location_id"]?.intValue == first.place)
                try await store.write("stock.move", ids: [moves[0]["id"]!.intValue!], ["quantity": 5])
                await #expect(throws: ChainstoreError.self) { try await call(store, "stock.picking", "button_validate", [receipt], context: ["skip_backorder": true]) }
                try await call(store, "stock.picking", "action_cancel", [receipt])
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in
                let receipt = try await store.create("stock.picking", [["picking_type_id": .int(szReceipts), "shipment_id": .int(first.picking)]])[0]
                try await call(store, "stock.picking", "action_confirm", [receipt])
                #expect(try await call(store, "stock.picking", "button_validate", [receipt]) == .true)
                #expect(try await onHand(store, tea, location: szStock) == (4, 0))
                #expect(try await onHand(store, tea, location: first.place) == (0, 0))
            }
            try await ledgerIsExact(db)
        }
    }

    /// Every change of a transfer, a move, a move line or a balance is in the audit trail, made
    /// by the user who made it, in the same transaction: the ledger's own SQL included.
    @Test func everyChangeOfTheLedgerIsAudited() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            struct Rolledback: Error {}
            let log = TestDatabase.logger
            func count() async throws -> Int64 {
                try await db.withoutTransaction(logger: log) { tx in
                    try await tx.query("SELECT count(*) FROM audit_log WHERE model LIKE 'stock.%'")[0].decode(Int64.self)
                }
            }
            let (tea, delivery) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let tea = try await product(store, "Audited tea")
                try await receive(store, tea, 5)
                return (tea, try await transfer(store, type: WH.deliveries, [(tea, 2)]))
            }
            let before = try await count()
            // A validation rolled back leaves no audit row behind.
            await #expect(throws: Rolledback.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                    try await call(store, "stock.picking", "button_validate", [delivery])
                    throw Rolledback()
                }
            }
            #expect(try await count() == before)
            _ = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await call(store, "stock.picking", "button_validate", [delivery])
            }
            let rows = try await db.withoutTransaction(logger: log) { tx in
                try await tx.query("""
                    SELECT model, operation, uid, coalesce(old_values ->> 'quantity', ''), coalesce(new_values ->> 'quantity', ''),
                           coalesce(new_values ->> 'state', '')
                    FROM audit_log WHERE model LIKE 'stock.%' AND (record_id IN (SELECT id FROM stock_quant WHERE product_id = \(tea))
                        OR record_id IN (SELECT id FROM stock_move WHERE picking_id = \(delivery)) OR record_id = \(delivery))
                    ORDER BY id
                    """).map { try $0.decode((String, String, Int64, String, String, String).self) }
            }
            #expect(rows.allSatisfy { $0.2 == fx.groupAdmin }, "\(rows)")
            // An empty balance row made to be locked and filled is bookkeeping: its filling is the change.
            #expect(!rows.contains { $0.0 == "stock.quant" && $0.1 == "create" }, "\(rows)")
            #expect(rows.contains { $0.0 == "stock.quant" && $0.1 == "write" && Double($0.3) == 0 && Double($0.4) == 5 }, "\(rows)")
            #expect(rows.contains { $0.0 == "stock.quant" && $0.1 == "write" && Double($0.3) == 5 && Double($0.4) == 3 }, "\(rows)")
            #expect(rows.contains { $0.0 == "stock.move" && $0.1 == "write" && $0.5 == "done" }, "\(rows)")
            #expect(rows.contains { $0.0 == "stock.picking" && $0.1 == "write" && $0.5 == "done" }, "\(rows)")
            try await AuditChain.sealAll(db, logger: log)
            #expect(try await AuditChain.verify(db, logger: log).isIntact)
        }
    }

    @Test func productQuantitiesCountOnlyTheCallersStock() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await makeStockUsers(db, [fx.cityUser, fx.storeUser1, fx.storeUser2])
            let (tea, gzStock, sz) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let tea = try await product(store, "Pu'er tea")
                let gz = try await store.create("stock.warehouse", [["name": "GZ back room", "code": "GZ1", "company_id": .int(fx.store1)]])[0]
                let sz = try await store.create("stock.warehouse", [["name": "SZ back room", "code": "SZ1", "company_id": .int(fx.store2)]])[0]
                func receipt(_ warehouse: Int64, _ company: Int64, _ quantity: Double, validate: Bool) async throws {
                    let type = try #require(try await store.search("stock.picking.type", domain: .and([
                        .leaf("warehouse_id", .equal, .int(warehouse)), .leaf("sequence_code", .equal, "IN"),
                    ])).first)
                    let id = try await store.create("stock.picking", [["picking_type_id": .int(type), "company_id": .int(company),
                        "move_ids": [[0, 0, ["product_id": .int(tea), "product_uom_qty": .double(quantity), "company_id": .int(company)]]]]])[0]
                    try await call(store, "stock.picking", "action_confirm", [id])
                    if validate { try await call(store, "stock.picking", "button_validate", [id]) }
                }
                try await receipt(gz, fx.store1, 10, validate: true)
                try await receipt(sz, fx.store2, 3, validate: true)
                try await receipt(sz, fx.store2, 6, validate: false)
                let gzStock = try await store.read("stock.warehouse", ids: [gz], fields: ["lot_stock_id"], load: .classicWrite)[0]["lot_stock_id"]!.intValue!
                return (tea, gzStock, sz)
            }
            let fields = ["qty_available", "incoming_qty", "virtual_available"]
            func quantities(_ uid: Int64, _ context: RecordValues = [:]) async throws -> [Double] {
                try await GroupFixture.asUser(db, registry, uid: uid) { store in
                    let scoped = RecordStore(registry: store.registry, tx: store.tx, env: store.env.withContext(context))
                    let row = try await scoped.read("product.product", ids: [tea], fields: fields)[0]
                    return fields.map { row[$0]?.doubleValue ?? -1 }
                }
            }
            // Each caller counts the stock of its own companies, and only that.
            #expect(try await quantities(fx.groupAdmin) == [13, 6, 19])
            #expect(try await quantities(fx.cityUser) == [10, 0, 10])
            #expect(try await quantities(fx.storeUser1) == [10, 0, 10])
            #expect(try await quantities(fx.storeUser2) == [3, 6, 9])
            // A context naming another store's places finds nothing there for a store.
            #expect(try await quantities(fx.storeUser2, ["location": .int(gzStock)]) == [0, 0, 0])
            #expect(try await quantities(fx.groupAdmin, ["location": .int(gzStock)]) == [10, 0, 10])
            #expect(try await quantities(fx.groupAdmin, ["warehouse": .int(sz)]) == [3, 6, 9])
            // Searching by quantity keeps to the same stock.
            for (uid, expected) in [(fx.storeUser1, [Int64]()), (fx.storeUser2, [tea])] {
                let found = try await GroupFixture.asUser(db, registry, uid: uid) { store in
                    try await store.search("product.product", domain: .and([.leaf("id", .equal, .int(tea)), .leaf("incoming_qty", .greater, 0)]))
                }
                #expect(found == expected)
            }
        }
    }
}
