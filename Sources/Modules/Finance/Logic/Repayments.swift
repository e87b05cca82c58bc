import ChainstoreCore
import ChainstoreDB
import Foundation

/// Payments on loans, allocated by the contract's order (finance spec §3): unless the contract
/// says otherwise the Civil Code's (art. 561): costs and fees, then interest (penalty interest
/// first), then principal.
enum Repayments {
    /// What is owed on a loan, by bucket, in the order a payment is applied.
    struct Owed {
        var fees: Decimal, penalty: Decimal, interest: Decimal, principal: Decimal
        var total: Decimal { fees + penalty + interest + principal }
    }

    /// How `amount` is applied: each bucket in `order` takes what it can.
    static func allocate(_ amount: Decimal, owed: Owed, principalFirst: Bool) -> Owed {
        var left = amount
        var paid = Owed(fees: 0, penalty: 0, interest: 0, principal: 0)
        let order: [WritableKeyPath<Owed, Decimal>] = principalFirst ? [\.principal, \.fees, \.penalty, \.interest] : [\.fees, \.penalty, \.interest, \.principal]
        for bucket in order {
            let part = min(left, owed[keyPath: bucket])
            paid[keyPath: bucket] = part
            left -= part
        }
        return paid
    }

    /// `finance.loan.repay(amount, date=None, idempotency_key=None, payment_ref=None)`: answers the
    /// `finance.repayment`. Interest is accrued to the day before and posted first; the same key
    /// again answers the same repayment.
    static func repay(_ call: MethodCall) async throws -> Value {
        guard call.ids.count == 1 else { throw ChainstoreError.userError("Repay one loan at a time.") }
        try Parties.requireOfficer(call.store)
        guard let amount = call.argument(0, "amount")?.decimalValue, amount > 0, amount == amount.rounded(2) else {
            throw ChainstoreError.valueError("A repayment is an amount above zero, in fen.")
        }
        let date = call.argument(1, "date")?.stringValue
        let key = call.argument(2, "idempotency_key")?.stringValue
        let reference = call.argument(3, "payment_ref")?.stringValue
        let made = try await apply(call.store, loan: call.ids[0], amount: amount, date: date, key: key, reference: reference, capped: false)
        return made.map { .int($0.id) } ?? .false
    }

    /// Pays `amount` on `loan` (with `capped`, what is owed of it, nothing when nothing is): the
    /// repayment made (or the one `key` made before) and how much it took.
    static func apply(
        _ store: RecordStore, loan: Int64, amount: Decimal, date: String?, key: String?, reference: String?, capped: Bool
    ) async throws -> (id: Int64, paid: Decimal)? {
        let tx = store.tx
        // The credit line first, as a drawdown and the nightly accrual take it: no deadlock with them.
        try await tx.query("SELECT id FROM finance_credit_line WHERE id = (SELECT credit_line_id FROM finance_loan WHERE id = \(loan)) FOR UPDATE")
        try await store.lockAndCheck(try store.model("finance.loan"), ids: [loan], operation: .write)
        if let key {
            let sql: SQLBuilder = "SELECT id, loan_id, amount FROM finance_repayment WHERE idempotency_key = \(key)"
            if let row = try await tx.query(sql).first {
                let (id, paidLoan, paid) = try row.decode((Int64, Int64, Decimal).self)
                guard paidLoan == loan, paid == amount || capped else {
                    throw ChainstoreError.userError("The idempotency key \(key) was used for another repayment; a new payment needs a new key.")
                }
                return (id, paid)
            }
        }
        let head: SQLBuilder = """
            SELECT l.name, l.state, l.drawdown_date <= coalesce(\(date)::date, \(Finance.today)),
                   l.accrued_through IS NOT NULL AND l.accrued_through >= coalesce(\(date)::date, \(Finance.today)), c.repayment_order = 'principal_first',
                   coalesce(\(date)::date, \(Finance.today)) > \(Finance.today)
            FROM finance_loan l JOIN finance_credit_line c ON c.id = l.credit_line_id WHERE l.id = \(loan) FOR NO KEY UPDATE OF l
            """
        let (name, state, started, accruedPast, principalFirst, future) = try (try await tx.one(head)).decode((String, String, Bool, Bool, Bool, Bool).self)
        guard ["disbursed", "overdue", "in_enforcement"].contains(state) else { throw ChainstoreError.userError("\(name) is \(state); nothing is owed on it.") }
        guard started, !future else { throw ChainstoreError.userError("A repayment of \(name) is dated between its drawdown and today.") }
        guard !accruedPast else {
            throw ChainstoreError.userError("Interest on \(name) is already accrued for that day; a repayment is dated after the last day accrued.")
        }
        // Interest to the day before the payment, then posted, so the books hold what is paid.
        try await tx.query("SELECT finance_accrue(coalesce(\(date)::date, \(Finance.today)) - 1, NULL, \([loan]))")
        try await tx.query("SELECT finance_post_interest(\([loan]), coalesce(\(date)::date, \(Finance.today)))")
        let owedSQL: SQLBuilder = """
            SELECT fees_outstanding, round(penalty_accrued, 2) - penalty_paid, round(interest_accrued, 2) - interest_paid, principal_outstanding,
                   pledge_id, credit_line_id
            FROM finance_loan WHERE id = \(loan)
            """
        let (fees, penalty, interest, principal, pledge, line) = try (try await tx.one(owedSQL)).decode((Decimal, Decimal, Decimal, Decimal, Int64?, Int64).self)
        let owed = Owed(fees: fees, penalty: penalty, interest: interest, principal: principal)
        let amount = capped ? min(amount, owed.total) : amount
        guard amount > 0 else { return nil }
        guard amount <= owed.total else { throw ChainstoreError.userError("\(name) owes \(owed.total); a payment of \(amount) is more than that.") }
        let paid = allocate(amount, owed: owed, principalFirst: principalFirst)
        let allocation: Value = [
            "fees": .string("\(paid.fees)"), "penalty": .string("\(paid.penalty)"), "interest": .string("\(paid.interest)"),
            "principal": .string("\(paid.principal)"),
        ]
        var json = JSONWriter()
        json.value(allocation)
        let insert: SQLBuilder = """
            INSERT INTO finance_repayment (loan_id, company_id, borrower_company_id, date, amount, fees_paid, penalty_paid, interest_paid, principal_paid,
                                           allocation, payment_ref, idempotency_key, create_uid, create_date, write_uid, write_date)
            SELECT l.id, l.company_id, l.borrower_company_id, coalesce(\(date)::date, \(Finance.today)), \(amount), \(paid.fees), \(paid.penalty),
                   \(paid.interest), \(paid.principal), \(json.text), \(reference), \(key), \(store.env.uid), now(), \(store.env.uid), now()
            FROM finance_loan l WHERE l.id = \(loan) RETURNING id, name
            """
        let (repayment, repaymentName) = try (try await tx.one(insert)).decode((Int64, String).self)
        let settled = amount == owed.total
        let update: SQLBuilder = """
            UPDATE finance_loan SET fees_outstanding = fees_outstanding - \(paid.fees), penalty_paid = penalty_paid + \(paid.penalty),
                   interest_paid = interest_paid + \(paid.interest), principal_outstanding = principal_outstanding - \(paid.principal),
                   state = CASE WHEN \(settled) THEN 'repaid' ELSE state END, write_uid = \(store.env.uid), write_date = now()
            WHERE id = \(loan)
            """
        try await tx.query(update)
        try await tx.query("UPDATE finance_credit_line SET exposure = exposure - \(amount), write_date = now() WHERE id = \(line)")
        let interestAll = paid.penalty + paid.interest
        try await Entries.post(tx, loan: loan, event: "repayment", move: repaymentName, date: date, lines: [
            .init(book: "lender", account: "bank", debit: amount, credit: 0),
            .init(book: "lender", account: "fees_receivable", debit: 0, credit: paid.fees),
            .init(book: "lender", account: "interest_receivable", debit: 0, credit: interestAll),
            .init(book: "lender", account: "loans_receivable", debit: 0, credit: paid.principal),
            .init(book: "borrower", account: "fees_payable", debit: paid.fees, credit: 0),
            .init(book: "borrower", account: "interest_payable", debit: interestAll, credit: 0),
            .init(book: "borrower", account: "short_term_borrowings", debit: paid.principal, credit: 0),
            .init(book: "borrower", account: "bank", debit: 0, credit: amount),
        ])
        if let pledge {
            try await Collateral.revalue(tx, pledges: [pledge], why: .repayment, cure: .repayment)
            if settled {
                // Nothing left to secure: an open margin call has no object.
                try await tx.query("""
                    UPDATE finance_margin_call m SET state = 'cancelled', write_date = now() WHERE m.pledge_id = \(pledge) AND m.state = 'open'
                      AND NOT EXISTS (SELECT 1 FROM finance_loan l WHERE l.pledge_id = \(pledge) AND l.state IN ('disbursed', 'overdue', 'in_enforcement'))
                    """)
                try await tx.query("""
                    UPDATE finance_pledge p SET state = 'active', write_date = now() WHERE p.id = \(pledge) AND p.state = 'called'
                      AND NOT EXISTS (SELECT 1 FROM finance_margin_call m WHERE m.pledge_id = p.id AND m.state = 'open')
                    """)
            }
        }
        return (repayment, amount)
    }

    /// `finance.loan.add_fee(amount, name="fee")`: an arrangement, supervision or registration fee.
    static func addFee(_ call: MethodCall) async throws {
        try Parties.requireOfficer(call.store)
        guard let amount = call.argument(0, "amount")?.decimalValue, amount > 0, amount == amount.rounded(2) else {
            throw ChainstoreError.valueError("A fee is an amount above zero, in fen.")
        }
        try await call.store.tx.query("""
            SELECT id FROM finance_credit_line WHERE id IN (SELECT credit_line_id FROM finance_loan WHERE id = ANY(\(call.ids))) ORDER BY id FOR UPDATE
            """)
        let ids = try await call.recordsToWrite("finance.loan")
        let label = call.argument(1, "name")?.stringValue ?? "fee"
        for loan in ids {
            try await Transition.move(call.store.tx, "finance_loan", [loan], from: ["disbursed", "overdue", "in_enforcement"], to: nil,
                                      set: ", fees_outstanding = fees_outstanding + \(amount)")
            try await call.store.tx.query("""
                UPDATE finance_credit_line SET exposure = exposure + \(amount), write_date = now() WHERE id = (SELECT credit_line_id FROM finance_loan WHERE id = \(loan))
                """)
            try await Entries.post(call.store.tx, loan: loan, event: "fee", move: "FEE/\(loan)/\(label)", date: nil, lines: [
                .init(book: "lender", account: "fees_receivable", debit: amount, credit: 0), .init(book: "lender", account: "fee_income", debit: 0, credit: amount),
                .init(book: "borrower", account: "finance_expense", debit: amount, credit: 0),
                .init(book: "borrower", account: "fees_payable", debit: 0, credit: amount),
            ])
        }
    }

    /// `finance.loan.accrue(upto, since=None)`: the daily interest of these loans to `upto`, from
    /// `since` (a day already accrued is left as it is) or from the day after the last.
    static func accrue(_ call: MethodCall) async throws -> Value {
        try Parties.requireOfficer(call.store)
        let ids = try await call.recordsToWrite("finance.loan")
        guard case .string(let upto)? = call.argument(0, "upto") else { throw ChainstoreError.valueError("accrue needs the last day (upto)") }
        let since = call.argument(1, "since")?.stringValue
        let sql: SQLBuilder = "SELECT finance_accrue(\(upto)::date, \(since)::date, \(ids))"
        return .int(try await call.store.tx.one(sql).decode(Int64.self))
    }
}
