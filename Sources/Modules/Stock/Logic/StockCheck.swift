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

    /// A balance of a store or warehouse below zero: goods sold at a till before the stock was
    /// booked in (a till never refuses a sale). Not a ledger error; a place to count.
    public struct Shortfall: Sendable, Equatable, CustomStringConvertible {
        public let productId: Int64, locationId: Int64, companyId: Int64?, lotId: Int64?
        public let product: String, location: String, quantity: Decimal

        public var description: String {
            "\(product) (product \(productId)) at \(location) (location \(locationId)\(lotId.map { ", lot \($0)" } ?? "")): \(quantity)"
        }
    }

    /// Every internal balance below zero, by place and product.
    public static func shortfalls(_ tx: Transaction) async throws -> [Shortfall] {
        let sql = SQLBuilder("""
            SELECT q.product_id, q.location_id, q.company_id, q.lot_id, coalesce(p.default_code || ' ', '') || t.name, l.complete_name, q.quantity
            FROM stock_quant q JOIN stock_location l ON l.id = q.location_id JOIN product_product p ON p.id = q.product_id
            JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE q.quantity < 0 AND l.usage = 'internal' ORDER BY q.location_id, q.product_id, q.lot_id
            """)
        return try await tx.query(sql).map { row in
            let (product, location, company, lot, name, place, quantity) = try row.decode((Int64, Int64, Int64?, Int64?, String, String, Decimal).self)
            return Shortfall(productId: product, locationId: location, companyId: company, lotId: lot, product: name, location: place, quantity: quantity)
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
