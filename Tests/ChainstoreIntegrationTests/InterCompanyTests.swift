import Barcode
import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import PostgresNIO
import Product
import Purchase
import Sale
import Stock
import Testing

/// A store buys from its city's distribution centre: the reordering run orders from the DC (its
/// price list at the city), approval mirrors the order as the DC's sales order, the DC ships,
/// the store receives, the books balance; the store's credit limit with the DC is enforced.
@Suite("Purchase: a store's order to its distribution centre", .enabled(if: TestDatabase.isAvailable))
struct InterCompanyTests {
    struct Setup {
        let fx: GroupFixture
        let dc: Int64, dcPartner: Int64, storePartner: Int64, product: Int64, rule: Int64
    }

    static func method(_ db: Database, _ registry: Registry, uid: Int64, _ model: String, _ name: String, ids: [Int64]) async throws -> Value {
        try await GroupFixture.asUser(db, registry, uid: uid) { store in
            try await store.registry.methods.method(model, name)!.handler(MethodCall(store: store, ids: ids, args: [], kwargs: [:]))
        }
    }

    /// Guangzhou's DC (a company with its legal entity and warehouse, 100 bottles in stock), store
    /// 1's warehouse and legal entity, the DC's price for the city (2.50, next day), and a rule at
    /// the store: below 5, up to 20.
    static func setup(_ db: Database, _ registry: Registry) async throws -> Setup {
        let fx = try await GroupFixture.make(db, registry)
        return try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
            let partners = try await store.create("res.partner", [
                ["name": "广州配送中心", "is_company": true, "company_id": false], ["name": "GZ Store 1 商户", "is_company": true, "company_id": false],
            ])
            let dc = try await store.create("res.company", [["name": "Guangzhou DC", "parent_id": .int(fx.city1), "company_kind": "warehouse",
                                                              "partner_id": .int(partners[0])]])[0]
            try await store.write("res.company", ids: [fx.store1], ["partner_id": .int(partners[1])])
            let warehouses = try await store.create("stock.warehouse", [
                ["name": "GZ DC", "code": "GZDC", "company_id": .int(dc)], ["name": "GZ Store 1", "code": "GZ1", "company_id": .int(fx.store1)],
            ])
            let product = try await store.create("product.product", [["name": "矿泉水 550ml", "type": "product", "list_price": 3]])[0]
            let template = try await store.read("product.product", ids: [product], fields: ["product_tmpl_id"], load: .classicWrite)[0]["product_tmpl_id"]!
            _ = try await store.create("product.supplierinfo", [["partner_id": .int(partners[0]), "product_tmpl_id": template, "price": 2.5, "delay": 1,
                                                                  "company_id": .int(fx.city1)]])
            let dcIn = try await store.read("stock.warehouse", ids: [warehouses[0]], fields: ["in_type_id"], load: .classicWrite)[0]["in_type_id"]!
            let receipt = try await store.create("stock.picking", [["picking_type_id": dcIn, "company_id": .int(dc),
                                                                    "move_ids": [[0, 0, ["product_id": .int(product), "product_uom_qty": 100, "quantity": 100]]]]])[0]
            _ = try await store.registry.methods.method("stock.picking", "button_validate")!.handler(
                MethodCall(store: store, ids: [receipt], args: [], kwargs: [:]))
            let rule = try await store.create("stock.warehouse.orderpoint", [[
                "product_id": .int(product), "warehouse_id": .int(warehouses[1]), "company_id": .int(fx.store1),
                "product_min_qty": 5, "product_max_qty": 20,
            ]])[0]
            return Setup(fx: fx, dc: dc, dcPartner: partners[0], storePartner: partners[1], product: product, rule: rule)
        }
    }

    static func one<T: PostgresDecodable & Sendable>(_ db: Database, _ sql: SQLBuilder, as: T.Type) async throws -> T {
        try await db.withoutTransaction(logger: TestDatabase.logger) { tx in try await tx.query(sql)[0].decode(T.self) }
    }

    @Test func theStoresOrderBecomesTheDCsSaleAndTheGoodsArrive() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.warehouse.orderpoint", "action_replenish", ids: [s.rule])
            let order = try await Self.one(db, "SELECT order_id FROM purchase_order_line WHERE orderpoint_id = \(s.rule)", as: Int64.self)
            #expect(try await Self.one(db, "SELECT partner_id FROM purchase_order WHERE id = \(order)", as: Int64.self) == s.dcPartner)
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "purchase.order", "button_confirm", ids: [order])

            // The DC's sales order: confirmed, for the store's legal entity, the same goods at the same price.
            let (sale, state, customer, company, auto, reference) = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT s.id, s.state, s.partner_id, s.company_id, s.auto_generated, o.partner_ref = s.name AND o.auto_sale_order_id = s.id
                    FROM sale_order s JOIN purchase_order o ON o.id = s.auto_purchase_order_id WHERE o.id = \(order)
                    """)[0].decode((Int64, String, Int64, Int64, Bool, Bool).self)
            }
            #expect(state == "sale" && customer == s.storePartner && company == s.dc && auto && reference)
            let line = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await store.searchRead("sale.order.line", domain: .leaf("order_id", .equal, .int(sale)),
                                           fields: ["product_uom_qty", "price_unit", "qty_delivered"], load: .classicWrite)[0]
            }
            #expect(line["product_uom_qty"] == .double(20) && line["price_unit"] == .double(2.5) && line["qty_delivered"] == .double(0))
            // The store sees its purchase order, not the DC's sales order.
            let seen = try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser1) { store in
                (try await store.search("purchase.order", domain: .all), try await store.search("sale.order", domain: .all))
            }
            #expect(seen.0 == [order] && seen.1.isEmpty)

            // The DC ships through its transit, to a place of this shipment addressed to the store;
            // the store's receipt names the shipment and waits for it.
            let delivery = try await Self.one(db, "SELECT id FROM stock_picking WHERE sale_id = \(sale)", as: Int64.self)
            let receipt = try await Self.one(db, "SELECT id FROM stock_picking WHERE purchase_id = \(order)", as: Int64.self)
            let (place, addressee, takesFrom, named) = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT d.location_dest_id, l.dest_company_id, r.location_id, r.shipment_id FROM stock_picking d
                    JOIN stock_location l ON l.id = d.location_dest_id AND l.usage = 'transit' JOIN stock_picking r ON r.id = \(receipt)
                    WHERE d.id = \(delivery)
                    """)[0].decode((Int64, Int64, Int64, Int64).self)
            }
            #expect(addressee == s.fx.store1 && takesFrom == place && named == delivery)
            func pickingState(_ picking: Int64) async throws -> String { try await Self.one(db, "SELECT state FROM stock_picking WHERE id = \(picking)", as: String.self) }
            #expect(try await pickingState(receipt) == "confirmed")
            // Each side does part of it, then the rest in its backorder.
            func process(_ picking: Int64, _ quantity: Double) async throws {
                try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                    let moves = try await store.search("stock.move", domain: .leaf("picking_id", .equal, .int(picking)))
                    try await store.write("stock.move", ids: moves, ["quantity": .double(quantity)])
                    let backordering = RecordStore(registry: store.registry, tx: store.tx, env: store.env.withContext(["skip_backorder": true]))
                    _ = try await store.registry.methods.method("stock.picking", "button_validate")!.handler(
                        MethodCall(store: backordering, ids: [picking], args: [], kwargs: [:]))
                }
            }
            func backorder(_ picking: Int64) async throws -> Int64 {
                try await Self.one(db, "SELECT id FROM stock_picking WHERE backorder_id = \(picking)", as: Int64.self)
            }
            try await process(delivery, 15)
            // Shipped: ready at the store (the 15 on their way), still the DC's goods.
            #expect(try await pickingState(receipt) == "assigned")
            #expect(try await Self.one(db, "SELECT sum(quantity)::float8 FROM stock_quant WHERE location_id = \(place)", as: Double.self) == 15)
            #expect(try await Self.one(db, "SELECT company_id FROM stock_location WHERE id = \(place)", as: Int64.self) == s.dc)
            #expect(try await Self.one(db, "SELECT sale_line_delivered(id)::float8 FROM sale_order_line WHERE order_id = \(sale)", as: Double.self) == 15)
            try await process(receipt, 15)
            let (deliveryRest, receiptRest) = (try await backorder(delivery), try await backorder(receipt))
            #expect(try await pickingState(receiptRest) == "confirmed")
            try await process(deliveryRest, 5)
            #expect(try await pickingState(receiptRest) == "assigned")
            try await process(receiptRest, 5)
            #expect(try await Self.one(db, "SELECT sale_line_delivered(id)::float8 FROM sale_order_line WHERE order_id = \(sale)", as: Double.self) == 20)
            #expect(try await Self.one(db, "SELECT sale_delivery_status(\(sale))", as: String.self) == "full")
            #expect(try await Self.one(db, "SELECT purchase_receipt_status(\(order))", as: String.self) == "full")
            let balances = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT c.id, sum(q.quantity)::float8 FROM stock_quant q JOIN stock_location l ON l.id = q.location_id
                    JOIN res_company c ON c.id = l.company_id WHERE q.product_id = \(s.product) AND l.usage = 'internal' GROUP BY c.id
                    """).map { try $0.decode((Int64, Double).self) }
            }
            #expect(Dictionary(uniqueKeysWithValues: balances) == [s.dc: 80, s.fx.store1: 20])
            #expect(try await Self.one(db, "SELECT coalesce(sum(quantity), 0)::float8 FROM stock_quant WHERE location_id = \(place)", as: Double.self) == 0)
            let differences = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in try await StockCheck.run(tx) }
            #expect(differences.isEmpty)
            // Goods left the DC: the store's order can no longer be cancelled.
            await #expect(throws: ChainstoreError.self) {
                _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "purchase.order", "button_cancel", ids: [order])
            }
        }
    }

    /// A supplier's pallet packed for a store (cross-docking) is received at the DC and goes on
    /// whole: the DC's delivery to that store gives back the stock it held and takes the pallet,
    /// which leaves on the supplier's SSCC; the store receives it with one scan of it.
    @Test func aPalletPackedForAStoreGoesOnWholeThroughTheDC() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.warehouse.orderpoint", "action_replenish", ids: [s.rule])
            let order = try await Self.one(db, "SELECT order_id FROM purchase_order_line WHERE orderpoint_id = \(s.rule)", as: Int64.self)
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "purchase.order", "button_confirm", ids: [order])
            let delivery = try await Self.one(db, """
                SELECT d.id FROM stock_picking d JOIN purchase_order o ON o.auto_sale_order_id = d.sale_id WHERE o.id = \(order)
                """, as: Int64.self)
            func held(_ sql: SQLBuilder) async throws -> Double { try await Self.one(db, sql, as: Double.self) }
            #expect(try await held("SELECT coalesce(sum(quantity), 0)::float8 FROM stock_move_line WHERE picking_id = \(delivery) AND package_id IS NULL") == 20)

            // The DC buys 20 more; the supplier packs them on one pallet for the store.
            let pallet = try Pallets.sscc(prefix: "6901234", serial: 77)
            let receipt = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store -> Int64 in
                let supplier = try await store.create("res.partner", [["name": "Dongguan Water Co.", "is_company": true, "company_id": false]])[0]
                let incoming = try await store.search("stock.picking.type", domain: .and([
                    .leaf("warehouse_id.company_id", .equal, .int(s.dc)), .leaf("code", .equal, "incoming")]))[0]
                let purchase = try await store.create("purchase.order", [[
                    "partner_id": .int(supplier), "company_id": .int(s.dc), "picking_type_id": .int(incoming),
                    "order_line": [[0, 0, ["product_id": .int(s.product), "product_qty": 20, "price_unit": 2]]],
                ]])[0]
                _ = try await store.registry.methods.method("purchase.order", "button_confirm")!.handler(
                    MethodCall(store: store, ids: [purchase], args: [], kwargs: [:]))
                let receipt = try await store.search("stock.picking", domain: .leaf("purchase_id", .equal, .int(purchase)))[0]
                let move = try await store.search("stock.move", domain: .leaf("picking_id", .equal, .int(receipt)))[0]
                _ = try await StockDocuments.announce(store, [.init(move: move, quantity: 20, lot: nil, expiry: nil, package: pallet, deliverFor: s.fx.store1)])
                return receipt
            }
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.picking", "button_validate", ids: [receipt])
            // Received at the DC, the pallet is what the store's delivery now holds, whole; the
            // DC's own stock is free again.
            let lines = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT coalesce(pk.name, ''), coalesce(rp.name, ''), ml.quantity::float8 FROM stock_move_line ml
                    LEFT JOIN stock_quant_package pk ON pk.id = ml.package_id LEFT JOIN stock_quant_package rp ON rp.id = ml.result_package_id
                    WHERE ml.picking_id = \(delivery)
                    """).map { try $0.decode((String, String, Double).self) }
            }
            #expect(lines.count == 1 && lines[0] == (pallet, pallet, 20), "\(lines)")
            #expect(try await held("""
                SELECT coalesce(sum(q.reserved_quantity), 0)::float8 FROM stock_quant q WHERE q.product_id = \(s.product) AND q.package_id IS NULL
                """) == 0)
            // A delivery elsewhere never takes from the store's pallet: 105 wanted, the DC's 100 reserved.
            let elsewhere = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store -> Int64 in
                let outgoing = try await store.search("stock.picking.type", domain: .and([
                    .leaf("warehouse_id.company_id", .equal, .int(s.dc)), .leaf("code", .equal, "outgoing")]))[0]
                return try await store.create("stock.picking", [["picking_type_id": .int(outgoing), "company_id": .int(s.dc),
                    "move_ids": [[0, 0, ["product_id": .int(s.product), "product_uom_qty": 105]]]]])[0]
            }
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.picking", "action_confirm", ids: [elsewhere])
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.picking", "action_assign", ids: [elsewhere])
            #expect(try await held("""
                SELECT coalesce(sum(quantity_reserved), 0)::float8 FROM stock_move_line WHERE picking_id = \(elsewhere) AND package_id IS NULL
                """) == 100)
            #expect(try await held("SELECT count(*)::float8 FROM stock_move_line WHERE picking_id = \(elsewhere) AND package_id IS NOT NULL") == 0)
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.picking", "action_cancel", ids: [elsewhere])
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.picking", "button_validate", ids: [delivery])
            let storeReceipt = try await Self.one(db, "SELECT id FROM stock_picking WHERE purchase_id = \(order)", as: Int64.self)
            let scanned = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await WarehouseScan.handle(store, cache: CatalogueCache(), database: db, operation: .receive, code: pallet,
                                               action: nil, state: .init(), today: GS1Date(year: 2026, month: 6, day: 15)!)
            }
            #expect(scanned.kind == "pallet" && scanned.state.pickingId == storeReceipt, "\(scanned.message)")
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.picking", "button_validate", ids: [storeReceipt])
            let balances = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT l.company_id, coalesce(pk.name, ''), sum(q.quantity)::float8 FROM stock_quant q JOIN stock_location l ON l.id = q.location_id
                    LEFT JOIN stock_quant_package pk ON pk.id = q.package_id
                    WHERE q.product_id = \(s.product) AND l.usage = 'internal' AND q.quantity <> 0 GROUP BY 1, 2 ORDER BY 1, 2
                    """).map { try $0.decode((Int64, String, Double).self) }
            }
            #expect(Set(balances.map { "\($0.0):\($0.1):\($0.2)" }) == ["\(s.dc)::100.0", "\(s.fx.store1):\(pallet):20.0"], "\(balances)")
            let differences = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in try await StockCheck.run(tx) }
            #expect(differences.isEmpty)
        }
    }

    @Test func theCreditLimitStopsAnOrderAndCancellingTakesTheSaleWithIt() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            // 20 bottles at 2.50 = 50.00; the store may owe the DC 40.00.
            try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await store.write("res.partner", ids: [s.storePartner], ["credit_limit": 40])
            }
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.warehouse.orderpoint", "action_replenish", ids: [s.rule])
            let order = try await Self.one(db, "SELECT order_id FROM purchase_order_line WHERE orderpoint_id = \(s.rule)", as: Int64.self)
            let refused = await #expect(throws: ChainstoreError.self) {
                _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "purchase.order", "button_confirm", ids: [order])
            }
            #expect(refused?.message.contains("credit limit of 40.00") == true)
            #expect(try await Self.one(db, "SELECT state || '/' || (SELECT count(*) FROM sale_order) || '/' || (SELECT count(*) FROM stock_picking WHERE purchase_id IS NOT NULL OR sale_id IS NOT NULL) FROM purchase_order WHERE id = \(order)", as: String.self) == "draft/0/0")

            try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await store.write("res.partner", ids: [s.storePartner], ["credit_limit": 100])
            }
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "purchase.order", "button_confirm", ids: [order])
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "purchase.order", "button_cancel", ids: [order])
            let states = try await Self.one(db, """
                SELECT string_agg(state, ',' ORDER BY kind) FROM (
                    SELECT 'a' AS kind, state FROM sale_order UNION ALL SELECT 'b', state FROM stock_picking WHERE sale_id IS NOT NULL
                    UNION ALL SELECT 'c', state FROM stock_picking WHERE purchase_id = \(order)) x
                """, as: String.self)
            #expect(states == "cancel,cancel,cancel")
        }
    }

    /// The weekday field of the day `offset` days from today in China ("monday" …).
    static func weekday(_ db: Database, _ offset: Int) async throws -> (field: String, day: String) {
        try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
            try await tx.query("""
                SELECT (ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday'])[extract(isodow FROM d)::int], to_char(d, 'YYYY-MM-DD')
                FROM (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date + \(offset)::int AS d) x
                """)[0].decode((String, String).self)
        }
    }

    @Test func aStoreCannotOrderPastTheDeadlineAndOrdersGoToTheNextDeliveryDay() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            let tomorrow = try await Self.weekday(db, 1)
            let after = try await Self.weekday(db, 2)
            // Deliveries tomorrow only; orders close the day before at midnight: already closed.
            let (schedule, order) = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                let schedule = try await store.create("replenishment.delivery.schedule", [[
                    "company_id": .int(s.fx.store1), "partner_id": .int(s.dcPartner), .init(tomorrow.field): true, "cutoff_days": 1, "cutoff_hour": 0,
                    "route": "GZ-01",
                ]])[0]
                let order = try await store.create("purchase.order", [[
                    "partner_id": .int(s.dcPartner), "company_id": .int(s.fx.store1),
                    "order_line": [[0, 0, ["product_id": .int(s.product), "product_qty": 6, "date_planned": .string("\(tomorrow.day) 04:00:00")]]],
                ]])[0]
                return (schedule, order)
            }
            let refused = await #expect(throws: ChainstoreError.self) {
                _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "purchase.order", "button_confirm", ids: [order])
            }
            #expect(refused?.message.contains("ordering for delivery on \(tomorrow.day) closed at") == true, "\(refused?.message ?? "")")
            #expect(try await Self.one(db, "SELECT state || '/' || (SELECT count(*) FROM sale_order) FROM purchase_order WHERE id = \(order)", as: String.self) == "draft/0")

            // Deliveries the day after tomorrow, orders until tomorrow 18:00: the order goes to that day.
            try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await store.write("replenishment.delivery.schedule", ids: [schedule], [.init(tomorrow.field): false, .init(after.field): true,
                                                                                          "cutoff_hour": 18])
            }
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "purchase.order", "button_confirm", ids: [order])
            let planned = try await Self.one(db, """
                SELECT to_char(min(l.date_planned) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || ' ' || o.state
                || ' ' || to_char((SELECT commitment_date FROM sale_order WHERE auto_purchase_order_id = o.id) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')
                FROM purchase_order o JOIN purchase_order_line l ON l.order_id = o.id WHERE o.id = \(order) GROUP BY o.id
                """, as: String.self)
            #expect(planned == "\(after.day) 12:00 purchase \(after.day)")
        }
    }

    /// The next delivery day is the first of four weeks whose deadline has not passed, where a
    /// day's deadline is the earliest of the active schedules delivering that weekday: checked
    /// against `replenishment_deadline` day by day for two weeks of first days and sixteen
    /// days of instants, with two schedules on one weekday, one schedule switched off, and a
    /// supplier without any schedule.
    @Test func theNextDeliveryDayIsTheFirstWhoseEarliestDeadlineIsStillAhead() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            let other = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                _ = try await store.create("replenishment.delivery.schedule", [
                    ["company_id": .int(s.fx.store1), "partner_id": .int(s.dcPartner), "monday": true, "thursday": true,
                     "cutoff_days": 1, "cutoff_hour": 18],
                    ["company_id": .int(s.fx.store1), "partner_id": .int(s.dcPartner), "thursday": true, "saturday": true,
                     "cutoff_days": 2, "cutoff_hour": 9.5],
                    ["company_id": .int(s.fx.store1), "partner_id": .int(s.dcPartner), "tuesday": true, "active": false,
                     "cutoff_days": 0, "cutoff_hour": 6],
                ])
                return try await store.create("res.partner", [["name": "No schedule", "is_company": true, "company_id": false]])[0]
            }
            let (agreeing, cases, days, chosen) = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    WITH grid AS (
                        SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date + e AS earliest,
                               date_trunc('day', now()) + a * interval '3 hours 20 minutes' AS at
                        FROM generate_series(0, 13) e, generate_series(0, 115) a),
                    expected AS (
                        SELECT g.earliest, g.at, (SELECT min(d::date) FROM generate_series(g.earliest::timestamp, (g.earliest + 27)::timestamp, interval '1 day') d
                                                  WHERE replenishment_deadline(\(s.fx.store1), \(s.dcPartner), d::date) > g.at) AS day
                        FROM grid g)
                    SELECT count(*) FILTER (WHERE day IS NOT DISTINCT FROM replenishment_next_delivery(\(s.fx.store1), \(s.dcPartner), earliest, at)),
                           count(*), count(DISTINCT day),
                           count(*) FILTER (WHERE replenishment_next_delivery(\(s.fx.store1), \(other), earliest, at) IS NOT NULL)
                    FROM expected
                    """)[0].decode((Int, Int, Int, Int).self)
            }
            #expect(cases == 14 * 116)
            #expect(agreeing == cases)
            #expect(days >= 6, "the grid should reach many different delivery days (three a week), not one")
            #expect(chosen == 0, "a supplier without a schedule has no delivery day")
            // A Tuesday is never chosen (its schedule is off); a Thursday closes at the earlier deadline.
            let (tuesdays, lateThursday) = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    WITH thursday AS (SELECT d FROM generate_series(((now() AT TIME ZONE 'Asia/Shanghai')::date + 7)::timestamp, ((now() AT TIME ZONE 'Asia/Shanghai')::date + 13)::timestamp, interval '1 day') d
                                      WHERE extract(isodow FROM d) = 4)
                    SELECT (SELECT count(*) FROM generate_series(0, 27) e
                            WHERE extract(isodow FROM replenishment_next_delivery(\(s.fx.store1), \(s.dcPartner), (now() AT TIME ZONE 'Asia/Shanghai')::date + e, now())) = 2),
                           (SELECT replenishment_next_delivery(\(s.fx.store1), \(s.dcPartner), d::date,
                                   ((d::date - 2)::timestamp + interval '10 hours') AT TIME ZONE 'Asia/Shanghai') > d::date FROM thursday)
                    """)[0].decode((Int, Bool).self)
            }
            #expect(tuesdays == 0)
            #expect(lateThursday, "past 09:30 two days before, Thursday is closed even though the other schedule's deadline is later")
        }
    }

    @Test func aWaveForOneRoutePicksShipsAndIsReceivedByThreeStores() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            let after = try await Self.weekday(db, 2)
            // Two more stores of the city on the same truck run; each orders 5 × its drop number.
            let stores = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store -> [Int64] in
                var stores = [s.fx.store1]
                for number in 2...3 {
                    let partner = try await store.create("res.partner", [["name": .string("GZ Store \(number) 商户"), "is_company": true, "company_id": false]])[0]
                    let company = try await store.create("res.company", [["name": .string("GZ Store \(number)"), "parent_id": .int(s.fx.city1),
                                                                          "company_kind": "store", "partner_id": .int(partner)]])[0]
                    _ = try await store.create("stock.warehouse", [["name": .string("GZ Store \(number)"), "code": .string("GZ\(number)"), "company_id": .int(company)]])
                    stores.append(company)
                }
                for (index, company) in stores.enumerated() {
                    _ = try await store.create("replenishment.delivery.schedule", [[
                        "company_id": .int(company), "partner_id": .int(s.dcPartner), .init(after.field): true, "cutoff_days": 1, "cutoff_hour": 18,
                        "route": "GZ-01", "sequence": .int(Int64(index + 1)),
                    ]])
                    let order = try await store.create("purchase.order", [[
                        "partner_id": .int(s.dcPartner), "company_id": .int(company),
                        "order_line": [[0, 0, ["product_id": .int(s.product), "product_qty": .int(Int64(5 * (index + 1)))]]],
                    ]])[0]
                    _ = try await store.registry.methods.method("purchase.order", "button_confirm")!.handler(
                        MethodCall(store: store, ids: [order], args: [], kwargs: [:]))
                }
                return stores
            }
            let waves = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await store.registry.methods.method("replenishment.delivery.schedule", "build_waves")!.handler(
                    MethodCall(store: store, ids: [], args: [.string(after.day)], kwargs: [:]))
            }
            let wave = try #require(waves.arrayValue?.first?.intValue)
            #expect(waves.arrayValue?.count == 1)
            let (name, route, isWave, members) = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT b.name, b.description, b.is_wave, (SELECT count(*) FROM stock_picking p WHERE p.batch_id = b.id) FROM stock_picking_batch b WHERE b.id = \(wave)
                    """)[0].decode((String, String, Bool, Int64).self)
            }
            #expect(name.hasPrefix("WAVE/") && route == "GZ-01" && isWave && members == 3)
            let list = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.picking.batch", "pick_list", ids: [wave])
            let first = try #require(list.arrayValue?.first?.dictValue)
            #expect(list.arrayValue?.count == 1 && first["quantity"] == .double(30) && first["location"] == "GZDC/Stock")
            #expect(first["pickings"]?.arrayValue?.count == 3)
            // Built again: nothing new.
            let again = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await store.registry.methods.method("replenishment.delivery.schedule", "build_waves")!.handler(
                    MethodCall(store: store, ids: [], args: [.string(after.day)], kwargs: [:]))
            }
            #expect(again.arrayValue?.isEmpty == true)

            // The DC's GS1 prefix: its wave's deliveries leave on pallets named by SSCCs.
            func setPrefix(_ prefix: String) async throws {
                try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                    try await store.write("res.company", ids: [s.dc], ["gs1_company_prefix": .string(prefix)])
                }
            }
            await #expect(throws: (any Error).self) { try await setPrefix("69012X4") }
            try await setPrefix("6901234")
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.picking.batch", "action_confirm", ids: [wave])
            _ = try await Self.method(db, registry, uid: s.fx.groupAdmin, "stock.picking.batch", "action_done", ids: [wave])
            let pallets = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT p.id, string_agg(DISTINCT pk.name, ','), count(DISTINCT ml.result_package_id) FROM stock_picking p
                    JOIN stock_move_line ml ON ml.picking_id = p.id LEFT JOIN stock_quant_package pk ON pk.id = ml.result_package_id
                    WHERE p.batch_id = \(wave) GROUP BY p.id ORDER BY p.id
                    """).map { try $0.decode((Int64, String, Int64).self) }
            }
            #expect(pallets.count == 3 && pallets.allSatisfy { $0.2 == 1 })
            #expect(Set(pallets.map(\.1)).count == 3)
            #expect(pallets.allSatisfy { $0.1.count == 18 && $0.1.hasPrefix("06901234") && CheckDigit.isValidGS1($0.1) }, "\(pallets)")
            #expect(try await Self.one(db, "SELECT sscc_last_serial FROM res_company WHERE id = \(s.dc)", as: Int64.self) == 3)
            #expect(try Pallets.sscc(prefix: "6901234", serial: 1) == "069012340000000016")
            #expect(try await Self.one(db, "SELECT state || '/' || (SELECT string_agg(DISTINCT state, ',') FROM stock_picking WHERE batch_id = \(wave)) FROM stock_picking_batch WHERE id = \(wave)", as: String.self) == "done/done")
            // Each store receives its goods.
            let receipts = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("SELECT id FROM stock_picking WHERE purchase_id IS NOT NULL ORDER BY id").map { try $0.decode(Int64.self) }
            }
            #expect(receipts.count == 3)
            // The first store receives its pallet whole with one scan of its SSCC.
            let firstPallet = try await Self.one(db, """
                SELECT pk.name FROM stock_move_line ml JOIN stock_quant_package pk ON pk.id = ml.result_package_id
                WHERE ml.picking_id = \(receipts[0]) AND ml.package_id = ml.result_package_id LIMIT 1
                """, as: String.self)
            #expect(firstPallet == pallets[0].1)
            let scanned = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await WarehouseScan.handle(store, cache: CatalogueCache(), database: db, operation: .receive, code: "(00)" + firstPallet,
                                               action: nil, state: .init(), today: GS1Date(year: 2026, month: 6, day: 15)!)
            }
            #expect(scanned.kind == "pallet" && scanned.state.pickingId == receipts[0], "\(scanned.message)")
            #expect(scanned.lines?.first?.dictValue?["done"]?.doubleValue == 5)
            // Shipped through the DC's transit, each to its own place: every store's receipt is ready.
            #expect(try await Self.one(db, """
                SELECT string_agg(DISTINCT r.state, ',') || '/' || count(DISTINCT r.location_id) FROM stock_picking r
                JOIN stock_location l ON l.id = r.location_id AND l.usage = 'transit' AND l.dest_company_id = r.company_id
                WHERE r.id = ANY(\(receipts))
                """, as: String.self) == "assigned/3")
            try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                let moves = try await store.search("stock.move", domain: .leaf("picking_id", .in, .array(receipts.map(Value.int))))
                for move in try await store.read("stock.move", ids: moves, fields: ["product_uom_qty"], load: .classicWrite) {
                    try await store.write("stock.move", ids: [move["id"]!.intValue!], ["quantity": move["product_uom_qty"]!])
                }
                _ = try await store.registry.methods.method("stock.picking", "button_validate")!.handler(
                    MethodCall(store: store, ids: receipts, args: [], kwargs: [:]))
            }
            let balances = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT l.company_id, sum(q.quantity)::float8 FROM stock_quant q JOIN stock_location l ON l.id = q.location_id
                    WHERE q.product_id = \(s.product) AND l.usage = 'internal' GROUP BY l.company_id
                    """).map { try $0.decode((Int64, Double).self) }
            }
            #expect(Dictionary(uniqueKeysWithValues: balances) == [s.dc: 70, stores[0]: 5, stores[1]: 10, stores[2]: 15])
            let differences = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in try await StockCheck.run(tx) }
            #expect(differences.isEmpty)
        }
    }
}
