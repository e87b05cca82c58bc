import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import PostgresNIO
import Purchase
import Stock
import Testing

/// The reordering run: a store's order from its own sales history, computed exactly; a second
/// run the same day orders nothing; the scheduled run over every company; stores never see
/// each other's rules or orders.
@Suite("Purchase: reordering from sales velocity", .enabled(if: TestDatabase.isAvailable))
struct ReorderingTests {
    struct Setup {
        let fx: GroupFixture
        let stock: Int64, sales: Int64, product: Int64, vendor: Int64, rule: Int64
    }

    /// The group's day in Asia/Shanghai, `offset` days from today, as "YYYY-MM-DD".
    static func day(_ offset: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let date = calendar.date(byAdding: .day, value: offset, to: Date())!
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    /// Store 1 with a warehouse, a product bought from a vendor (3.00, two days), and a
    /// velocity rule on the store's stock: a week of sales, five days to the next delivery,
    /// 95 % service, cases of six.
    static func setup(_ db: Database, _ registry: Registry) async throws -> Setup {
        let fx = try await GroupFixture.make(db, registry)
        return try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
            let warehouse = try await store.create("stock.warehouse", [["name": "GZ Store 1", "code": "GZ1", "company_id": .int(fx.store1)]])[0]
            let places = try await store.read("stock.warehouse", ids: [warehouse], fields: ["lot_stock_id", "out_type_id"], load: .classicWrite)[0]
            let vendor = try await store.create("res.partner", [["name": "华南饮料供应链有限公司", "is_company": true]])[0]
            let product = try await store.create("product.product", [["name": "矿泉水 550ml", "type": "product", "list_price": 2]])[0]
            let template = try await store.read("product.product", ids: [product], fields: ["product_tmpl_id"], load: .classicWrite)[0]["product_tmpl_id"]!
            _ = try await store.create("product.supplierinfo", [["partner_id": .int(vendor), "product_tmpl_id": template, "price": 3, "delay": 2]])
            let rule = try await store.create("stock.warehouse.orderpoint", [[
                "product_id": .int(product), "warehouse_id": .int(warehouse), "location_id": places["lot_stock_id"]!, "company_id": .int(fx.store1),
                "replenish_method": "velocity", "velocity_weeks": 1, "review_days": 5, "service_factor": 1.65, "qty_multiple": 6,
            ]])[0]
            return Setup(fx: fx, stock: places["lot_stock_id"]!.intValue!, sales: places["out_type_id"]!.intValue!, product: product,
                         vendor: vendor, rule: rule)
        }
    }

    /// Sells `quantity` (takes it back when negative) at the store, dated `day` at noon, China time.
    static func sell(_ db: Database, _ registry: Registry, _ s: Setup, _ quantity: Decimal, on day: String) async throws {
        try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser1) { store in
            let moves = try await SaleStock.post(store.asSystem(reason: "test sales history"),
                                                 lines: [.init(product: s.product, quantity: quantity)], type: s.sales, reference: "sale \(day)")
            try await store.tx.query("UPDATE stock_move SET date = (\(day)::date + time '12:00') AT TIME ZONE 'Asia/Shanghai' WHERE id = ANY(\(moves))")
        }
    }

    static func proposal(_ db: Database, _ registry: Registry, uid: Int64, _ rule: Int64) async throws -> RecordValues {
        try await GroupFixture.asUser(db, registry, uid: uid) { store in
            try await store.read("stock.warehouse.orderpoint", ids: [rule], fields: [
                "qty_on_hand", "qty_forecast", "qty_to_order", "lead_days", "daily_sales", "daily_sales_deviation", "order_up_to",
            ], load: .classicWrite)[0]
        }
    }

    static func lines(_ db: Database, rule: Int64) async throws -> [(Int64, Decimal, Decimal, String)] {
        try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
            try await tx.query("""
                SELECT l.order_id, l.product_qty, l.price_unit, to_char(l.date_planned AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')
                FROM purchase_order_line l WHERE l.orderpoint_id = \(rule) ORDER BY l.id
                """).map { try $0.decode((Int64, Decimal, Decimal, String).self) }
        }
    }

    static func number(_ value: Value?) -> Double { value?.doubleValue ?? .nan }

    @Test func aStoresOrderFollowsItsSalesExactlyAndASecondRunOrdersNothing() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            // 20 on the shelf long ago (a customer's return, outside the window), then a week of sales.
            try await Self.sell(db, registry, s, -20, on: Self.day(-60))
            let week: [Decimal] = [3, 0, 5, 2, 4, 0, 7]
            for (offset, quantity) in week.enumerated() where quantity != 0 {
                try await Self.sell(db, registry, s, quantity, on: Self.day(offset - 7))
            }
            try await Self.sell(db, registry, s, -1, on: Self.day(-3))  // one back on the fifth day
            try await Self.sell(db, registry, s, 12, on: Self.day(-8))  // before the window
            try await Self.sell(db, registry, s, 9, on: Self.day(0))    // today: not a whole day yet

            // The same figures by hand: days without sales count as zero.
            let daily: [Double] = [3, 0, 5, 2, 3, 0, 7]
            let ads = daily.reduce(0, +) / 7
            let sd = (daily.map { $0 * $0 }.reduce(0, +) / 7 - ads * ads).squareRoot()
            let horizon = 2.0 + 5.0  // the vendor's lead time + the days to the next delivery
            let upTo = ((ads * horizon + 1.65 * sd * horizon.squareRoot()) * 1000).rounded() / 1000
            let onHand = 20.0 - 42 + 1
            let expected = ((upTo - onHand) / 6).rounded(.up) * 6

            let read = try await Self.proposal(db, registry, uid: s.fx.storeUser1, s.rule)
            #expect(Self.number(read["qty_on_hand"]) == onHand)
            #expect(Self.number(read["qty_forecast"]) == onHand)
            #expect(abs(Self.number(read["daily_sales"]) - ads) < 0.00005)
            #expect(abs(Self.number(read["daily_sales_deviation"]) - sd) < 0.00005)
            #expect(Self.number(read["order_up_to"]) == upTo)
            #expect(Self.number(read["lead_days"]) == 2)
            #expect(Self.number(read["qty_to_order"]) == expected)

            let first = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await Reordering.order(store, rules: [s.rule])
            }
            #expect(first == Reordering.Outcome(rules: 1, lines: 1, orders: 1, exceptions: 0))
            let ordered = try await Self.lines(db, rule: s.rule)
            #expect(ordered.count == 1)
            #expect(ordered.first.map { $0.1 == Decimal(expected) && $0.2 == 3 && $0.3 == "\(Self.day(2)) 12:00" } == true)

            // The request for quotation is in the forecast now: nothing more to order, today or
            // through the scheduled run over every company.
            let after = try await Self.proposal(db, registry, uid: s.fx.storeUser1, s.rule)
            #expect(Self.number(after["qty_forecast"]) == onHand + expected)
            #expect(Self.number(after["qty_to_order"]) == 0)
            let second = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                try await Reordering.order(store, rules: [s.rule])
            }
            #expect(second.lines == 0 && second.orders == 0)
            let node = NodeContext(registry: registry, databases: TenantJobsTests.Tenants(main: db, all: [db]), identity: BaseIdentity(),
                                   logger: TestDatabase.logger)
            let scheduled = try await Reordering.runAll(JobContext(database: db, node: node, logger: TestDatabase.logger))
            #expect(scheduled.rules == 1 && scheduled.lines == 0)
            #expect(try await Self.lines(db, rule: s.rule).count == 1)
        }
    }

    @Test func theScheduledRunOrdersForEveryStoreAndStoresSeeOnlyTheirOwn() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            // Store 2 with its own warehouse and a min/max rule for the same product, bought
            // from the rule's own vendor (a second one, dearer and listed after the first).
            let (rule2, ownVendor) = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                let warehouse = try await store.create("stock.warehouse", [["name": "SZ Store 1", "code": "SZ1", "company_id": .int(s.fx.store2)]])[0]
                let vendor = try await store.create("res.partner", [["name": "深圳副食品批发有限公司", "is_company": true]])[0]
                let template = try await store.read("product.product", ids: [s.product], fields: ["product_tmpl_id"], load: .classicWrite)[0]["product_tmpl_id"]!
                let price = try await store.create("product.supplierinfo", [[
                    "partner_id": .int(vendor), "product_tmpl_id": template, "price": 4, "delay": 1, "sequence": 20,
                ]])[0]
                let rule = try await store.create("stock.warehouse.orderpoint", [[
                    "product_id": .int(s.product), "warehouse_id": .int(warehouse), "company_id": .int(s.fx.store2),
                    "product_min_qty": 4, "product_max_qty": 10, "supplier_id": .int(price),
                ]])[0]
                return (rule, vendor)
            }
            // The velocity rule of store 1 with no sales orders nothing (S = 0); store 2 is empty.
            let node = NodeContext(registry: registry, databases: TenantJobsTests.Tenants(main: db, all: [db]), identity: BaseIdentity(),
                                   logger: TestDatabase.logger)
            let run = try await Reordering.runAll(JobContext(database: db, node: node, logger: TestDatabase.logger))
            #expect(run == Reordering.Outcome(rules: 2, lines: 1, orders: 1, exceptions: 0))
            #expect(try await Self.lines(db, rule: rule2).map(\.1) == [10])
            #expect(try await Self.lines(db, rule: s.rule).isEmpty)
            let (vendor2, price2) = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT o.partner_id, l.price_unit::text FROM purchase_order_line l JOIN purchase_order o ON o.id = l.order_id WHERE l.orderpoint_id = \(rule2)
                    """)[0].decode((Int64, String).self)
            }
            #expect(vendor2 == ownVendor && price2 == "4.0000")
            // The run left PostgreSQL's statistics knowing the lines it wrote into a table never
            // analysed (plans made for an empty table read every order for each line).
            let known = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query("SELECT reltuples::float8 FROM pg_class WHERE oid = 'purchase_order_line'::regclass")[0].decode(Double.self)
            }
            #expect(known >= 1)

            // Each store sees its own rule and order; store 1 neither lists nor reads store 2's.
            let order2 = try await Self.lines(db, rule: rule2)[0].0
            let (rules1, orders1) = try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser1) { store in
                (try await store.search("stock.warehouse.orderpoint", domain: .all), try await store.search("purchase.order", domain: .all))
            }
            #expect(rules1 == [s.rule] && orders1.isEmpty)
            await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser1) { store in
                    _ = try await store.read("purchase.order", ids: [order2], fields: ["name"])
                }
            }
            await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser1) { store in
                    _ = try await store.read("stock.warehouse.orderpoint", ids: [rule2], fields: ["qty_to_order"])
                }
            }
            let orders2 = try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser2) { store in
                try await store.search("purchase.order", domain: .all)
            }
            #expect(orders2 == [order2])
            // The city manager of store 1 sees store 1's rule only.
            let cityRules = try await GroupFixture.asUser(db, registry, uid: s.fx.cityUser) { store in
                try await store.search("stock.warehouse.orderpoint", domain: .all)
            }
            #expect(cityRules == [s.rule])

            // A snoozed rule sits the scheduled run out; a stale exception on a rule the run
            // evaluates is cleared.
            _ = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    UPDATE stock_warehouse_orderpoint SET snoozed_until = CASE WHEN id = \(rule2) THEN current_date + 30 END,
                        procure_exception = CASE WHEN id = \(s.rule) THEN 'stale' END WHERE id IN (\(rule2), \(s.rule))
                    """)
            }
            let later = try await Reordering.runAll(JobContext(database: db, node: node, logger: TestDatabase.logger))
            #expect(later == Reordering.Outcome(rules: 1, lines: 0, orders: 0, exceptions: 0))
            let exception = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query("SELECT procure_exception FROM stock_warehouse_orderpoint WHERE id = \(s.rule)")[0].decode(String?.self)
            }
            #expect(exception == nil)
        }
    }

    /// Rules list in Odoo's default order (`location_id, company_id, id`: the location's full
    /// name, then its id), read from the name the rule keeps: two locations of one name sort by
    /// id, not by company; a renamed parent location and a rule moved to another location
    /// re-sort the list; `location_id desc` reverses both keys.
    @Test func rulesListInTheirLocationsOrderAfterRenamesAndMoves() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let rules = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                // Store 2's warehouse first: its "ZZ1/Stock" has the lower id and the higher company.
                let warehouses = try await store.create("stock.warehouse", [
                    ["name": "SZ Store 1", "code": "ZZ1", "company_id": .int(fx.store2)], ["name": "GZ Store 1", "code": "ZZ1", "company_id": .int(fx.store1)],
                ])
                let places = try await store.read("stock.warehouse", ids: warehouses, fields: ["lot_stock_id", "view_location_id"], load: .classicWrite)
                let (stock2, stock1) = (places[0]["lot_stock_id"]!, places[1]["lot_stock_id"]!)
                let shelves = try await store.create("stock.location", [
                    ["name": "Shelf", "location_id": stock1, "usage": "internal", "company_id": .int(fx.store1)],
                    ["name": "Zone", "location_id": stock1, "usage": "internal", "company_id": .int(fx.store1)],
                ])
                let products = try await store.create("product.product", [["name": "矿泉水 550ml", "type": "product"], ["name": "绿茶 500ml", "type": "product"]])
                let made = try await store.create("stock.warehouse.orderpoint", [
                    ["product_id": .int(products[0]), "warehouse_id": .int(warehouses[1]), "location_id": stock1, "company_id": .int(fx.store1)],
                    ["product_id": .int(products[0]), "warehouse_id": .int(warehouses[0]), "location_id": stock2, "company_id": .int(fx.store2)],
                    ["product_id": .int(products[1]), "warehouse_id": .int(warehouses[1]), "location_id": .int(shelves[0]), "company_id": .int(fx.store1)],
                ])
                let names = try await store.read("stock.location", ids: [stock2.intValue!, stock1.intValue!], fields: ["complete_name"], load: .classicWrite)
                #expect(names.map { $0["complete_name"]?.stringValue } == ["ZZ1/Stock", "ZZ1/Stock"])
                return (a: made[0], b: made[1], c: made[2], zone: shelves[1], view2: places[0]["view_location_id"]!.intValue!)
            }
            func listed(_ order: String? = nil, uid: Int64? = nil) async throws -> [Int64] {
                try await GroupFixture.asUser(db, registry, uid: uid ?? fx.groupAdmin) { store in
                    try await store.search("stock.warehouse.orderpoint", domain: .all, order: order)
                }
            }
            #expect(try await listed() == [rules.b, rules.a, rules.c])
            #expect(try await listed("location_id desc") == [rules.c, rules.a, rules.b])
            #expect(try await listed(uid: fx.cityUser) == [rules.a, rules.c])

            // Store 2's view location renamed: its stock is now "ZZ2/Stock", after store 1's.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.write("stock.location", ids: [rules.view2], ["name": "ZZ2"])
            }
            #expect(try await listed() == [rules.a, rules.c, rules.b])
            // Rule a moved to "ZZ1/Stock/Zone", after the shelf.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.write("stock.warehouse.orderpoint", ids: [rules.a], ["location_id": .int(rules.zone)])
            }
            #expect(try await listed() == [rules.c, rules.a, rules.b])
            #expect(try await listed("location_id desc, id") == [rules.b, rules.a, rules.c])
        }
    }

    /// Order lines list in Odoo's default order (`order_id, sequence, id`, the order by its own
    /// order: a purchase order's priority desc and id desc, a sale order's date desc and id
    /// desc), read from the key each line keeps: a starred purchase order's lines come first,
    /// a sale order dated later comes first, and `order_id desc` reverses both keys.
    @Test func orderLinesListInTheirOrdersOrderAfterPriorityAndDateChanges() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let warehouse = try await store.create("stock.warehouse", [["name": "GZ Store 1", "code": "GZ1", "company_id": .int(fx.store1)]])[0]
                let incoming = try await store.search("stock.picking.type", domain: .and([
                    .leaf("warehouse_id", .equal, .int(warehouse)), .leaf("code", .equal, "incoming")]))[0]
                let partner = try await store.create("res.partner", [["name": "华南饮料供应链有限公司", "is_company": true]])[0]
                let products = try await store.create("product.product", [["name": "矿泉水 550ml", "type": "product"], ["name": "绿茶 500ml", "type": "product"]])
                // Each order's second line comes first by sequence.
                func lines(_ quantity: String) -> Value {
                    [[0, 0, ["product_id": .int(products[0]), quantity: 1, "price_unit": 2, "sequence": 20]],
                     [0, 0, ["product_id": .int(products[1]), quantity: 1, "price_unit": 3, "sequence": 10]]]
                }
                func listed(_ model: String, _ order: String? = nil) async throws -> [Int64] {
                    try await store.search(model, domain: .all, order: order)
                }
                func linesOf(_ model: String, _ order: Int64) async throws -> [Int64] {
                    let ids = try await store.search(model, domain: .leaf("order_id", .equal, .int(order)), order: "id")
                    return [ids[1], ids[0]]
                }

                let purchases = try await store.create("purchase.order", [
                    ["partner_id": .int(partner), "company_id": .int(fx.store1), "picking_type_id": .int(incoming), "order_line": lines("product_qty")],
                    ["partner_id": .int(partner), "company_id": .int(fx.store1), "picking_type_id": .int(incoming), "order_line": lines("product_qty")],
                ])
                let (older, newer) = (try await linesOf("purchase.order.line", purchases[0]), try await linesOf("purchase.order.line", purchases[1]))
                #expect(try await listed("purchase.order.line") == newer + older)
                try await store.write("purchase.order", ids: [purchases[0]], ["priority": "1"])
                #expect(try await listed("purchase.order.line") == older + newer)
                #expect(try await listed("purchase.order.line", "order_id desc, sequence, id") == newer + older)

                let sales = try await store.create("sale.order", [
                    ["partner_id": .int(partner), "company_id": .int(fx.store1), "date_order": "2026-05-01 10:00:00", "order_line": lines("product_uom_qty")],
                    ["partner_id": .int(partner), "company_id": .int(fx.store1), "date_order": "2026-05-02 10:00:00", "order_line": lines("product_uom_qty")],
                ])
                let (earlier, later) = (try await linesOf("sale.order.line", sales[0]), try await linesOf("sale.order.line", sales[1]))
                #expect(try await listed("sale.order.line") == later + earlier)
                try await store.write("sale.order", ids: [sales[0]], ["date_order": "2026-05-03 10:00:00"])
                #expect(try await listed("sale.order.line") == earlier + later)
                #expect(try await listed("sale.order.line", "order_id desc, sequence, id") == later + earlier)
            }
        }
    }
    /// A purchase order line's company is its order's, kept by one key over both: a line cannot
    /// be given another company, follows its order to another company, goes with its order, and
    /// the schema check still finds both columns keyed (and reports them when the key is gone).
    @Test func aLinesCompanyIsItsOrdersThroughOneKey() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let (order, line) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store throws in
                let warehouse = try await store.create("stock.warehouse", [["name": "GZ Store 1", "code": "GZ1", "company_id": .int(fx.store1)]])[0]
                let incoming = try await store.search("stock.picking.type", domain: .and([
                    .leaf("warehouse_id", .equal, .int(warehouse)), .leaf("code", .equal, "incoming")]))[0]
                let partner = try await store.create("res.partner", [["name": "华南饮料供应链有限公司", "is_company": true]])[0]
                let product = try await store.create("product.product", [["name": "矿泉水 550ml", "type": "product"]])[0]
                let order = try await store.create("purchase.order", [[
                    "partner_id": .int(partner), "company_id": .int(fx.store1), "picking_type_id": .int(incoming),
                    "order_line": [[0, 0, ["product_id": .int(product), "product_qty": 3, "price_unit": 2]]],
                ]])[0]
                let line = try await store.search("purchase.order.line", domain: .leaf("order_id", .equal, .int(order)))[0]
                let read = try await store.read("purchase.order.line", ids: [line], fields: ["company_id"], load: .classicWrite)
                #expect(read[0]["company_id"] == .int(fx.store1))
                return (order, line)
            }
            /// Statements run in one transaction; the last one's rows.
            @Sendable func sql(_ statements: SQLBuilder...) async throws -> [PostgresRow] {
                try await db.transaction(logger: TestDatabase.logger) { tx in
                    var rows: [PostgresRow] = []
                    for statement in statements { rows = try await tx.query(statement) }
                    return rows
                }
            }
            func company(_ line: Int64) async throws -> Int64 {
                try await sql("SELECT company_id FROM purchase_order_line WHERE id = \(line)")[0].decode(Int64.self)
            }
            // Written by hand to another company: realigned by the line's trigger, or refused by the key.
            _ = try await sql("UPDATE purchase_order_line SET company_id = \(fx.store2) WHERE id = \(line)")
            #expect(try await company(line) == fx.store1)
            await #expect(throws: (any Error).self) {
                _ = try await sql("ALTER TABLE purchase_order_line DISABLE TRIGGER purchase_order_line_moved",
                                  "UPDATE purchase_order_line SET company_id = \(fx.store2) WHERE id = \(line)")
            }
            // The order moves to another company: its line follows.
            _ = try await sql("UPDATE purchase_order SET company_id = \(fx.store2) WHERE id = \(order)")
            #expect(try await company(line) == fx.store2)
            #expect(try await SchemaCheckTests.problems(db, registry).isEmpty)
            // Gone with its order.
            _ = try await sql("DELETE FROM purchase_order WHERE id = \(order)")
            #expect(try await sql("SELECT count(*) FROM purchase_order_line WHERE id = \(line)")[0].decode(Int64.self) == 0)
            _ = try await sql("ALTER TABLE purchase_order_line DROP CONSTRAINT purchase_order_line_order_company_fkey")
            let unkeyed = try await SchemaCheckTests.problems(db, registry)
            #expect(Set(unkeyed) == ["purchase.order.line.company_id: no foreign key", "purchase.order.line.order_id: no foreign key"], "\(unkeyed)")
        }
    }
}
