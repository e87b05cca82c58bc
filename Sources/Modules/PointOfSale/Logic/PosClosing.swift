import ChainstoreCore
import ChainstoreDB
import Foundation
import OrderedCollections

/// The end of a shift (日结日清), with Odoo 17's method names: what the tills still hold, cash in
/// and out of the drawer, the closing count and its difference, and the sales report — an X
/// report while the session is open, the Z report once it is closed.
enum PosClosing {
    static let methods: [ModelMethod] = [
        // The till's own count of orders it holds and has not had acknowledged; 0 when all are in.
        ModelMethod(model: "pos.session", name: "report_unsynced", receiver: .records) { call in
            guard let device = call.argument(0, "device_id")?.stringValue, (1...100).contains(device.utf8.count),
                let pending = call.argument(1, "pending")?.intValue, pending >= 0, pending < 1_000_000
            else { throw ChainstoreError.valueError("report_unsynced(device_id, pending) takes the till device's id and the orders it holds (≥ 0)") }
            try await recordPending(call.store, sessions: try await readable(call.store, call.ids), device: device, pending: pending)
            return .int(Int64(try await unsynced(call.store, call.ids).reduce(0) { $0 + $1.pending }))
        },
        ModelMethod(model: "pos.session", name: "try_cash_in_out", receiver: .records) { call in
            guard let kind = call.argument(0, "_type")?.stringValue, ["in", "out"].contains(kind),
                let amount = PosIngest.decimal(call.argument(1, "amount")), amount > 0, amount < 100_000_000
            else { throw ChainstoreError.valueError("try_cash_in_out(type, amount, reason) takes \"in\" or \"out\" and an amount above zero") }
            let reason = (call.argument(2, "reason")?.stringValue ?? "").trimmingCharacters(in: .whitespaces)
            guard !reason.isEmpty else { throw ChainstoreError.valueError("A cash move needs a reason") }
            for session in try await readable(call.store, call.ids, states: ["opened", "closing_control"]) {
                try await call.store.tx.query("""
                    INSERT INTO pos_cash_move (session_id, company_id, amount, reason, user_id, create_uid, create_date, write_uid, write_date)
                    SELECT s.id, s.company_id, \(kind == "in" ? amount : -amount), \(reason), \(call.store.env.uid), \(call.store.env.uid), now(),
                        \(call.store.env.uid), now()
                    FROM pos_session s WHERE s.id = \(session)
                    """)
            }
            return .true
        },
        ModelMethod(model: "pos.session", name: "get_closing_control_data", receiver: .records) { call in
            guard let session = try await readable(call.store, call.ids).first else { throw ChainstoreError.valueError("Name one session") }
            let details = try await SaleDetails.compute(call.store, sessions: [session])
            let cash = details.payments.first { $0["cash"] == .true }
            let manager = PosRights.isManager(call.store.env)
            var cashDetails: Value = .false
            if let cash {
                let fields: OrderedDictionary<String, Value> = [
                    "name": cash["name"] ?? .false, "id": cash["id"] ?? .false, "opening": .double(details.opening.double),
                    "payment_amount": cash["total"] ?? .false, "amount": cash["final_count"] ?? .false, "moves": .array(details.cashMoves),
                ]
                cashDetails = .dict(fields)
            }
            var others: [Value] = []
            for method in details.payments where method["cash"] != .true {
                let fields: OrderedDictionary<String, Value> = [
                    "name": method["name"] ?? .false, "id": method["id"] ?? .false, "type": "bank", "amount": method["total"] ?? .false,
                    "number": method["number"] ?? .false,
                ]
                others.append(.dict(fields))
            }
            let held = try await unsynced(call.store, [session]).reduce(0) { $0 + $1.pending }
            let answer: OrderedDictionary<String, Value> = [
                "orders_details": .dict(["quantity": .int(Int64(details.orderCount)), "amount": .double(details.total.double)]),
                "opening_notes": details.openingNote,
                "default_cash_details": cashDetails,
                "other_payment_methods": .array(others),
                "is_manager": .bool(manager),
                "amount_authorized_diff": .double(details.authorizedDifference.double),
                "unsynced_orders": .int(Int64(held)),
            ]
            return .dict(answer)
        },
        // The counted cash; a difference needs a reason, and one above the till's authorised
        // difference a POS manager.
        ModelMethod(model: "pos.session", name: "post_closing_cash_details", receiver: .records) { call in
            guard let session = try await readable(call.store, call.ids, states: ["opened", "closing_control"]).first,
                let counted = PosIngest.decimal(call.argument(0, "counted_cash")), counted >= 0
            else { throw ChainstoreError.valueError("post_closing_cash_details(counted_cash) takes the counted cash of an open session") }
            let reason = call.argument(1, "reason")?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
            let details = try await SaleDetails.compute(call.store, sessions: [session])
            let difference = counted - details.expectedCash
            let manager = PosRights.isManager(call.store.env)
            if difference != 0, reason.isEmpty {
                return .dict(["successful": false, "message": .string("The counted cash differs from the expected \(details.expectedCash) by \(difference): give the reason"), "redirect": false])
            }
            if abs(difference) > details.authorizedDifference, !manager {
                return .dict(["successful": false, "message": .string("The difference of \(difference) is above this till's authorised \(details.authorizedDifference): a POS manager must close it"), "redirect": false])
            }
            try await call.store.write("pos.session", ids: [session], [
                "cash_register_balance_end_real": .double(counted.double), "cash_difference_reason": reason.isEmpty ? .false : .string(reason),
            ])
            return .dict(["successful": true])
        },
        ModelMethod(model: "pos.session", name: "update_closing_control_state_session", receiver: .records) { call in
            try await refuseUnsynced(call.store, ids: call.ids)
            try await PosSessions.refuseDrafts(call.store, ids: call.ids)
            let notes = call.argument(0, "notes")?.stringValue
            try await PosSessions.move(call.store, ids: call.ids, from: ["opened"], values: [
                "state": "closing_control", "stop_at": .string(odooNow()), "closing_notes": notes.map(Value.string) ?? .false,
            ])
            return .true
        },
        ModelMethod(model: "pos.session", name: "close_session_from_ui", receiver: .records) { call in
            let sessions = try await call.store.read("pos.session", ids: call.ids, fields: ["name", "state"])
            if let closed = sessions.first(where: { $0["state"] == "closed" }) {
                return .dict(["successful": false, "type": "alert", "title": "Session already closed",
                              "message": .string("Session \(closed["name"]?.stringValue ?? "") was closed meanwhile")])
            }
            try await PosSessions.close(call.store, ids: call.ids)
            return .dict(["successful": true])
        },
        ModelMethod(model: "pos.session", name: "get_sale_details", receiver: .records) { call in
            let sessions = try await readable(call.store, call.ids)
            return try await SaleDetails.compute(call.store, sessions: sessions).report
        },
    ]

    /// The sessions among `ids` the user may read (all of them, or an error), in one of `states`.
    static func readable(_ store: RecordStore, _ ids: [Int64], states: Set<String>? = nil) async throws -> [Int64] {
        guard !ids.isEmpty else { throw ChainstoreError.valueError("Name the sessions") }
        let rows = try await store.read("pos.session", ids: ids, fields: ["name", "state"])
        guard rows.count == Set(ids).count else { throw ChainstoreError.missing("Record does not exist or has been deleted.") }
        if let states {
            for row in rows where !states.contains(row["state"]?.stringValue ?? "") {
                throw ChainstoreError.userError("Session \(row["name"]?.stringValue ?? "?") is \(row["state"]?.stringValue ?? "?")")
            }
        }
        return rows.compactMap { $0["id"]?.intValue }
    }

    /// What a till device says it still holds, for sessions the caller may read.
    static func recordPending(_ store: RecordStore, sessions: [Int64], device: String, pending: Int64) async throws {
        guard !sessions.isEmpty else { return }
        try await store.tx.query("""
            INSERT INTO pos_session_device (session_id, device_id, company_id, pending, user_id, reported_at)
            SELECT s.id, \(device), s.company_id, \(pending), \(store.env.uid), now() FROM pos_session s WHERE s.id = ANY(\(sessions)) ORDER BY s.id
            ON CONFLICT (session_id, device_id) DO UPDATE SET pending = excluded.pending, user_id = excluded.user_id, reported_at = now()
            """)
    }

    /// What each till device of the sessions last said it holds.
    static func unsynced(_ store: RecordStore, _ ids: [Int64]) async throws -> [(device: String, pending: Int)] {
        try await store.tx.query("""
            SELECT device_id, pending FROM pos_session_device WHERE session_id = ANY(\(ids)) AND pending > 0 ORDER BY device_id
            """).map { let (device, pending) = try $0.decode((String, Int).self); return (device, pending) }
    }

    /// A session does not close while a till still holds orders it has not had acknowledged.
    static func refuseUnsynced(_ store: RecordStore, ids: [Int64]) async throws {
        let held = try await unsynced(store, ids)
        guard held.isEmpty else {
            let total = held.reduce(0) { $0 + $1.pending }
            throw ChainstoreError.userError(
                "Tills still hold \(total) orders not synced (\(held.map { "\($0.device): \($0.pending)" }.joined(separator: ", "))): sync them before closing the session")
        }
    }
}

extension Decimal {
    /// The nearest double, read from the decimal's text (32.77, not 32.769999999999996).
    var double: Double { Double(description) ?? NSDecimalNumber(decimal: self).doubleValue }
}

/// Who may go beyond a cashier's limits at the till: POS managers and administrators.
enum PosRights {
    static func isManager(_ env: Env) -> Bool {
        env.isSystem || env.hasGroup("point_of_sale.group_pos_manager") || env.hasGroup("base.group_system")
    }
}
