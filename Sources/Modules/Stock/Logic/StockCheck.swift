import ChainstoreCore
import ChainstoreDB
import Foundation

/// `chainstore check stock`: proves that every balance equals the sum of the done move lines
/// into and out of it, and that every reservation equals what open lines hold on it. One query
/// over the whole ledger; it reports each difference, it changes nothing.
public enum StockCheck {
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case quantity, reserved }
        public let kind: Kind
        public let productId: Int64, locationId: Int64, lotId: Int64?, packageId: Int64?, ownerId: Int64?
        /// What the balance says, and what the move lines say it should be.
        public let recorded: Decimal, expected: Decimal

        public var description: String {
            var place = "product \(productId) at location \(locationId)"
            if let lotId { place += ", lot \(lotId)" }
            if let packageId { place += ", package \(packageId)" }
            if let ownerId { place += ", owner \(ownerId)" }
            return "\(place): \(kind.rawValue) \(recorded), move lines say \(expected)"
        }
    }

    public static func run(_ tx: Transaction) async throws -> [Difference] {
        var sql = SQLBuilder("WITH ledger AS (")
        sql += "SELECT ml.product_id, ml.location_dest_id AS location_id, coalesce(ml.lot_id, 0) AS lot, coalesce(ml.result_package_id, 0) AS pkg, "
        sql += "coalesce(ml.owner_id, 0) AS own, ml.quantity_product_uom AS q FROM stock_move_line ml "
        sql += "JOIN stock_location l ON l.id = ml.location_dest_id WHERE ml.state = 'done' AND l.usage IN ('internal', 'transit') "
        sql += "UNION ALL SELECT ml.product_id, ml.location_id, coalesce(ml.lot_id, 0), coalesce(ml.package_id, 0), coalesce(ml.owner_id, 0), "
        sql += "-ml.quantity_product_uom FROM stock_move_line ml JOIN stock_location l ON l.id = ml.location_id "
        sql += "WHERE ml.state = 'done' AND l.usage IN ('internal', 'transit')), "
        sql += "sums AS (SELECT product_id, location_id, lot, pkg, own, sum(q) AS q FROM ledger GROUP BY 1, 2, 3, 4, 5), "
        sql += "quants AS (SELECT id, product_id, location_id, coalesce(lot_id, 0) AS lot, coalesce(package_id, 0) AS pkg, "
        sql += "coalesce(owner_id, 0) AS own, quantity, reserved_quantity FROM stock_quant), "
        sql += "held AS (SELECT reserved_quant_id AS id, sum(quantity_reserved) AS r FROM stock_move_line "
        sql += "WHERE state NOT IN ('done', 'cancel') AND quantity_reserved > 0 GROUP BY reserved_quant_id), "
        sql += "compared AS (SELECT coalesce(s.product_id, q.product_id) AS product_id, coalesce(s.location_id, q.location_id) AS location_id, "
        sql += "coalesce(s.lot, q.lot) AS lot, coalesce(s.pkg, q.pkg) AS pkg, coalesce(s.own, q.own) AS own, "
        sql += "coalesce(q.quantity, 0) AS quantity, coalesce(s.q, 0) AS expected, coalesce(q.reserved_quantity, 0) AS reserved, "
        sql += "coalesce(h.r, 0) AS held FROM sums s FULL JOIN quants q ON q.product_id = s.product_id AND q.location_id = s.location_id "
        sql += "AND q.lot = s.lot AND q.pkg = s.pkg AND q.own = s.own LEFT JOIN held h ON h.id = q.id) "
        sql += "SELECT 'quantity', product_id, location_id, lot, pkg, own, quantity, expected FROM compared WHERE quantity <> expected "
        sql += "UNION ALL SELECT 'reserved', product_id, location_id, lot, pkg, own, reserved, held FROM compared WHERE reserved <> held "
        sql += "ORDER BY 2, 3, 4, 5, 6, 1"
        return try await tx.query(sql).map { row in
            let (kind, product, location, lot, package, owner, recorded, expected) = try row.decode(
                (String, Int64, Int64, Int64, Int64, Int64, Decimal, Decimal).self)
            return Difference(kind: Difference.Kind(rawValue: kind) ?? .quantity, productId: product, locationId: location,
                              lotId: lot == 0 ? nil : lot, packageId: package == 0 ? nil : package, ownerId: owner == 0 ? nil : owner,
                              recorded: recorded, expected: expected)
        }
    }
}
