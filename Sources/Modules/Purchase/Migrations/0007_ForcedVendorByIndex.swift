import ChainstoreCore
import ChainstoreDB
import Foundation

extension Migration {
    /// A rule's own vendor (`supplier_id`) is looked up by its id, rule by rule: the planner's
    /// guess for the rules needing an order (hundreds of thousands, for the 5,000 of a batch)
    /// made it hash every vendor price of the group instead (510,000 rows, 185 ms of a batch's
    /// 590 ms on the full demo group, even when no rule names a vendor). The same answer.
    static let forcedVendorByIndex = Migration("0007_forced_vendor_by_index", sql: replacingOnce(proposalsPerBatch.sql, [
        ("""
            DROP FUNCTION stock_orderpoint_proposals(bigint[], date, boolean);
            CREATE FUNCTION stock_orderpoint_proposals(
            """, "CREATE OR REPLACE FUNCTION stock_orderpoint_proposals("),
        ("FROM pending pd JOIN product_supplierinfo s ON s.id = pd.forced\n", """
            FROM pending pd CROSS JOIN LATERAL (
                SELECT s.id, s.partner_id, s.sequence, s.min_qty, s.price, s.delay FROM product_supplierinfo s WHERE s.id = pd.forced OFFSET 0) s
            WHERE pd.forced IS NOT NULL

            """),
    ]))
}
