import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

/// Tills and their sessions: Odoo 17's life of a session, one open session per till, a store's
/// tills out of another store's reach.
@Suite("POS: tills and sessions", .enabled(if: TestDatabase.isAvailable))
struct POSSessionTests {
    struct Tills { let cashTill: Int64, cardTill: Int64 }

    static func tills(_ db: Database, _ registry: Registry, _ fx: GroupFixture) async throws -> Tills {
        try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
            _ = try await store.create("stock.warehouse", [
                ["name": "GZ Store 1", "code": "GZ1", "company_id": .int(fx.store1)], ["name": "SZ Store 1", "code": "SZ1", "company_id": .int(fx.store2)],
            ])
            let cash = try await store.create("pos.payment.method", [["name": "Cash", "type": "cash", "company_id": .int(fx.store1)]])[0]
            let wechat = try await store.create("pos.payment.method", [
                ["name": "WeChat Pay", "type": "bank", "payment_channel": "wechat", "company_id": .int(fx.store2)],
            ])[0]
            let cashTill = try await store.create("pos.config", [[
                "name": "Till 1", "company_id": .int(fx.store1), "payment_method_ids": [[6, 0, [.int(cash)]]],
                "receipt_header": "欢迎光临", "receipt_footer": "谢谢惠顾",
            ]])[0]
            let cardTill = try await store.create("pos.config", [[
                "name": "Till 2", "company_id": .int(fx.store2), "payment_method_ids": [[6, 0, [.int(wechat)]]],
            ]])[0]
            return Tills(cashTill: cashTill, cardTill: cardTill)
        }
    }

    @Test func aSessionGoesThroughOdoosStatesOncePerTill() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let tills = try await Self.tills(db, registry, fx)
            let session = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let id = try await store.create("pos.session", [["config_id": .int(tills.cashTill)]])[0]
                let row = try await store.read("pos.session", ids: [id], fields: ["state", "company_id", "user_id", "name"])[0]
                // A till that takes cash waits for the opening count; the session is the store's.
                #expect(row["state"] == "opening_control")
                #expect(row["company_id"]?.arrayValue?.first == .int(fx.store1))
                #expect(row["user_id"]?.arrayValue?.first == .int(fx.storeUser1))
                #expect(row["name"]?.stringValue?.hasPrefix("POS/") == true)
                let config = try await store.read("pos.config", ids: [tills.cashTill], fields: ["cash_control", "has_active_session", "current_session_id", "current_session_state"])[0]
                #expect(config["cash_control"] == .true && config["has_active_session"] == .true && config["current_session_state"] == "opening_control")
                #expect(config["current_session_id"]?.arrayValue?.first == .int(id))
                return id
            }
            // A second session on the same till is refused, whoever asks.
            await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    _ = try await store.create("pos.session", [["config_id": .int(tills.cashTill)]])
                }
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let call = { (name: String, args: [Value]) in
                    try await store.registry.methods.method("pos.session", name)!.handler(MethodCall(store: store, ids: [session], args: args, kwargs: [:]))
                }
                // Closing before opening is refused with the session's state.
                await #expect(throws: ChainstoreError.self) { _ = try await call("action_pos_session_closing_control", []) }
                _ = try await call("set_cashbox_pos", [.double(100), .string("float from the safe")])
                var row = try await store.read("pos.session", ids: [session], fields: ["state", "cash_register_balance_start", "start_at"])[0]
                #expect(row["state"] == "opened" && row["cash_register_balance_start"]?.doubleValue == 100 && row["start_at"] != .false)
                // A draft order holds the session open; once paid, closing posts it.
                let order = try await store.create("pos.order", [["session_id": .int(session), "amount_total": 12.5]])[0]
                await #expect(throws: ChainstoreError.self) { _ = try await call("action_pos_session_closing_control", []) }
                try await store.write("pos.order", ids: [order], ["state": "paid", "amount_paid": 12.5])
                _ = try await call("action_pos_session_closing_control", [])
                _ = try await call("action_pos_session_close", [])
                row = try await store.read("pos.session", ids: [session], fields: ["state", "stop_at"])[0]
                #expect(row["state"] == "closed" && row["stop_at"] != .false)
                let posted = try await store.read("pos.order", ids: [order], fields: ["state", "company_id", "config_id"])[0]
                #expect(posted["state"] == "done" && posted["config_id"]?.arrayValue?.first == .int(tills.cashTill))
                // There is no way back; the till takes a new session.
                await #expect(throws: ChainstoreError.self) { _ = try await call("set_cashbox_pos", [.double(0)]) }
                _ = try await store.create("pos.session", [["config_id": .int(tills.cashTill)]])
            }
        }
    }

    @Test func aTillWithoutCashOpensAtOnceAndStaysInItsStore() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let tills = try await Self.tills(db, registry, fx)
            let session = try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in
                let id = try await store.create("pos.session", [["config_id": .int(tills.cardTill)]])[0]
                let state = try await store.read("pos.session", ids: [id], fields: ["state"])[0]["state"]
                #expect(state == "opened")
                return id
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let configs = try await store.search("pos.config", domain: .all)
                let sessions = try await store.search("pos.session", domain: .all)
                #expect(configs == [tills.cashTill])
                #expect(sessions.isEmpty)
                await #expect(throws: ChainstoreError.self) { _ = try await store.read("pos.session", ids: [session], fields: ["state"]) }
            }
            // Another store's till cannot be opened.
            await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    _ = try await store.create("pos.session", [["config_id": .int(tills.cardTill)]])
                }
            }
            // The city sees both of its stores' tills.
            try await GroupFixture.asUser(db, registry, uid: fx.cityUser) { store in
                let configs = try await store.search("pos.config", domain: .all)
                #expect(Set(configs).isSuperset(of: [tills.cashTill]))
            }
        }
    }
}
