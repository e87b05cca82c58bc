import ChainstoreCore
import ChainstoreDB
import Foundation

/// A supplier's receivables on the group (finance spec §1.2, §6.3 invariant 8): financeable only
/// once the group confirmed the goods received and the amount, within the advance rate, never
/// while one of the supplier's receivables is disputed, and assigned once.
enum Receivables {
    /// `finance.receivable.action_confirm()`: the debtor company confirms that the goods came in
    /// (its receipt is done) and that it owes the face amount (within its purchase order).
    static func confirm(_ call: MethodCall) async throws {
        let ids = try await call.recordsToWrite("finance.receivable")
        guard call.store.env.isSystem || call.store.env.hasGroup("purchase.group_purchase_manager") || call.store.env.hasGroup(Parties.officer)
                || call.store.env.hasGroup("base.group_system") else {
            throw ChainstoreError.accessError("Only the group's purchasing managers confirm what it owes its suppliers.")
        }
        let sql: SQLBuilder = """
            SELECT r.name, r.state, pk.id IS NOT NULL AND pk.state = 'done', pk.id IS NULL OR pk.company_id = r.debtor_company_id,
                   r.purchase_order_id IS NULL OR r.face_amount <= (SELECT coalesce(sum(pla.total), 0) FROM purchase_order_line pol, purchase_line_amounts(pol.id) pla
                                                                        WHERE pol.order_id = r.purchase_order_id)
            FROM finance_receivable r LEFT JOIN stock_picking pk ON pk.id = r.receipt_picking_id
            WHERE r.id = ANY(\(ids)) ORDER BY r.id
            """
        for row in try await call.store.tx.query(sql) {
            let (name, state, received, debtor, withinOrder) = try row.decode((String, String, Bool, Bool, Bool).self)
            guard state == "draft" else { throw ChainstoreError.userError("\(name) is \(state); only a draft receivable is confirmed.") }
            guard received, debtor else { throw ChainstoreError.userError("\(name): the debtor's receipt of the goods is not done.") }
            guard withinOrder else { throw ChainstoreError.userError("\(name): the face amount is more than its purchase order.") }
        }
        try await Transition.move(call.store.tx, "finance_receivable", ids, from: ["draft"], to: "confirmed",
                                  set: ", confirmed_at = now(), confirmed_by = \(call.store.env.uid)")
    }

    /// Assigns `receivables` to `loan` (the caller holds the credit line): each the borrower's,
    /// confirmed and not assigned before; none of the borrower's disputed; the advance at most
    /// their face × the advance rate.
    static func assign(_ tx: Transaction, loan: Int64, receivables: [Int64], supplier: Int64, amount: Decimal, advanceRate: Decimal) async throws {
        guard !receivables.isEmpty else { throw ChainstoreError.userError("Receivable financing names the receivables it advances on.") }
        let disputed: SQLBuilder = "SELECT name FROM finance_receivable WHERE supplier_id = \(supplier) AND state = 'disputed' ORDER BY id LIMIT 1"
        if let name = try await tx.query(disputed).first?.decode(String.self) {
            throw ChainstoreError.userError("\(name) of this supplier is disputed; no new advance until it is resolved.")
        }
        let sql: SQLBuilder = "SELECT id, name, state, supplier_id, face_amount FROM finance_receivable WHERE id = ANY(\(receivables)) ORDER BY id FOR UPDATE"
        let rows = try await tx.query(sql)
        guard rows.count == Set(receivables).count else { throw ChainstoreError.missing("A receivable named does not exist.") }
        var face: Decimal = 0
        for row in rows {
            let (_, name, state, owner, amount) = try row.decode((Int64, String, String, Int64, Decimal).self)
            guard owner == supplier else { throw ChainstoreError.userError("\(name) is another supplier's receivable.") }
            guard state == "confirmed" else {
                throw ChainstoreError.userError(state == "assigned" ? "\(name) is already assigned; a receivable is financed once." :
                                                    "\(name) is \(state); only a receivable the group confirmed is financed.")
            }
            face += amount
        }
        let most = (face * advanceRate).rounded(2)
        guard amount <= most else { throw ChainstoreError.userError("The advance \(amount) is more than \(most) (face \(face) × \(advanceRate)).") }
        try await tx.query("""
            UPDATE finance_receivable r SET state = 'assigned', loan_id = \(loan), assigned_to_id = l.lender_id,
                   advance_amount = round(\(amount) * r.face_amount / \(face), 2), write_date = now()
            FROM finance_loan l WHERE l.id = \(loan) AND r.id = ANY(\(receivables)) AND r.state = 'confirmed' AND r.loan_id IS NULL
            """)
    }
}
