import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import OrderedCollections
import PostgresNIO
import Stock
import Testing

/// A sale at the till as the server takes it: priced as the scan path prices it, discounts and
/// hand-set prices within the cashier's rights, refunds bounded by what was sold, receipts
/// numbered without gaps, goods out of the store's stock at once; and the end of the shift:
/// no closing while a till holds orders, the cash count, the X and Z reports.
@Suite("POS: sales, stock, refunds and closing", .enabled(if: TestDatabase.isAvailable))
struct POSSaleTests {
    typealias Setup = POSIngestTests.Setup

    struct Line {
        var qty: Double = 2, price: Double = 11.3, discount: Double = 0, incl: Double? = nil
        var refunded: Int64? = nil, manual = false, reason: String? = nil
    }

    /// An order of `lines` of the setup's product, paid exactly in cash (or given back).
    static func order(_ s: Setup, key: String, _ lines: [Line], total: Double? = nil) -> Value {
        var sum = 0.0
        let sent: [Value] = lines.enumerated().map { index, line in
            let incl = line.incl ?? ((line.qty * line.price * (100 - line.discount) / 100) * 100).rounded() / 100
            sum += incl
            var fields: OrderedDictionary<String, Value> = [
                "uuid": .string("\(key)-\(index)"), "product_id": .int(s.product), "qty": .double(line.qty), "price_unit": .double(line.price),
                "discount": .double(line.discount), "price_subtotal_incl": .double(incl),
            ]
            if let refunded = line.refunded { fields["refunded_orderline_id"] = .int(refunded) }
            if line.manual { fields["price_manually_set"] = true }
            if let reason = line.reason { fields["discount_reason"] = .string(reason) }
            return .array([0, 0, .dict(fields)])
        }
        let amount = total ?? sum
        return .dict(["data": .dict([
            "uid": .string(key), "pos_session_id": .int(s.session), "date_order": "2026-12-04 02:15:09", "amount_total": .double(amount),
            "amount_paid": .double(amount), "amount_return": 0, "lines": .array(sent), "access_token": .string(key),
            "statement_ids": .array([.array([0, 0, .dict(["payment_method_id": .int(s.cash), "amount": .double(amount)])])]),
        ])])
    }

    static func sync(_ db: Database, _ registry: Registry, _ s: Setup, _ order: Value) async throws -> OrderedDictionary<String, Value> {
        try await POSIngestTests.sync(db, registry, s, [order]).first ?? [:]
    }

    static func call(_ db: Database, _ registry: Registry, uid: Int64, _ model: String, _ method: String, ids: [Int64], _ args: [Value]) async throws -> Value {
        try await GroupFixture.asUser(db, registry, uid: uid) { store in
            try await store.registry.methods.method(model, method)!.handler(MethodCall(store: store, ids: ids, args: args, kwargs: [:]))
        }
    }

    static func rows<T: Sendable>(_ db: Database, _ sql: SQLBuilder, _ decode: @escaping @Sendable (PostgresRow) throws -> T) async throws -> [T] {
        try await db.withoutTransaction(logger: TestDatabase.logger) { tx in try await tx.query(sql).map(decode) }
    }

    @Test func aSaleLeavesTheStoresStockAtOnceAndReceiptsAreNumberedWithoutGaps() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await POSIngestTests.setup(db, registry)
            let first = try await Self.sync(db, registry, s, Self.order(s, key: "a", [Line()]))
            #expect(first["status"] == "created")
            // A refused order in between takes no number.
            let refused = try await Self.sync(db, registry, s, Self.order(s, key: "b", [Line(price: 9.9)]))
            #expect(refused["status"] == "rejected")
            let third = try await Self.sync(db, registry, s, Self.order(s, key: "c", [Line(qty: 1), Line(qty: 3)]))
            #expect(third["status"] == "created")
            let numbers = try await Self.rows(db, "SELECT session_seq, name FROM pos_order WHERE session_id = \(s.session) ORDER BY id") { try $0.decode((Int, String).self) }
            #expect(numbers.map(\.0) == [1, 2])
            #expect(numbers[0].1.hasSuffix("-0001") && numbers[1].1.hasSuffix("-0002") && numbers[0].1.hasPrefix("POS/"))
            // Server amounts: 11.30 a bottle, VAT 13% included.
            let amounts = try await Self.rows(db, "SELECT amount_total::text, amount_tax::text FROM pos_order WHERE access_token = 'c'") { try $0.decode((String, String).self) }
            #expect(amounts.first.map { Decimal(string: $0.0) == 45.2 && Decimal(string: $0.1) == 5.2 } == true)
            // Six bottles left the store's stock (which had none: a till never refuses a sale).
            let moves = try await Self.rows(db, """
                SELECT sum(m.quantity)::text, count(*), bool_and(m.state = 'done'), bool_and(m.location_dest_id = 3) FROM stock_move m
                JOIN pos_config c ON c.picking_type_id = m.picking_type_id WHERE c.id = \(s.till)
                """) { try $0.decode((String, Int, Bool, Bool).self) }
            #expect(moves.first.map { Decimal(string: $0.0) == 6 && $0.1 == 3 && $0.2 && $0.3 } == true)
            let (differences, shortfalls) = try await db.transaction(logger: TestDatabase.logger) { tx in
                (try await StockCheck.run(tx), try await StockCheck.shortfalls(tx))
            }
            #expect(differences.isEmpty)
            #expect(shortfalls.count == 1 && shortfalls.first?.productId == s.product && shortfalls.first?.quantity == -6)
            #expect(shortfalls.first?.location.hasSuffix("/Stock") == true)
            // Valued out at the product's cost, one layer per move.
            let layers = try await Self.rows(db, "SELECT count(*) FROM stock_valuation_layer WHERE product_id = \(s.product) AND quantity < 0") { try $0.decode(Int.self) }
            #expect(layers == [3])
        }
    }

    @Test func pricesDiscountsAndHandSetPricesStayWithinTheCashiersRights() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await POSIngestTests.setup(db, registry)
            // A unit price that is not the price list's: refused and kept for review, with why.
            let wrong = try await Self.sync(db, registry, s, Self.order(s, key: "p1", [Line(price: 10)]))
            #expect(wrong["status"] == "rejected" && wrong["error"]?.stringValue?.contains("11.3") == true)
            // So is a total that is not the sum of the lines, and an amount that is not the price with its taxes.
            let total = try await Self.sync(db, registry, s, Self.order(s, key: "p2", [Line()], total: 20))
            #expect(total["status"] == "rejected")
            let amount = try await Self.sync(db, registry, s, Self.order(s, key: "p3", [Line(incl: 20)]))
            #expect(amount["status"] == "rejected")
            let kept = try await Self.rows(db, "SELECT access_token, reason FROM pos_order_conflict ORDER BY id") { try $0.decode((String, String).self) }
            #expect(kept.map(\.0) == ["p1", "p2", "p3"])
            // Sent again, a refused order is kept once.
            _ = try await Self.sync(db, registry, s, Self.order(s, key: "p1", [Line(price: 10)]))
            #expect(try await Self.rows(db, "SELECT count(*) FROM pos_order_conflict") { try $0.decode(Int.self) } == [3])
            // A 5% discount is within the cashier's 10%; 20% needs a POS manager.
            let five = try await Self.sync(db, registry, s, Self.order(s, key: "d1", [Line(discount: 5, reason: "dented")]))
            #expect(five["status"] == "created")
            let line = try await Self.rows(db, "SELECT l.price_subtotal_incl::text, l.discount_reason FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id WHERE o.access_token = 'd1'") { try $0.decode((String, String?).self) }
            #expect(line.first.map { Decimal(string: $0.0) == 21.47 && $0.1 == "dented" } == true)
            let twenty = try await Self.sync(db, registry, s, Self.order(s, key: "d2", [Line(discount: 20)]))
            #expect(twenty["status"] == "rejected" && twenty["error"]?.stringValue?.contains("limit") == true)
            // A price set by hand: refused from a cashier on a till that restricts prices.
            let manual = try await Self.sync(db, registry, s, Self.order(s, key: "m1", [Line(price: 9.9, manual: true)]))
            #expect(manual["status"] == "rejected")
            // The cashier made a POS manager: both go through (another content, another key).
            _ = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    INSERT INTO res_groups_users_rel (gid, uid) SELECT id, \(s.fx.storeUser1) FROM res_groups WHERE xmlid = 'point_of_sale.group_pos_manager'
                    """)
            }
            #expect(try await Self.sync(db, registry, s, Self.order(s, key: "d3", [Line(discount: 20)]))["status"] == "created")
            #expect(try await Self.sync(db, registry, s, Self.order(s, key: "m2", [Line(price: 9.9, manual: true)]))["status"] == "created")
        }
    }

    @Test func aRefundIsBoundedByWhatWasSoldAndNotYetReturned() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await POSIngestTests.setup(db, registry)
            _ = try await Self.sync(db, registry, s, Self.order(s, key: "sale", [Line(qty: 2)]))
            let sold = try #require(try await Self.rows(db, "SELECT l.id FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id WHERE o.access_token = 'sale'") { try $0.decode(Int64.self) }.first)
            let back = try await Self.sync(db, registry, s, Self.order(s, key: "r1", [Line(qty: -1, refunded: sold)]))
            #expect(back["status"] == "created" && back["name"]?.stringValue?.hasSuffix("REFUND") == true)
            // Two more would be three of two sold.
            let tooMany = try await Self.sync(db, registry, s, Self.order(s, key: "r2", [Line(qty: -2, refunded: sold)]))
            #expect(tooMany["status"] == "rejected" && tooMany["error"]?.stringValue?.contains("only 1") == true)
            // Goods back without naming the sale: refused.
            let loose = try await Self.sync(db, registry, s, Self.order(s, key: "r3", [Line(qty: -1)]))
            #expect(loose["status"] == "rejected")
            let refunded = try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser1) { store in
                try await store.read("pos.order.line", ids: [sold], fields: ["refunded_qty"])[0]["refunded_qty"]
            }
            #expect(refunded?.doubleValue == 1)
            // One bottle came back into the store: −2 + 1.
            let shortfalls = try await db.transaction(logger: TestDatabase.logger) { tx in try await StockCheck.shortfalls(tx) }
            #expect(shortfalls.first?.quantity == -1)
        }
    }

    @Test func aSessionClosesOnlyWithEveryOrderInAndItsReportEqualsTheOrders() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await POSIngestTests.setup(db, registry)
            let cashier = s.fx.storeUser1
            _ = try await Self.sync(db, registry, s, Self.order(s, key: "o1", [Line(qty: 2)]))
            _ = try await Self.sync(db, registry, s, Self.order(s, key: "o2", [Line(qty: 1, discount: 10)]))
            _ = try await Self.call(db, registry, uid: cashier, "pos.session", "try_cash_in_out", ids: [s.session], ["out", 20, "bank deposit 缴款"])
            // A till still holds three orders: no closing, and the message says so.
            let held = try await Self.call(db, registry, uid: cashier, "pos.session", "report_unsynced", ids: [s.session], ["till-A", 3])
            #expect(held == .int(3))
            await #expect(throws: ChainstoreError.self) {
                _ = try await Self.call(db, registry, uid: cashier, "pos.session", "action_pos_session_closing_control", ids: [s.session], [])
            }
            do {
                _ = try await Self.call(db, registry, uid: cashier, "pos.session", "update_closing_control_state_session", ids: [s.session], [""])
                Issue.record("closing went through while a till held orders")
            } catch let error as ChainstoreError {
                #expect(error.message.contains("3 orders not synced"))
            }
            _ = try await Self.call(db, registry, uid: cashier, "pos.session", "report_unsynced", ids: [s.session], ["till-A", 0])
            // The X report: the orders, by method, cash expected = float 0 + 22.60 + 10.17 − 20.
            let x = try await Self.call(db, registry, uid: cashier, "pos.session", "get_sale_details", ids: [s.session], []).dictValue ?? [:]
            #expect(x["report"] == "X" && x["nbr_orders"] == .int(2))
            #expect(x["currency"]?.dictValue?["total_paid"]?.doubleValue == 32.77)
            let cash = x["payments"]?.arrayValue?.first?.dictValue ?? [:]
            #expect(cash["total"]?.doubleValue == 32.77 && cash["final_count"]?.doubleValue == 12.77)
            #expect(x["discount_number"] == .int(1) && x["discount_amount"]?.doubleValue == 1.13)
            #expect(x["taxes_info"]?.dictValue?["tax_amount"]?.doubleValue == 3.77)
            // Counted 12.00: a difference needs a reason.
            let bare = try await Self.call(db, registry, uid: cashier, "pos.session", "post_closing_cash_details", ids: [s.session], [12])
            #expect(bare.dictValue?["successful"] == false)
            let explained = try await Self.call(db, registry, uid: cashier, "pos.session", "post_closing_cash_details", ids: [s.session], [12, "coins short"])
            // Above the till's authorised difference (0): a POS manager closes it.
            #expect(explained.dictValue?["successful"] == false)
            let manager = try await Self.call(db, registry, uid: s.fx.groupAdmin, "pos.session", "post_closing_cash_details", ids: [s.session], [12, "coins short"])
            #expect(manager.dictValue?["successful"] == true)
            _ = try await Self.call(db, registry, uid: cashier, "pos.session", "update_closing_control_state_session", ids: [s.session], ["end of day"])
            #expect(try await Self.call(db, registry, uid: cashier, "pos.session", "close_session_from_ui", ids: [s.session], []).dictValue?["successful"] == true)
            // The Z report: the same totals, counted and the difference.
            let z = try await Self.call(db, registry, uid: cashier, "pos.session", "get_sale_details", ids: [s.session], []).dictValue ?? [:]
            let orders = try await Self.rows(db, "SELECT sum(amount_total)::float8, count(*) FROM pos_order WHERE session_id = \(s.session) AND state = 'done'") { try $0.decode((Double, Int).self) }
            #expect(z["report"] == "Z" && z["nbr_orders"] == .int(Int64(orders[0].1)))
            #expect(z["currency"]?.dictValue?["total_paid"]?.doubleValue == orders[0].0)
            let counted = z["payments"]?.arrayValue?.first?.dictValue ?? [:]
            #expect(counted["money_counted"]?.doubleValue == 12 && counted["money_difference"]?.doubleValue == -0.77)
            #expect(counted["difference_reason"] == "coins short")
            // The store's day is settled: one frozen, numbered record with the same figures.
            let settled = try await Self.rows(db, """
                SELECT number, order_count, amount_total::text, cash_counted::text, cash_difference::text, previous_hash IS NULL, hash, name
                FROM pos_daily_settlement ORDER BY number
                """) { try $0.decode((Int, Int, String, String?, String?, Bool, String, String).self) }
            #expect(settled.count == 1 && settled[0].0 == 1 && settled[0].1 == orders[0].1 && Decimal(string: settled[0].2) == Decimal(string: "32.77"))
            #expect(settled.first.map { Decimal(string: $0.3 ?? "") == 12 && Decimal(string: $0.4 ?? "") == Decimal(string: "-0.77") && $0.5 } == true)
            await #expect(throws: (any Error).self) {
                _ = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in try await tx.query("UPDATE pos_daily_settlement SET amount_total = 0") }
            }
            // A second shift the same day settles when it closes, chained to the first.
            let second = try await GroupFixture.asUser(db, registry, uid: cashier) { store in
                try await store.create("pos.session", [["config_id": .int(s.till)]])[0]
            }
            _ = try await Self.call(db, registry, uid: cashier, "pos.session", "set_cashbox_pos", ids: [second], [12])
            let next = Setup(fx: s.fx, session: second, cash: s.cash, product: s.product, till: s.till)
            #expect(try await Self.sync(db, registry, next, Self.order(next, key: "o3", [Line(qty: 1)]))["status"] == "created")
            #expect(try await Self.call(db, registry, uid: cashier, "pos.session", "post_closing_cash_details", ids: [second], [23.3]).dictValue?["successful"] == true)
            _ = try await Self.call(db, registry, uid: cashier, "pos.session", "close_session_from_ui", ids: [second], [])
            let chain = try await Self.rows(db, "SELECT number, previous_hash, hash, order_count FROM pos_daily_settlement ORDER BY number") {
                try $0.decode((Int, String?, String, Int).self)
            }
            #expect(chain.count == 2 && chain[1].0 == 2 && chain[1].1 == chain[0].2 && chain[1].3 == 1)
            let verified = try await Self.call(db, registry, uid: cashier, "pos.daily.settlement", "verify_chain", ids: [], []).dictValue ?? [:]
            #expect(verified["checked"] == .int(2) && verified["broken"] == .array([]))
            // Changed behind the application's back (the owner switching the guard off): the chain says where.
            _ = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("ALTER TABLE pos_daily_settlement DISABLE TRIGGER pos_daily_settlement_frozen")
                try await tx.query("UPDATE pos_daily_settlement SET figures = replace(figures, '32.77', '3.77') WHERE number = 1")
                try await tx.query("ALTER TABLE pos_daily_settlement ENABLE TRIGGER pos_daily_settlement_frozen")
            }
            let tampered = try await Self.call(db, registry, uid: cashier, "pos.daily.settlement", "verify_chain", ids: [], []).dictValue ?? [:]
            #expect(tampered["broken"] == .array([.string(settled[0].7)]))
        }
    }

    @Test func aTillWhoseStoreHasNoWarehouseCannotOpen() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let till = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.create("pos.config", [["name": "Till", "company_id": .int(fx.store2)]])[0]
            }
            do {
                _ = try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in try await store.create("pos.session", [["config_id": .int(till)]]) }
                Issue.record("a session opened on a till without stock")
            } catch let error as ChainstoreError {
                #expect(error.message.contains("no warehouse"))
            }
            // Once the store has a warehouse, the till finds it and opens.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                _ = try await store.create("stock.warehouse", [["name": "SZ Store 1", "code": "SZ1", "company_id": .int(fx.store2)]])
                try await store.write("pos.config", ids: [till], ["warehouse_id": .false])
            }
            let type = try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in
                _ = try await store.create("pos.session", [["config_id": .int(till)]])
                return try await store.read("pos.config", ids: [till], fields: ["picking_type_id"], load: .classicWrite)[0]["picking_type_id"]
            }
            #expect(type?.intValue != nil)
        }
    }
}

extension POSSaleTests {
    /// A payment-code payment is believed only from the payments module: a paid attempt of this
    /// store on that channel for that amount, used by one order only.
    @Test func aPaymentCodePaymentMustBeAPaidAttemptUsedOnce() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await POSIngestTests.setup(db, registry)
            let wechat = try await GroupFixture.asUser(db, registry, uid: s.fx.groupAdmin) { store in
                let method = try await store.create("pos.payment.method", [
                    ["name": "WeChat Pay", "type": "bank", "payment_channel": "wechat", "company_id": .int(s.fx.store1)],
                ])[0]
                try await store.write("pos.config", ids: [s.till], ["payment_method_ids": [[4, .int(method)]]])
                return method
            }
            _ = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    INSERT INTO payment_transaction (reference, order_key, attempt, channel, state, amount, company_id, channel_trade_no)
                    VALUES ('PAID1', 'k', 1, 'wechat', 'paid', 2260, \(s.fx.store1), '4200001'),
                           ('WAIT1', 'k2', 1, 'wechat', 'user_paying', 2260, \(s.fx.store1), NULL),
                           ('ELSE1', 'k3', 1, 'wechat', 'paid', 2260, \(s.fx.store2), '4200003')
                    """)
            }
            func coded(_ key: String, _ reference: String, amount: Double = 22.6) -> Value {
                var order = Self.order(s, key: key, [Line()]).dictValue!
                var data = order["data"]!.dictValue!
                data["statement_ids"] = .array([.array([0, 0, .dict(["payment_method_id": .int(wechat), "amount": .double(amount),
                                                                     "payment_reference": .string(reference)])])])
                order["data"] = .dict(data)
                return .dict(order)
            }
            let paid = try await Self.sync(db, registry, s, coded("c1", "PAID1"))
            #expect(paid["status"] == "created")
            let stored = try await Self.rows(db, "SELECT card_type, transaction_id, payment_reference FROM pos_payment WHERE payment_reference IS NOT NULL") {
                try $0.decode((String?, String?, String?).self)
            }
            #expect(stored.count == 1 && stored[0].0 == "wechat" && stored[0].1 == "4200001" && stored[0].2 == "PAID1")
            // The same attempt for another order, one still waiting, another store's, none at all, a wrong amount: refused.
            for (key, reference) in [("c2", "PAID1"), ("c3", "WAIT1"), ("c4", "ELSE1"), ("c5", "NOPE")] {
                let answer = try await Self.sync(db, registry, s, coded(key, reference))
                #expect(answer["status"] == "rejected", "\(key)")
            }
            #expect(try await Self.sync(db, registry, s, coded("c6", "PAID1", amount: 22.61))["status"] == "rejected")
            #expect(try await Self.rows(db, "SELECT count(*) FROM pos_order") { try $0.decode(Int.self) } == [1])
            // The report shows the payment beside the channel's bill: not reconciled yet, then
            // reconciled with this payment among the mismatches (another store's is not shown).
            func reconciliation() async throws -> [Value] {
                try await Self.call(db, registry, uid: s.fx.groupAdmin, "pos.session", "get_sale_details", ids: [s.session], [])
                    .dictValue?["reconciliation"]?.arrayValue ?? []
            }
            let before = try await reconciliation()
            #expect(before.count == 1 && before[0].dictValue?["channel"] == "wechat" && before[0].dictValue?["payments"] == .int(1))
            #expect(before[0].dictValue?["bill_reconciled"] == false && before[0].dictValue?["amount"]?.doubleValue == 22.6)
            _ = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    WITH r AS (INSERT INTO payment_reconciliation (channel, bill_date, matched, mismatched)
                               SELECT 'wechat', business_day, 0, 2 FROM pos_order LIMIT 1 RETURNING id)
                    INSERT INTO payment_reconciliation_line (reconciliation_id, kind, reference, channel_amount, our_amount)
                    SELECT r.id, k, ref, 2200, 2260 FROM r, (VALUES ('amount_mismatch', 'PAID1'), ('paid_not_recorded', 'ELSE1')) v (k, ref)
                    """)
            }
            let after = try await reconciliation()
            let mismatches = after.first?.dictValue?["mismatches"]?.arrayValue ?? []
            #expect(after.first?.dictValue?["bill_reconciled"] == true && mismatches.count == 1)
            #expect(mismatches.first?.dictValue?["reference"] == "PAID1" && mismatches.first?.dictValue?["kind"] == "amount_mismatch")
        }
    }
}
