import ChainstoreCore
import ChainstoreDB
import Logging

/// A price rule with a time window (a promotion from midnight, a price until Sunday) changes what
/// a till must charge when the window opens or closes, though no row changes then. Every minute
/// the rules whose start or end has passed since the last look are touched (a write that changes
/// nothing, so nothing is audited): the variants they reach take a new catalogue version, so the
/// tills fetch their new prices, and every node drops the rules it cached.
public enum PriceWindows {
    /// Announces the windows that opened or closed since the last call, up to `moment` (now when
    /// nil, as the job runs it); returns how many rules.
    @discardableResult
    public static func advance(_ database: Database, until moment: String? = nil, logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { tx in
            // A rule applies from `date_start` (inclusive) to `date_end` (inclusive).
            let touched = try await tx.query("""
                WITH seen AS (SELECT checked_until, coalesce(\(moment)::timestamptz, now()) AS moment FROM product_price_window WHERE id = 1 FOR UPDATE),
                due AS (
                    SELECT i.id FROM product_pricelist_item i, seen WHERE i.date_start > seen.checked_until AND i.date_start <= seen.moment
                    UNION SELECT i.id FROM product_pricelist_item i, seen WHERE i.date_end >= seen.checked_until AND i.date_end < seen.moment),
                touched AS (
                    UPDATE product_pricelist_item i SET min_quantity = i.min_quantity FROM due WHERE i.id = due.id RETURNING i.id),
                moved AS (UPDATE product_price_window w SET checked_until = seen.moment FROM seen WHERE w.id = 1)
                SELECT count(*) FROM touched
                """).first?.decode(Int64.self) ?? 0
            if touched > 0 { logger.info("price windows opened or closed", metadata: ["rules": "\(touched)"]) }
            return Int(touched)
        }
    }
}
