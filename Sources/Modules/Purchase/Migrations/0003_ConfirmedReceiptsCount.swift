import ChainstoreCore
import ChainstoreDB
import Foundation

extension Migration {
    /// A confirmed purchase's receipt counts in the reordering forecast whatever its day: it is
    /// planned for the supplier's next delivery day open for orders (often beyond the vendor's
    /// lead days with weekly deliveries), and an order placed now cannot arrive sooner, so
    /// leaving it out made every run order the same goods again until they arrived. Requests for
    /// quotation already counted without a date. The function of 0001 with that one change.
    static let confirmedReceiptsCount = Migration("0003_confirmed_receipts_count", sql: proposalsCountingConfirmedReceipts)

    /// `orderpointProposals` (as `CREATE OR REPLACE`) with confirmed receipts counted today.
    static let proposalsCountingConfirmedReceipts: String = {
        let dated = """
            SELECT pl.root, m.product_id, (m.date AT TIME ZONE 'Asia/Shanghai')::date AS day, sum(coalesce(m.product_qty, m.product_uom_qty)) AS qty
            """
        let counted = """
            SELECT pl.root, m.product_id, CASE WHEN m.purchase_line_id IS NOT NULL THEN today ELSE (m.date AT TIME ZONE 'Asia/Shanghai')::date END AS day,
                   sum(coalesce(m.product_qty, m.product_uom_qty)) AS qty
            """
        return replacingOnce(orderpointProposals, [
            ("CREATE FUNCTION stock_orderpoint_proposals", "CREATE OR REPLACE FUNCTION stock_orderpoint_proposals"), (dated, counted),
        ])
    }()

    /// `text` with each pair's first part, which must occur exactly once, replaced by its second.
    static func replacingOnce(_ text: String, _ changes: [(String, String)]) -> String {
        changes.reduce(text) { text, change in text.replacingEach(change.0, times: 1, with: change.1) }
    }
}

extension String {
    /// The text with `old`, which must occur exactly `times` times, replaced by `new`.
    func replacingEach(_ old: String, times: Int, with new: String) -> String {
        precondition(components(separatedBy: old).count == times + 1, "stock_orderpoint_proposals: \(old.prefix(60))")
        return replacingOccurrences(of: old, with: new)
    }
}
