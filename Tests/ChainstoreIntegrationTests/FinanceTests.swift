import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

@testable import Finance

/// The finance register's rules that need no server: the contract's repayment order, interest
/// after maturity (penalty on the overdue principal, compound on the unpaid interest), and the
/// database refusing to let pledged goods go without a release.
@Suite("Supply-chain finance")
struct FinanceTests {
    @Test func aPaymentGoesToCostsThenInterestThenPrincipalUnlessTheContractSaysOtherwise() {
        let owed = Repayments.Owed(fees: 5, penalty: 3, interest: 10, principal: 1000)
        let civil = Repayments.allocate(12, owed: owed, principalFirst: false)
        #expect((civil.fees, civil.penalty, civil.interest, civil.principal) == (5, 3, 4, 0))
        let first = Repayments.allocate(1002, owed: owed, principalFirst: true)
        #expect((first.fees, first.penalty, first.interest, first.principal) == (2, 0, 0, 1000))
        let all = Repayments.allocate(owed.total, owed: owed, principalFirst: false)
        #expect(all.total == owed.total && all.principal == 1000)
    }

    static let setUp = [
        "INSERT INTO res_partner (name, is_company) VALUES ('Borrower Co.', true), ('Lender Bank', true)",
        """
        INSERT INTO finance_credit_line (name, borrower_id, lender_id, company_id, limit_amount, rate, overdue_markup, state)
        SELECT 'line', (SELECT id FROM res_partner WHERE name = 'Borrower Co.'), (SELECT id FROM res_partner WHERE name = 'Lender Bank'), 1, 5000,
               0.06, 0.5, 'active'
        """,
        """
        INSERT INTO finance_loan (credit_line_id, drawdown_date, maturity_date, principal_amount, principal_outstanding, state)
        SELECT id, (now() AT TIME ZONE 'Asia/Shanghai')::date - 10, (now() AT TIME ZONE 'Asia/Shanghai')::date - 5, 1000, 1000, 'disbursed'
        FROM finance_credit_line
        """,
    ]

    /// Ten days of a loan that matured five days ago: five days of interest at 6 % ÷ 360, then five
    /// of penalty at 9 % on the principal and compound interest at 9 % on the 0.83 of unpaid interest.
    @Test(.enabled(if: TestDatabase.isAvailable))
    func interestTurnsIntoPenaltyAndCompoundInterestAtMaturity() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let log = TestDatabase.logger
            try await database.transaction(logger: log) { tx in for statement in Self.setUp { try await tx.execute(statement) } }
            let upto = "(now() AT TIME ZONE 'Asia/Shanghai')::date - 1"
            let rows = try await database.transaction(logger: log) { tx in
                try await tx.query(SQLBuilder("SELECT finance_accrue(\(unsafeRaw: upto))"))[0].decode(Int64.self)
            }
            #expect(rows == 15)
            let again = try await database.transaction(logger: log) { tx in
                try await tx.query(SQLBuilder("SELECT finance_accrue(\(unsafeRaw: upto), (now() AT TIME ZONE 'Asia/Shanghai')::date - 10)"))[0].decode(Int64.self)
            }
            #expect(again == 0)
            let (interest, penalty, state, exposure, lineExposure, breaches) = try await database.transaction(logger: log) { tx in
                let row = try await tx.query(SQLBuilder("""
                    SELECT l.interest_accrued, l.penalty_accrued, l.state, l.exposure, c.exposure FROM finance_loan l JOIN finance_credit_line c ON c.id = l.credit_line_id
                    """))[0].decode((Decimal, Decimal, String, Decimal, Decimal).self)
                return (row.0, row.1, row.2, row.3, row.4, try await FinanceCheck.run(tx))
            }
            #expect(interest == Decimal(string: "0.83333335"))  // 5 × 0.16666667
            #expect(penalty == Decimal(string: "1.25103750"))  // 5 × 0.25 + 5 × 0.00020750
            #expect(state == "overdue")
            #expect(exposure == Decimal(string: "1002.08") && lineExposure == exposure)
            #expect(breaches.isEmpty, "\(breaches)")
        }
    }

    /// Whoever writes a balance in a pledge location — a delivery, a count, hand-made SQL — is
    /// refused unless the transaction moves an approved release of that pledge, and never below
    /// what stays pledged.
    @Test(.enabled(if: TestDatabase.isAvailable))
    func pledgedBalancesOnlyFallUnderAnApprovedRelease() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let log = TestDatabase.logger
            let place = [
                """
                INSERT INTO finance_pledge (credit_line_id, kind, warehouse_id, state) SELECT id, 'static', 1, 'draft' FROM finance_credit_line
                """,
                """
                INSERT INTO stock_location (name, location_id, usage, company_id, finance_pledge_id)
                SELECT 'Pledged', w.view_location_id, 'internal', 1, (SELECT id FROM finance_pledge) FROM stock_warehouse w WHERE w.id = 1
                """,
                "UPDATE finance_pledge SET state = 'active', location_id = (SELECT id FROM stock_location WHERE name = 'Pledged')",
                """
                INSERT INTO product_template (name, categ_id, uom_id, uom_po_id, type, detailed_type)
                SELECT 'rice', (SELECT min(id) FROM product_category), (SELECT min(id) FROM uom_uom), (SELECT min(id) FROM uom_uom), 'product', 'product'
                """,
                "INSERT INTO product_product (product_tmpl_id) SELECT id FROM product_template WHERE name = 'rice'",
                """
                INSERT INTO stock_quant (product_id, location_id, company_id, quantity)
                SELECT p.id, l.id, 1, 10 FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id AND t.name = 'rice', stock_location l
                WHERE l.name = 'Pledged'
                """,
                """
                INSERT INTO finance_pledge_line (pledge_id, company_id, product_id, quant_id, quantity)
                SELECT (SELECT id FROM finance_pledge), 1, q.product_id, q.id, 10 FROM stock_quant q JOIN stock_location l ON l.id = q.location_id AND l.name = 'Pledged'
                """,
            ]
            try await database.transaction(logger: log) { tx in for statement in Self.setUp + place { try await tx.execute(statement) } }
            let fall = "UPDATE stock_quant SET quantity = 4 WHERE location_id = (SELECT id FROM stock_location WHERE name = 'Pledged')"
            await #expect(throws: ChainstoreError.self) {
                try await database.transaction(logger: log) { tx in try await tx.execute(fall) }
            }
            // An approved release named for the transaction lets goods go, down to what stays pledged.
            let release = [
                "INSERT INTO finance_release (pledge_id, company_id, state) SELECT id, 1, 'approved' FROM finance_pledge WHERE NOT EXISTS (SELECT 1 FROM finance_release)",
                "SELECT set_config('chainstore.finance_release', (SELECT id::text FROM finance_release), true)",
            ]
            await #expect(throws: ChainstoreError.self) {  // still 10 pledged
                try await database.transaction(logger: log) { tx in
                    for statement in release { try await tx.execute(statement) }
                    try await tx.execute(fall)
                }
            }
            try await database.transaction(logger: log) { tx in
                for statement in release { try await tx.execute(statement) }
                try await tx.execute("UPDATE finance_pledge_line SET quantity = 4")
                try await tx.execute(fall)
            }
            let left = try await database.transaction(logger: log) { tx in
                try await tx.query(SQLBuilder("SELECT quantity FROM stock_quant WHERE location_id = (SELECT id FROM stock_location WHERE name = 'Pledged')"))[0]
                    .decode(Decimal.self)
            }
            #expect(left == 4)
            // More pledged than is there: refused when the transaction commits.
            await #expect(throws: (any Error).self) {
                try await database.transaction(logger: log) { tx in try await tx.execute("UPDATE finance_pledge_line SET quantity = 5") }
            }
        }
    }
}
