import ChainstoreCore
import ChainstoreDB
import Foundation

extension Migration {
    /// The reordering run's proposals at the group's size, with the same figures:
    /// - a batch's open moves are read from its own places (the open-move indexes by place of
    ///   stock 0016) instead of every open move of its products in the group, which grew with
    ///   every open order of every store; a read of a few rules still goes by product;
    /// - the quantities on their way are joined to the rules with their lead days in one step,
    ///   so the planner hashes them instead of comparing every rule with every rule.
    static let proposalsAtScale = Migration("0004_proposals_at_scale", sql: proposalsAtScaleText)

    /// The function as 0004 leaves it.
    static let proposalsAtScaleText: String = {
        let open = "m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned')"
        /// Open moves of the batch's products arriving at (`to`) or leaving (`from`) its places.
        func moves(_ at: String, _ other: String) -> String {
            """
            (SELECT pl.root, m.product_id, m.purchase_line_id, m.date, m.product_qty, m.product_uom_qty, m.\(other) AS other
                  FROM stock_move m JOIN places pl ON pl.loc = m.\(at)
                  WHERE cardinality(ids) <= 64 AND \(open) AND m.product_id IN (SELECT product_id FROM products)
                  UNION ALL
                  SELECT pl.root, m.product_id, m.purchase_line_id, m.date, m.product_qty, m.product_uom_qty, m.other
                  FROM places pl CROSS JOIN LATERAL (
                      SELECT m.product_id, m.purchase_line_id, m.date, m.product_qty, m.product_uom_qty, m.\(other) AS other FROM stock_move m
                      WHERE m.\(at) = pl.loc AND \(open) OFFSET 0) m
                  WHERE cardinality(ids) > 64 AND m.product_id IN (SELECT product_id FROM products)) m
            """
        }
        let openMoves = """
                open_moves AS MATERIALIZED (
                    SELECT m.root, m.product_id, CASE WHEN m.purchase_line_id IS NOT NULL THEN today ELSE (m.date AT TIME ZONE 'Asia/Shanghai')::date END AS day,
                           sum(coalesce(m.product_qty, m.product_uom_qty)) AS qty
                    FROM \(moves("location_dest_id", "location_id"))
                    WHERE NOT EXISTS (SELECT 1 FROM places x WHERE x.root = m.root AND x.loc = m.other)
                    GROUP BY 1, 2, 3
                    UNION ALL
                    SELECT m.root, m.product_id, (m.date AT TIME ZONE 'Asia/Shanghai')::date, -sum(coalesce(m.product_qty, m.product_uom_qty))
                    FROM \(moves("location_id", "location_dest_id"))
                    WHERE NOT EXISTS (SELECT 1 FROM places x WHERE x.root = m.root AND x.loc = m.other)
                    GROUP BY 1, 2, 3),

            """
        let text = replacingCTE(proposalsCountingConfirmedReceipts, "open_moves", before: "quoted_lines", with: openMoves)
        return replacingOnce(text, [("""
            lead AS MATERIALIZED (
                SELECT pd.id, coalesce(v.delay, 0) + pd.company_days AS days, v.partner_id
                FROM pending pd LEFT JOIN vendor v ON v.id = pd.id),
            moving AS (
                SELECT pd.id, sum(mv.qty) AS qty
                FROM pending pd JOIN lead ld ON ld.id = pd.id JOIN open_moves mv ON mv.root = pd.location_id AND mv.product_id = pd.product_id
                WHERE pd.moving AND mv.day <= today + ceil(ld.days + pd.visibility_days)::int
                GROUP BY 1),
            """, """
            lead AS MATERIALIZED (
                SELECT pd.id, coalesce(v.delay, 0) + pd.company_days AS days, v.partner_id, pd.location_id, pd.product_id, pd.visibility_days, pd.moving
                FROM pending pd LEFT JOIN vendor v ON v.id = pd.id),
            moving AS (
                SELECT ld.id, sum(mv.qty) AS qty
                FROM lead ld JOIN open_moves mv ON mv.root = ld.location_id AND mv.product_id = ld.product_id
                WHERE ld.moving AND mv.day <= today + ceil(ld.days + ld.visibility_days)::int
                GROUP BY 1),
            """)])
    }()

    /// `text` with the common table expression `name` (up to the one named `next`) replaced.
    static func replacingCTE(_ text: String, _ name: String, before next: String, with new: String) -> String {
        guard let start = text.range(of: "\(name) AS MATERIALIZED ("), let end = text.range(of: "\(next) AS (", range: start.upperBound..<text.endIndex),
              text.components(separatedBy: "\(name) AS MATERIALIZED (").count == 2
        else { preconditionFailure("stock_orderpoint_proposals: no common table expression \(name) before \(next)") }
        let lineStart = text[..<start.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) } ?? start.lowerBound
        let nextStart = text[..<end.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) } ?? end.lowerBound
        return text.replacingCharacters(in: lineStart..<nextStart, with: new)
    }
}
