import ChainstoreCore
import ChainstoreDB

extension Finance {
    /// The finance records' business methods over RPC and the back office's buttons. Each
    /// decision belongs to one party: the lender's officers approve, disburse and release; the
    /// supervising DC moves pledged goods; the group confirms what it owes its suppliers.
    static let methods: [ModelMethod] = creditLineMethods + loanMethods + pledgeMethods + otherMethods

    static func transition(_ model: String, _ name: String, from: [String], to: String, officer: Bool = true) -> ModelMethod {
        ModelMethod(model: model, name: name, receiver: .records) { call in
            if officer { try Parties.requireOfficer(call.store) }
            let ids = try await call.recordsToWrite(model)
            try await Transition.move(call.store.tx, try call.store.model(model).table, ids, from: from, to: to)
            return .true
        }
    }

    /// A button's method: it does its work and answers True, as Odoo's `action_*` do.
    static func action(_ model: String, _ name: String, _ body: @escaping @Sendable (MethodCall) async throws -> Void) -> ModelMethod {
        ModelMethod(model: model, name: name, receiver: .records) { call in
            try await body(call)
            return .true
        }
    }

    static let creditLineMethods: [ModelMethod] = [
        transition("finance.credit.line", "action_submit", from: ["draft"], to: "submitted"),
        transition("finance.credit.line", "action_approve", from: ["submitted"], to: "approved"),
        transition("finance.credit.line", "action_activate", from: ["approved", "suspended"], to: "active"),
        transition("finance.credit.line", "action_suspend", from: ["active"], to: "suspended"),
        transition("finance.credit.line", "action_cancel", from: ["draft", "submitted"], to: "cancelled"),
        ModelMethod(model: "finance.credit.line", name: "action_close", receiver: .records) { call in
            try Parties.requireOfficer(call.store)
            let ids = try await call.recordsToWrite("finance.credit.line")
            try await Transition.move(call.store.tx, "finance_credit_line", ids, from: ["active", "suspended", "expired"], to: "closed", when: """
                NOT EXISTS (SELECT 1 FROM finance_loan l WHERE l.credit_line_id = finance_credit_line.id
                            AND l.state IN ('draft', 'approved', 'disbursed', 'overdue', 'in_enforcement'))
                """, why: "a credit line closes when no loan under it is open")
            return .true
        },
        ModelMethod(model: "finance.credit.line", name: "drawdown", receiver: .records) { call in try await Loans.drawdown(call) },
    ]

    static let loanMethods: [ModelMethod] = [
        transition("finance.loan", "action_approve", from: ["draft"], to: "approved"),
        transition("finance.loan", "action_cancel", from: ["draft", "approved"], to: "cancelled"),
        action("finance.loan", "action_disburse", Loans.disburseApproved),
        ModelMethod(model: "finance.loan", name: "repay", receiver: .records) { call in try await Repayments.repay(call) },
        action("finance.loan", "add_fee", Repayments.addFee),
        ModelMethod(model: "finance.loan", name: "accrue", receiver: .records) { call in try await Repayments.accrue(call) },
        action("finance.loan", "action_write_off", Enforcement.writeOff),
    ]

    static let pledgeMethods: [ModelMethod] = [
        action("finance.pledge", "action_register", Collateral.register),
        ModelMethod(model: "finance.pledge", name: "action_pledge_goods", receiver: .records) { call in try await Collateral.pledgeGoods(call) },
        ModelMethod(model: "finance.pledge", name: "action_activate", receiver: .records) { call in try await Collateral.activate(call) },
        ModelMethod(model: "finance.pledge", name: "action_add_margin", receiver: .records) { call in try await Collateral.addMargin(call) },
        ModelMethod(model: "finance.pledge", name: "action_revalue", receiver: .records) { call in
            try await call.store.lockAndCheck(try call.store.model("finance.pledge"), ids: call.ids, operation: .read)
            return .array(try await Collateral.revalue(call.store.tx, pledges: call.ids, why: .manual))
        },
        action("finance.pledge", "action_release", Collateral.release),
        transition("finance.pledge", "action_cancel", from: ["draft", "registered"], to: "cancelled"),
        ModelMethod(model: "finance.pledge", name: "request_release", receiver: .records) { call in try await Releases.request(call) },
        ModelMethod(model: "finance.pledge", name: "action_liquidate", receiver: .records) { call in try await Enforcement.liquidate(call) },
        ModelMethod(model: "finance.pledge.line", name: "action_mark_damaged", receiver: .records) { call in try await Collateral.markDamaged(call) },
    ]

    static let otherMethods: [ModelMethod] = [
        action("finance.release", "action_approve", Releases.approve),
        transition("finance.release", "action_reject", from: ["requested", "approved"], to: "rejected"),
        ModelMethod(model: "finance.release", name: "action_scan", receiver: .records) { call in try await Releases.scan(call) },
        action("finance.receivable", "action_confirm", Receivables.confirm),
        transition("finance.receivable", "action_dispute", from: ["confirmed"], to: "disputed", officer: false),
        transition("finance.receivable", "action_resolve", from: ["disputed"], to: "confirmed", officer: false),
        transition("finance.receivable", "action_cancel", from: ["draft", "disputed"], to: "cancelled", officer: false),
        transition("finance.receivable", "action_settle", from: ["assigned"], to: "settled"),
        transition("finance.collateral.alert", "action_close", from: ["open"], to: "closed"),
        ModelMethod(model: "finance.entry", name: "export_entries", receiver: .model) { call in try await Entries.export(call) },
    ]
}
