import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

/// `create_from_ui`: each order taken once, whatever is resent, and a changed order under a used
/// key kept apart, never made a second order.
@Suite("POS: exactly-once order sync", .enabled(if: TestDatabase.isAvailable))
struct POSIngestTests {
    struct Setup { let fx: GroupFixture; let session: Int64; let cash: Int64; let product: Int64; let till: Int64 }

    static func setup(_ db: Database, _ registry: Registry) async throws -> Setup {
        let fx = try await GroupFixture.make(db, registry)
        let (cash, till, product) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
            _ = try await store.create("stock.warehouse", [["name": "GZ Store 1", "code": "GZ1", "company_id": .int(fx.store1)]])
            let cash = try await store.create("pos.payment.method", [["name": "Cash", "type": "cash", "company_id": .int(fx.store1)]])[0]
            let till = try await store.create("pos.config", [["name": "Till", "company_id": .int(fx.store1), "payment_method_ids": [[6, 0, [.int(cash)]]]]])[0]
            // 11.30 with VAT 13% included: two bottles are 22.60, 20.00 before a tax of 2.60.
            let product = try await store.create("product.product", [["name": "矿泉水 550ml", "list_price": 11.3, "type": "product",
                                                                     "taxes_id": [[6, 0, [1]]]]])[0]
            return (cash, till, product)
        }
        let session = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
            let session = try await store.create("pos.session", [["config_id": .int(till)]])[0]
            _ = try await store.registry.methods.method("pos.session", "set_cashbox_pos")!.handler(
                MethodCall(store: store, ids: [session], args: [.double(0)], kwargs: [:]))
            return session
        }
        return Setup(fx: fx, session: session, cash: cash, product: product, till: till)
    }

    /// Odoo 17's envelope for one sale of two bottles paid 25.00 cash, 2.40 back.
    static func envelope(_ s: Setup, key: String, qty: Int64 = 2, product: Int64? = nil) -> Value {
        let line: Value = .dict(["uuid": .string(key + "-1"), "product_id": .int(product ?? s.product), "full_product_name": "矿泉水 550ml",
                                 "qty": .int(qty), "price_unit": 11.3, "discount": 0, "price_subtotal": 20.0, "price_subtotal_incl": 22.6])
        let payment: Value = .dict(["name": "2026-12-04 02:15:05", "payment_method_id": .int(s.cash), "amount": 25.0, "payment_status": ""])
        return .dict(["id": "00042-003-0007", "to_invoice": false, "data": .dict([
            "name": "Order 00042-003-0007", "uid": "00042-003-0007", "sequence_number": 7, "pos_session_id": .int(s.session),
            "user_id": .int(s.fx.storeUser1), "partner_id": false, "date_order": "2026-12-04 02:15:09",
            "amount_total": 22.6, "amount_tax": 2.6, "amount_paid": 22.6, "amount_return": 2.4,
            "lines": .array([.array([0, 0, line])]), "statement_ids": .array([.array([0, 0, payment])]), "access_token": .string(key),
        ])])
    }

    static func sync(_ db: Database, _ registry: Registry, _ s: Setup, _ orders: [Value]) async throws -> [OrderedDictionary<String, Value>] {
        try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser1) { store in
            let result = try await store.registry.methods.method("pos.order", "create_from_ui")!.handler(
                MethodCall(store: store, ids: [], args: [.array(orders), false], kwargs: [:]))
            return (result.arrayValue ?? []).compactMap(\.dictValue)
        }
    }

    static func count(_ db: Database, _ sql: SQLBuilder) async throws -> Int64 {
        try await db.withoutTransaction(logger: TestDatabase.logger) { tx in try await tx.query(sql)[0].decode(Int64.self) }
    }

    @Test func aResentOrderIsTakenOnceAndAChangedOneIsKeptForReview() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            let first = try await Self.sync(db, registry, s, [Self.envelope(s, key: "k-1")])
            #expect(first.first?["status"] == "created" && first.first?["state"] == "paid")
            let id = try #require(first.first?["id"]?.intValue)
            // The same order again, and with its keys written in another order: the stored one.
            var reordered = Self.envelope(s, key: "k-1").dictValue!
            reordered["data"] = .dict(OrderedDictionary(uniqueKeysWithValues: reordered["data"]!.dictValue!.reversed().map { ($0.key, $0.value) }))
            for again in [Self.envelope(s, key: "k-1"), .dict(reordered)] {
                let answer = try await Self.sync(db, registry, s, [again])
                #expect(answer.first?["status"] == "duplicate" && answer.first?["id"] == .int(id))
            }
            // Other contents under the used key: refused, kept for review, the order untouched.
            let changed = try await Self.sync(db, registry, s, [Self.envelope(s, key: "k-1", qty: 3)])
            #expect(changed.first?["status"] == "rejected" && changed.first?["id"] == .int(id))
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order") == 1)
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order_conflict WHERE order_id = \(id) AND received LIKE '%\"qty\":3%'") == 1)
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order_line WHERE order_id = \(id) AND qty = 2") == 1)
            // The change is its own negative cash payment; paid = tendered − change.
            let payments = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("SELECT amount::float8, is_change FROM pos_payment WHERE pos_order_id = \(id) ORDER BY amount").map { try $0.decode((Double, Bool).self) }
            }
            #expect(payments.map(\.0) == [-2.4, 25.0] && payments.map(\.1) == [true, false])
        }
    }

    /// In one batch: a key stored earlier answers the stored order, a key sent twice is stored
    /// once (its copy a duplicate, a changed copy kept for review), and each sale's goods leave
    /// the store named by its receipt number, valued.
    @Test func aBatchTakesEachKeyOnceWhateverItRepeats() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            let stored = try #require(try await Self.sync(db, registry, s, [Self.envelope(s, key: "b-0")]).first?["id"]?.intValue)
            let answers = try await Self.sync(db, registry, s, [
                Self.envelope(s, key: "b-0"), Self.envelope(s, key: "b-1"), Self.envelope(s, key: "b-1"), Self.envelope(s, key: "b-2"),
                Self.envelope(s, key: "b-2", qty: 3),
            ])
            #expect(answers.map { $0["status"] } == ["duplicate", "created", "duplicate", "created", "rejected"])
            #expect(answers[0]["id"] == .int(stored) && answers[2]["id"] == answers[1]["id"] && answers[4]["id"] == answers[3]["id"])
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order") == 3)
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order_conflict WHERE access_token = 'b-2' AND received LIKE '%\"qty\":3%'") == 1)
            // One move a sale (two bottles), named by the receipt, valued, from the store's stock.
            #expect(try await Self.count(db, """
                SELECT count(*) FROM pos_order o JOIN stock_move m ON m.reference = o.name AND m.product_qty = 2 AND m.state = 'done'
                JOIN stock_valuation_layer v ON v.stock_move_id = m.id AND v.quantity = -2
                """) == 3)
            #expect(try await Self.count(db, "SELECT count(*) FROM stock_move") == 3)
            #expect(try await Self.count(db, "SELECT (-sum(quantity))::bigint FROM stock_quant WHERE product_id = \(s.product) AND quantity < 0") == 6)
        }
    }

    /// The session is read under the sender's rules with the key's stored order (one statement):
    /// another store's cashier cannot sell into it, and a session that does not exist is named.
    @Test func anotherStoresCashierCannotSellIntoTheSession() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            let answers = try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser2) { store in
                let missing = Self.envelope(s, key: "k-gone").dictValue!
                var data = missing["data"]!.dictValue!
                data["pos_session_id"] = .int(s.session + 1_000)
                let result = try await store.registry.methods.method("pos.order", "create_from_ui")!.handler(
                    MethodCall(store: store, ids: [], args: [.array([Self.envelope(s, key: "k-other"), .dict(["data": .dict(data)])]), false], kwargs: [:]))
                return (result.arrayValue ?? []).compactMap(\.dictValue)
            }
            #expect(answers.count == 2 && answers.allSatisfy { $0["status"] == "rejected" })
            #expect(answers.first?["error"]?.stringValue?.contains("not allowed to access") == true)
            #expect(answers.last?["error"]?.stringValue?.contains("Session \(s.session + 1_000) does not exist") == true)
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order_register") == 0)
            // Refused before its till was known: nothing is kept for review under the store.
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order_conflict") == 0)
            // The store's own cashier sells under the same key afterwards.
            #expect(try await Self.sync(db, registry, s, [Self.envelope(s, key: "k-other")]).first?["status"] == "created")
        }
    }

    @Test func oneBadOrderNeverBlocksTheOthersAndParallelResendsMakeOneOrder() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            let answer = try await Self.sync(db, registry, s, [Self.envelope(s, key: "bad", product: 999_999), Self.envelope(s, key: "good")])
            #expect(answer.map { $0["status"] } == ["rejected", "created"])
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order WHERE access_token = 'bad'") == 0)
            // Eight tabs (or retries) sending one order at once: one order.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { _ = try await Self.sync(db, registry, s, [Self.envelope(s, key: "tab")]) } }
                try await group.waitForAll()
            }
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order WHERE access_token = 'tab'") == 1)
            // After the session closed, a late order is still taken, marked as such.
            try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser1) { store in
                for step in ["action_pos_session_closing_control", "action_pos_session_close"] {
                    _ = try await store.registry.methods.method("pos.session", step)!.handler(MethodCall(store: store, ids: [s.session], args: [], kwargs: [:]))
                }
            }
            let late = try await Self.sync(db, registry, s, [Self.envelope(s, key: "late")])
            #expect(late.first?["status"] == "created")
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order WHERE access_token = 'late' AND late_receipt") == 1)
            // Another store's cashier cannot push into this session.
            let foreign = try await GroupFixture.asUser(db, registry, uid: s.fx.storeUser2) { store in
                try await store.registry.methods.method("pos.order", "create_from_ui")!.handler(
                    MethodCall(store: store, ids: [], args: [.array([Self.envelope(s, key: "foreign")]), false], kwargs: [:]))
            }
            #expect(foreign.arrayValue?.first?.dictValue?["status"] == "rejected")
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order WHERE access_token = 'foreign'") == 0)
        }
    }

    /// Orders and lines land in this month's partitions (the default ones stay empty); the
    /// register keeps what must be unique over every month: a second order under a used key, or
    /// a used receipt number of the session, is refused by the database however it is written,
    /// and a deleted order leaves no register row.
    @Test func ordersLiveInMonthlyPartitionsAndTheirKeysStayUniqueOverAllMonths() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let s = try await Self.setup(db, registry)
            let created = try await Self.sync(db, registry, s, [Self.envelope(s, key: "k-1")])
            #expect(created.first?["status"] == "created")
            let order = try #require(created.first?["id"]?.intValue)
            let placed = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("""
                    SELECT (SELECT tableoid::regclass::text FROM pos_order WHERE id = \(order)),
                           (SELECT string_agg(DISTINCT tableoid::regclass::text, ',') FROM pos_order_line WHERE order_id = \(order)),
                           'pos_order_p' || to_char(now(), 'YYYYMM'),
                           (SELECT count(*) FROM pos_order_default) + (SELECT count(*) FROM pos_order_line_default)
                    """)[0].decode((String, String, String, Int64).self)
            }
            #expect(placed.0 == placed.2 && placed.1 == placed.2.replacingOccurrences(of: "pos_order_", with: "pos_order_line_"))
            #expect(placed.3 == 0)
            // The same key written by another way in (a plain insert), or a used receipt number: refused.
            for (token, seq) in [("k-1", 999), ("k-2", 1)] {
                let refused = await #expect(throws: (any Error).self) {
                    try await db.transaction(logger: TestDatabase.logger) { tx in
                        _ = try await tx.query("""
                            INSERT INTO pos_order (session_id, company_id, access_token, session_seq, date_order, create_date)
                            VALUES (\(s.session), \(s.fx.store1), \(token), \(Int64(seq)), now(), now() - interval '40 days')
                            """)
                    }
                }
                #expect("\(String(describing: refused))".contains("pos_order_register"), "\(String(describing: refused))")
            }
            let (orders, keys) = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("SELECT (SELECT count(*) FROM pos_order), (SELECT count(*) FROM pos_order_register)")[0].decode((Int64, Int64).self)
            }
            #expect(orders == 1 && keys == 1)
            // Deleted in the database: its register row goes, and with it its lines and payments.
            try await db.transaction(logger: TestDatabase.logger) { tx in _ = try await tx.query("DELETE FROM pos_order WHERE id = \(order)") }
            #expect(try await Self.count(db, "SELECT count(*) FROM pos_order_register") == 0)
            #expect(try await Self.count(db, "SELECT (SELECT count(*) FROM pos_order_line) + (SELECT count(*) FROM pos_payment)") == 0)
        }
    }
}
