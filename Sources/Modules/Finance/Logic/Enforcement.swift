import ChainstoreCore
import ChainstoreDB
import Foundation
import Stock

/// Enforcement (finance spec §2.5, §2.8 (b); Civil Code arts. 433, 436): past the liquidation line
/// or a margin call's deadline, the lender sells pledged goods and applies the proceeds to the
/// loans they secure; what no sale covers is written off.
enum Enforcement {
    /// `finance.pledge.action_liquidate(lines=[{"line_id", "quantity"}], proceeds, date=None,
    /// idempotency_key=None)`: the goods leave for the buyer (a liquidation release the lender
    /// approves by calling this), the proceeds repay the pledge's loans by maturity; answers
    /// `{"release_id", "repayment_ids", "surplus"}` (the surplus is the pledgor's).
    static func liquidate(_ call: MethodCall) async throws -> Value {
        guard call.ids.count == 1 else { throw ChainstoreError.userError("Liquidate one pledge at a time.") }
        try Parties.requireOfficer(call.store)
        guard let proceeds = call.argument(1, "proceeds")?.decimalValue, proceeds >= 0, proceeds == proceeds.rounded(2) else {
            throw ChainstoreError.valueError("The proceeds of the sale are an amount in fen.")
        }
        let date = call.argument(2, "date")?.stringValue
        let key = call.argument(3, "idempotency_key")?.stringValue
        let tx = call.store.tx
        try await tx.query("""
            SELECT id FROM finance_credit_line WHERE id = (SELECT credit_line_id FROM finance_pledge WHERE id = \(call.ids[0])) FOR UPDATE
            """)
        let pledge = try await Parties.pledge(call.store, call.ids[0])
        if let key, let row = try await tx.query("SELECT id, pledge_id FROM finance_release WHERE idempotency_key = \(key)").first {
            let (release, of) = try row.decode((Int64, Int64).self)
            guard of == pledge.id else { throw ChainstoreError.userError("The idempotency key \(key) was used for another pledge.") }
            return ["release_id": .int(release), "repeated": .true]
        }
        guard pledge.state == "in_enforcement" else {
            throw ChainstoreError.userError("\(pledge.name) is \(pledge.state); goods are sold only under enforcement.")
        }
        let release = try await Releases.make(call.store, pledge: pledge.id, items: call.argument(0, "lines")?.arrayValue ?? [], repayment: nil,
                                              states: ["in_enforcement"])
        try await tx.query("""
            UPDATE finance_release SET kind = 'liquidation', proceeds = \(proceeds), idempotency_key = \(key), state = 'approved',
                   release_value = (SELECT coalesce(sum(value), 0) FROM finance_release_line WHERE release_id = \(release)),
                   approved_by = \(call.store.env.uid), approved_at = now() WHERE id = \(release)
            """)
        let buyer: SQLBuilder = """
            SELECT res_id FROM ir_model_data WHERE module = 'stock' AND name = 'stock_location_customers' AND model = 'stock.location'
            """
        let customers = try await tx.one(buyer).decode(Int64.self)
        let picking = try await Releases.move(call.store, release: release, to: customers, scanner: call.store.env.uid)
        var repayments: [Value] = []
        var left = proceeds
        let loans: SQLBuilder = """
            SELECT id FROM finance_loan WHERE pledge_id = \(pledge.id) AND state IN ('disbursed', 'overdue', 'in_enforcement') ORDER BY maturity_date, id
            """
        for loan in try await tx.query(loans).map({ try $0.decode(Int64.self) }) where left > 0 {
            let made = try await Repayments.apply(call.store, loan: loan, amount: left, date: date, key: "liquidation-\(release)-\(loan)",
                                                  reference: "liquidation \(pledge.name)", capped: true)
            guard let made else { continue }
            repayments.append(.int(made.id))
            left -= made.paid
        }
        try await tx.query("""
            UPDATE finance_pledge p SET state = 'liquidated', write_date = now() WHERE p.id = \(pledge.id)
              AND NOT EXISTS (SELECT 1 FROM finance_pledge_line fl WHERE fl.pledge_id = p.id AND fl.state = 'open')
            """)
        try await Collateral.revalue(tx, pledges: [pledge.id], why: .release)
        return ["release_id": .int(release), "picking_id": picking.map(Value.int) ?? .false, "repayment_ids": .array(repayments),
                "surplus": .string("\(left)")]
    }

    /// `finance.loan.action_write_off()`: what enforcement did not recover leaves the lender's
    /// loans and interest receivable for its credit-loss expense; the loan is closed.
    static func writeOff(_ call: MethodCall) async throws {
        try Parties.requireOfficer(call.store)
        try await call.store.tx.query("""
            SELECT id FROM finance_credit_line WHERE id IN (SELECT credit_line_id FROM finance_loan WHERE id = ANY(\(call.ids))) ORDER BY id FOR UPDATE
            """)
        let ids = try await call.recordsToWrite("finance.loan")
        let tx = call.store.tx
        try await tx.query("SELECT finance_post_interest(\(ids), \(Finance.today))")
        for loan in ids {
            let sql: SQLBuilder = """
                SELECT name, state, principal_outstanding, interest_posted + penalty_posted - interest_paid - penalty_paid, fees_outstanding, exposure
                FROM finance_loan WHERE id = \(loan)
                """
            let (name, state, principal, interest, fees, exposure) = try (try await tx.one(sql)).decode((String, String, Decimal, Decimal, Decimal, Decimal).self)
            guard state == "in_enforcement" else { throw ChainstoreError.userError("\(name) is \(state); only a loan under enforcement is written off.") }
            try await Entries.post(tx, loan: loan, event: "write_off", move: "WO/\(name)", date: nil, lines: [
                .init(book: "lender", account: "credit_loss_expense", debit: principal + interest + fees, credit: 0),
                .init(book: "lender", account: "loans_receivable", debit: 0, credit: principal),
                .init(book: "lender", account: "interest_receivable", debit: 0, credit: interest),
                .init(book: "lender", account: "fees_receivable", debit: 0, credit: fees),
            ])
            try await tx.query("UPDATE finance_loan SET state = 'written_off', write_uid = \(call.store.env.uid), write_date = now() WHERE id = \(loan)")
            try await tx.query("""
                UPDATE finance_credit_line SET exposure = exposure - \(exposure), write_date = now() WHERE id = (SELECT credit_line_id FROM finance_loan WHERE id = \(loan))
                """)
        }
    }
}
