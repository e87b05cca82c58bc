import ChainstoreCore
import ChainstoreDB
import Foundation

/// The session's life, as Odoo 17 runs it: a new session opens at once (`opened`), or waits in
/// `opening_control` for the opening cash count when its till takes cash
/// (`set_cashbox_pos`); `action_pos_session_closing_control` stops the sales
/// (`closing_control`); `action_pos_session_close` closes it and posts its paid orders
/// (`done`). There is no way back, and a till has one session not closed at a time (a unique
/// index: the second one is refused however the requests interleave).
enum PosSessions {
    static let methods: [ModelMethod] = [
        ModelMethod(model: "pos.session", name: "set_cashbox_pos", receiver: .records) { call in
            guard let amount = call.argument(0, "cashbox_value")?.doubleValue, amount >= 0 else {
                throw ChainstoreError.valueError("set_cashbox_pos() takes the counted opening cash (a number ≥ 0)")
            }
            let notes = call.argument(1, "notes")?.stringValue
            try await countOpening(call.store, ids: call.ids, amount: amount, notes: notes)
            return .true
        },
        ModelMethod(model: "pos.session", name: "action_pos_session_open", receiver: .records) { call in
            try await move(call.store, ids: call.ids, from: ["opening_control"], values: ["state": "opened", "start_at": .string(now())])
            return .true
        },
        ModelMethod(model: "pos.session", name: "action_pos_session_closing_control", receiver: .records) { call in
            try await PosClosing.refuseUnsynced(call.store, ids: call.ids)
            try await refuseDrafts(call.store, ids: call.ids)
            try await move(call.store, ids: call.ids, from: ["opened"], values: ["state": "closing_control", "stop_at": .string(now())])
            return .true
        },
        ModelMethod(model: "pos.session", name: "action_pos_session_close", receiver: .records) { call in
            try await close(call.store, ids: call.ids)
            return .true
        },
    ]

    /// The opening cash count: the sessions waiting for it open with that float.
    static func countOpening(_ store: RecordStore, ids: [Int64], amount: Double, notes: String?) async throws {
        try await move(store, ids: ids, from: ["opening_control"], values: [
            "state": "opened", "start_at": .string(now()), "cash_register_balance_start": .double(amount),
            "opening_notes": notes.map(Value.string) ?? .false,
        ])
    }

    /// Closes the sessions: refused while a till holds unsynced orders or a draft is left; the
    /// paid orders become posted (`done`); a store's business day with no session left open is
    /// settled (`DailySettlements`).
    static func close(_ store: RecordStore, ids: [Int64]) async throws {
        try await PosClosing.refuseUnsynced(store, ids: ids)
        try await refuseDrafts(store, ids: ids)
        let sessions = try await store.read("pos.session", ids: ids, fields: ["state", "stop_at"])
        for session in sessions where session["state"] == .string("opened") {
            try await store.write("pos.session", ids: [session["id"]?.intValue ?? 0], ["stop_at": .string(now())])
        }
        try await move(store, ids: ids, from: ["opened", "closing_control"], values: ["state": "closed"])
        let paid = try await store.search("pos.order", domain: .and([
            .leaf("session_id", .in, .array(ids.map(Value.int))), .leaf("state", .equal, "paid"),
        ]))
        if !paid.isEmpty { try await store.write("pos.order", ids: paid, ["state": "done"]) }
        try await DailySettlements.settle(store, sessions: ids)
    }

    /// Odoo's hook: a new session opens at once unless its till counts cash at opening.
    static let hooks: [RecordHook] = [
        .afterCreate("pos.session") { store, ids, _ in
            let sessions = try await store.read("pos.session", ids: ids, fields: ["config_id", "state"])
            for session in sessions where session["state"] == .string("opening_control") {
                guard let id = session["id"]?.intValue, case .array(let config)? = session["config_id"], let configId = config.first?.intValue else { continue }
                let counted = try await store.read("pos.config", ids: [configId], fields: ["cash_control"]).first?["cash_control"]?.boolValue ?? false
                if counted {
                    // The opening count starts from what the last session of this till counted.
                    let last = try await store.searchRead(
                        "pos.session", domain: .and([.leaf("config_id", .equal, .int(configId)), .leaf("state", .equal, "closed")]),
                        fields: ["cash_register_balance_end_real"], limit: 1, order: "id desc")
                    if let balance = last.first?["cash_register_balance_end_real"], balance != .false {
                        try await store.write("pos.session", ids: [id], ["cash_register_balance_start": balance])
                    }
                } else {
                    try await store.write("pos.session", ids: [id], ["state": "opened", "start_at": .string(now())])
                }
            }
        }
    ]

    /// Moves sessions in one of `from` to the values given; any other state is a UserError
    /// naming the session and where it stands.
    static func move(_ store: RecordStore, ids: [Int64], from: Set<String>, values: RecordValues) async throws {
        guard !ids.isEmpty else { throw ChainstoreError.valueError("Name the sessions to change") }
        let sessions = try await store.read("pos.session", ids: ids, fields: ["name", "state"])
        guard sessions.count == Set(ids).count else { throw ChainstoreError.missing("Record does not exist or has been deleted.") }
        for session in sessions {
            guard let state = session["state"]?.stringValue, from.contains(state) else {
                throw ChainstoreError.userError("Session \(session["name"]?.stringValue ?? "?") is \(session["state"]?.stringValue ?? "?"); this step needs \(from.sorted().joined(separator: " or ")).")
            }
        }
        try await store.write("pos.session", ids: ids, values)
    }

    /// Odoo refuses to close a session that still has orders not paid ("draft").
    static func refuseDrafts(_ store: RecordStore, ids: [Int64]) async throws {
        let drafts = try await store.searchRead("pos.order", domain: .and([
            .leaf("session_id", .in, .array(ids.map(Value.int))), .leaf("state", .equal, "draft"),
        ]), fields: ["name"], limit: 5)
        guard drafts.isEmpty else {
            throw ChainstoreError.userError("You cannot close the POS when orders are still in draft (\(drafts.compactMap { $0["name"]?.stringValue }.joined(separator: ", "))).")
        }
    }

    /// Now, in Odoo's datetime format (UTC).
    static func now() -> String { odooNow() }
}
