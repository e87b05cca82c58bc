import ChainstoreCore
import ChainstoreDB
import Foundation

/// Drawdowns, repayments and fees (finance spec §3, §6.3 invariants 4 and 7). A drawdown and a
/// repayment lock the credit line first, then the loan, then the pledge: two drawdowns against
/// one line are served one after the other, each seeing what the other took.
enum Loans {
    struct Request {
        var line: Int64
        var amount: Decimal
        var maturity: String
        var pledge: Int64?
        var receivables: [Int64] = []
        var key: String?
        var purpose: String?
        var date: String?
    }

    /// `finance.credit.line.drawdown(amount, maturity_date, pledge_id=None, receivable_ids=[],
    /// idempotency_key=None, purpose=None, date=None)`: a loan made, approved and disbursed at
    /// once; the same key again answers the same loan.
    static func drawdown(_ call: MethodCall) async throws -> Value {
        guard call.ids.count == 1 else { throw ChainstoreError.userError("Draw down on one credit line at a time.") }
        try Parties.requireOfficer(call.store)
        guard let amount = call.argument(0, "amount")?.decimalValue, amount > 0 else {
            throw ChainstoreError.valueError("A drawdown is an amount above zero.")
        }
        guard case .string(let maturity)? = call.argument(1, "maturity_date") else { throw ChainstoreError.valueError("A loan has a maturity date.") }
        var request = Request(line: call.ids[0], amount: amount, maturity: maturity)
        request.pledge = call.argument(2, "pledge_id")?.intValue
        request.receivables = call.argument(3, "receivable_ids")?.arrayValue?.compactMap(\.intValue) ?? []
        request.key = call.argument(4, "idempotency_key")?.stringValue
        request.purpose = call.argument(5, "purpose")?.stringValue
        request.date = call.argument(6, "date")?.stringValue
        // The line's row lock (lockAndCheck takes it FOR UPDATE) serialises drawdowns against it.
        try await call.store.lockAndCheck(try call.store.model("finance.credit.line"), ids: [request.line], operation: .write)
        if let key = request.key, let existing = try await replay(call.store.tx, key: key, request) { return .int(existing) }
        let create: SQLBuilder = """
            INSERT INTO finance_loan (credit_line_id, maturity_date, principal_amount, pledge_id, idempotency_key, purpose, state,
                                      create_uid, create_date, write_uid, write_date)
            VALUES (\(request.line), \(request.maturity)::date, \(request.amount), \(request.pledge), \(request.key), \(request.purpose), 'approved',
                    \(call.store.env.uid), now(), \(call.store.env.uid), now())
            RETURNING id
            """
        let loan = try await call.store.tx.one(create).decode(Int64.self)
        try await disburse(call.store, loan: loan, receivables: request.receivables, date: request.date)
        return .int(loan)
    }

    /// The loan an idempotency key already made, when the request is the same; a different
    /// request under a used key is refused.
    static func replay(_ tx: Transaction, key: String, _ request: Request) async throws -> Int64? {
        let sql: SQLBuilder = "SELECT id, credit_line_id, principal_amount, maturity_date::text, pledge_id FROM finance_loan WHERE idempotency_key = \(key)"
        guard let row = try await tx.query(sql).first else { return nil }
        let (id, line, amount, maturity, pledge) = try row.decode((Int64, Int64, Decimal, String, Int64?).self)
        guard line == request.line, amount == request.amount, maturity == request.maturity, pledge == request.pledge else {
            throw ChainstoreError.userError("The idempotency key \(key) was used for another drawdown (loan \(id)); a new drawdown needs a new key.")
        }
        return id
    }

    /// Pays an approved loan out (invariant 4): its line active and in force, within the limit,
    /// its pledge active and the loan-to-value after drawdown within the opening line, or its
    /// receivables confirmed, undisputed and within the advance rate. The caller holds the line.
    static func disburse(_ store: RecordStore, loan: Int64, receivables: [Int64], date: String?) async throws {
        let tx = store.tx
        let sql: SQLBuilder = """
            SELECT l.name, l.state, l.principal_amount, l.pledge_id, l.maturity_date <= coalesce(\(date)::date, \(Finance.today)),
                   c.name, c.state, c.product_type, c.available_amount, c.max_ltv, c.advance_rate, c.borrower_id,
                   coalesce(\(date)::date, \(Finance.today)) BETWEEN c.start_date AND coalesce(c.end_date, 'infinity'::date),
                   c.registration_expiry IS NOT NULL AND c.registration_expiry < coalesce(\(date)::date, \(Finance.today))
            FROM finance_loan l JOIN finance_credit_line c ON c.id = l.credit_line_id WHERE l.id = \(loan) FOR NO KEY UPDATE OF l
            """
        let (name, state, amount, pledge, matured, line, lineState, product, available, maxLTV, advanceRate, borrower, inForce, lapsed) =
            try (try await tx.one(sql)).decode((String, String, Decimal, Int64?, Bool, String, String, String, Decimal, Decimal, Decimal, Int64, Bool, Bool).self)
        guard state == "approved" else { throw ChainstoreError.userError("\(name) is \(state); only an approved loan is disbursed.") }
        guard lineState == "active", inForce, !lapsed else {
            throw ChainstoreError.userError("\(line) is \(lineState)\(inForce ? "" : ", not in force that day")\(lapsed ? ", its registration lapsed" : ""); no drawdown is possible.")
        }
        guard !matured else { throw ChainstoreError.userError("\(name) would mature before it is paid out.") }
        guard amount <= available else {
            throw ChainstoreError.userError("\(line) has \(available) available; a drawdown of \(amount) exceeds the limit.")
        }
        if product == "receivable" {
            try await Receivables.assign(tx, loan: loan, receivables: receivables, supplier: borrower, amount: amount, advanceRate: advanceRate)
        } else {
            guard let pledge else { throw ChainstoreError.userError("\(name) is secured by a pledge: name it (pledge_id).") }
            let check: SQLBuilder = """
                SELECT p.name, p.state, p.credit_line_id = l.credit_line_id FROM finance_pledge p, finance_loan l WHERE p.id = \(pledge) AND l.id = \(loan)
                """
            guard let row = try await tx.query(check).first else { throw ChainstoreError.missing("Pledge \(pledge) does not exist.") }
            let (pledgeName, pledgeState, sameLine) = try row.decode((String, String, Bool).self)
            guard sameLine else { throw ChainstoreError.userError("\(pledgeName) secures another credit line.") }
            guard pledgeState == "active" else {
                throw ChainstoreError.userError("\(pledgeName) is \(pledgeState); loans are drawn against an active pledge only.")
            }
        }
        let pay: SQLBuilder = """
            UPDATE finance_loan SET state = 'disbursed', principal_outstanding = principal_amount,
                   drawdown_date = coalesce(\(date)::date, \(Finance.today)), write_uid = \(store.env.uid), write_date = now()
            WHERE id = \(loan)
            """
        try await tx.query(pay)
        if let pledge, product != "receivable" {
            // Valued once, with this loan in the exposure; past the opening line the whole drawdown
            // is refused (the transaction rolls back, the valuation with it).
            try await Collateral.revalue(tx, pledges: [pledge], why: .drawdown)
            let value: SQLBuilder = "SELECT name, collateral_value, exposure FROM finance_pledge WHERE id = \(pledge)"
            let (pledgeName, collateral, exposure) = try (try await tx.one(value)).decode((String, Decimal, Decimal).self)
            guard collateral > 0, exposure <= collateral * maxLTV else {
                let ltv = collateral > 0 ? "\((exposure / collateral * 100).rounded(2))%" : "infinite"
                throw ChainstoreError.userError(
                    "After this drawdown \(pledgeName) would stand at \(ltv) of its collateral value \(collateral), above the opening line of \(maxLTV * 100)%.")
            }
        }
        try await tx.query("UPDATE finance_credit_line SET exposure = exposure + \(amount), write_date = now() WHERE id = (SELECT credit_line_id FROM finance_loan WHERE id = \(loan))")
        try await Entries.post(tx, loan: loan, event: "disbursement", move: "DD/\(name)", date: date, lines: [
            .init(book: "lender", account: "loans_receivable", debit: amount, credit: 0), .init(book: "lender", account: "bank", debit: 0, credit: amount),
            .init(book: "borrower", account: "bank", debit: amount, credit: 0),
            .init(book: "borrower", account: "short_term_borrowings", debit: 0, credit: amount),
        ])
    }

    /// `finance.loan.action_disburse()` for loans made and approved through the records.
    static func disburseApproved(_ call: MethodCall) async throws {
        try Parties.requireOfficer(call.store)
        try await call.store.tx.query("""
            SELECT id FROM finance_credit_line WHERE id IN (SELECT credit_line_id FROM finance_loan WHERE id = ANY(\(call.ids))) ORDER BY id FOR UPDATE
            """)
        let ids = try await call.recordsToWrite("finance.loan")
        for loan in ids {
            let receivables = call.argument(0, "receivable_ids")?.arrayValue?.compactMap(\.intValue) ?? []
            try await disburse(call.store, loan: loan, receivables: receivables, date: nil)
        }
    }
}
