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
        ModelMethod(model: "finance.loan", name: "action_disburse", receiver: .records) { call in
            try await Loans.disburseApproved(call)
            return .true
        },
        ModelMethod(model: "finance.loan", name: "repay", receiver: .records) { call in try await Repayments.repay(call) },
        ModelMethod(model: "finance.loan", name: "add_fee", receiver: .records) { call in
            try await Repayments.addFee(call)
            return .true
        },
        ModelMethod(model: "finance.loan", name: "accrue", receiver: .records) { call in try await Repayments.accrue(call) },
        ModelMethod(model: "finance.loan", name: "action_write_off", receiver: .records) { call in
            try await Enforcement.writeOff(call)
            return .true
        },
    ]

    static let pledgeMethods: [ModelMethod] = [
        ModelMethod(model: "finance.pledge", name: "action_register", receiver: .records) { call in
            try Parties.requireOfficer(call.store)
            try await Collateral.register(call)
            return .true
        },
        ModelMethod(model: "finance.pledge", name: "action_pledge_goods", receiver: .records) { call in try await Collateral.pledgeGoods(call) },
        ModelMethod(model: "finance.pledge", name: "action_activate", receiver: .records) { call in try await Collateral.activate(call) },
        ModelMethod(model: "finance.pledge", name: "action_add_margin", receiver: .records) { call in try await Collateral.addMargin(call) },
        ModelMethod(model: "finance.pledge", name: "action_revalue", receiver: .records) { call in
            try await call.store.lockAndCheck(try call.store.model("finance.pledge"), ids: call.ids, operation: .read)
            return .array(try await Collateral.revalue(call.store.tx, pledges: call.ids, why: .manual))
        },
        ModelMethod(model: "finance.pledge", name: "action_release", receiver: .records) { call in
            try await Collateral.release(call)
            return .true
        },
        transition("finance.pledge", "action_cancel", from: ["draft", "registered"], to: "cancelled"),
        ModelMethod(model: "finance.pledge", name: "request_release", receiver: .records) { call in try await Releases.request(call) },
        ModelMethod(model: "finance.pledge", name: "action_liquidate", receiver: .records) { call in try await Enforcement.liquidate(call) },
        ModelMethod(model: "finance.pledge.line", name: "action_mark_damaged", receiver: .records) { call in try await Collateral.markDamaged(call) },
    ]

    static let otherMethods: [ModelMethod] = [
        ModelMethod(model: "finance.release", name: "action_approve", receiver: .records) { call in
            try await Releases.approve(call)
            return .true
        },
        ModelMethod(model: "finance.release", name: "action_reject", receiver: .records) { call in
            try await Releases.reject(call)
            return .true
        },
        ModelMethod(model: "finance.release", name: "action_scan", receiver: .records) { call in try await Releases.scan(call) },
        ModelMethod(model: "finance.receivable", name: "action_confirm", receiver: .records) { call in
            try await Receivables.confirm(call)
            return .true
        },
        ModelMethod(model: "finance.receivable", name: "action_dispute", receiver: .records) { call in
            try await Receivables.dispute(call)
            return .true
        },
        ModelMethod(model: "finance.receivable", name: "action_resolve", receiver: .records) { call in
            try await Receivables.resolve(call)
            return .true
        },
        ModelMethod(model: "finance.receivable", name: "action_cancel", receiver: .records) { call in
            try await Receivables.cancel(call)
            return .true
        },
        ModelMethod(model: "finance.receivable", name: "action_settle", receiver: .records) { call in
            try await Receivables.settle(call)
            return .true
        },
        transition("finance.collateral.alert", "action_close", from: ["open"], to: "closed"),
        ModelMethod(model: "finance.entry", name: "export_entries", receiver: .model) { call in try await Entries.export(call) },
    ]
}
