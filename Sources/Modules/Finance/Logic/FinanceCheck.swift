import ChainstoreCore
import ChainstoreDB
import Foundation

/// `chainstore check finance`: the register's invariants recomputed from the rows (finance spec
/// §6.3) on one snapshot; it reports each breach and changes nothing.
public enum FinanceCheck {
    public struct Breach: Sendable, CustomStringConvertible {
        public let rule: String, record: String, detail: String
        public var description: String { "\(rule): \(record): \(detail)" }
    }

    static let rules: [(String, String)] = [
        ("pledged quantity within the balance", """
            SELECT 'stock.quant ' || q.id, 'pledged ' || sum(fl.quantity) || ', on hand ' || coalesce(max(q.quantity), 0)
            FROM finance_pledge_line fl JOIN finance_pledge p ON p.id = fl.pledge_id AND p.kind <> 'floating_charge'
            LEFT JOIN stock_quant q ON q.id = fl.quant_id
            WHERE fl.state = 'open' GROUP BY q.id, fl.quant_id HAVING sum(fl.quantity) > coalesce(max(q.quantity), 0)
            """),
        ("pledged goods in their pledge's place", """
            SELECT 'finance.pledge.line ' || fl.id, 'balance at location ' || q.location_id || ', pledge location ' || p.location_id
            FROM finance_pledge_line fl JOIN finance_pledge p ON p.id = fl.pledge_id AND p.kind <> 'floating_charge'
            JOIN stock_quant q ON q.id = fl.quant_id WHERE fl.state = 'open' AND q.location_id IS DISTINCT FROM p.location_id
            """),
        ("goods in a pledge location are pledged", """
            SELECT 'stock.quant ' || q.id, q.quantity || ' at ' || l.complete_name || ', pledged ' || coalesce(sum(fl.quantity), 0)
            FROM stock_quant q JOIN stock_location l ON l.id = q.location_id JOIN finance_pledge p ON p.id = l.finance_pledge_id
                 AND p.state NOT IN ('released', 'liquidated', 'cancelled')
            LEFT JOIN finance_pledge_line fl ON fl.quant_id = q.id AND fl.state = 'open'
            WHERE q.quantity > 0 GROUP BY q.id, l.complete_name HAVING coalesce(sum(fl.quantity), 0) <> q.quantity
            """),
        ("interest accrued is the sum of the days", """
            SELECT l.name, 'interest ' || l.interest_accrued || ' vs ' || coalesce(a.i, 0) || ', penalty ' || l.penalty_accrued || ' vs ' || coalesce(a.p, 0)
            FROM finance_loan l LEFT JOIN (SELECT loan_id, sum(amount) FILTER (WHERE kind = 'interest') AS i, sum(amount) FILTER (WHERE kind <> 'interest') AS p
                                           FROM finance_loan_accrual GROUP BY loan_id) a ON a.loan_id = l.id
            WHERE l.interest_accrued <> coalesce(a.i, 0) OR l.penalty_accrued <> coalesce(a.p, 0)
            """),
        ("repayments are what the loan says was paid", """
            SELECT l.name, 'principal paid ' || (l.principal_amount - l.principal_outstanding) || ' vs ' || coalesce(r.pr, 0)
                   || ', interest ' || l.interest_paid || ' vs ' || coalesce(r.i, 0) || ', penalty ' || l.penalty_paid || ' vs ' || coalesce(r.p, 0)
            FROM finance_loan l LEFT JOIN (SELECT loan_id, sum(principal_paid) AS pr, sum(interest_paid) AS i, sum(penalty_paid) AS p
                                           FROM finance_repayment GROUP BY loan_id) r ON r.loan_id = l.id
            WHERE l.state NOT IN ('draft', 'approved', 'cancelled')
              AND (l.principal_amount - l.principal_outstanding <> coalesce(r.pr, 0) OR l.interest_paid <> coalesce(r.i, 0) OR l.penalty_paid <> coalesce(r.p, 0))
            """),
        ("a credit line's exposure is its loans'", """
            SELECT c.name, 'exposure ' || c.exposure || ', loans ' || coalesce(sum(l.exposure), 0)
            FROM finance_credit_line c LEFT JOIN finance_loan l ON l.credit_line_id = c.id AND l.state IN ('disbursed', 'overdue', 'in_enforcement')
            GROUP BY c.id HAVING c.exposure <> coalesce(sum(l.exposure), 0)
            """),
        ("entries balance", """
            SELECT move || ' (' || book || ')', 'debit ' || sum(debit) || ', credit ' || sum(credit) FROM finance_entry
            GROUP BY move, book HAVING sum(debit) <> sum(credit)
            """),
        ("one assignment per receivable", """
            SELECT name, state || ' without a loan' FROM finance_receivable WHERE state IN ('assigned', 'settled') AND loan_id IS NULL
            """),
    ]

    public static func run(_ tx: Transaction) async throws -> [Breach] {
        var breaches: [Breach] = []
        for (rule, sql) in rules {
            for row in try await tx.query(SQLBuilder(sql)) {
                let (record, detail) = try row.decode((String, String).self)
                breaches.append(Breach(rule: rule, record: record, detail: detail))
            }
        }
        return breaches
    }
}
