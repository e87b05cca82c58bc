import ChainstoreCore
import ChainstoreDB
import Foundation

extension StockDocuments {
    /// Goods moved at once for another module's document (a pledge's goods in and out): `quantity`
    /// of `product` (in its unit) from `from` to `to`, of `lot`, out of `package` and, when
    /// `keepPackage`, still on it at the destination.
    public struct Goods: Sendable {
        public let product: Int64, quantity: Decimal, from: Int64, to: Int64
        public let lot: Int64?, package: Int64?, keepPackage: Bool

        public init(product: Int64, quantity: Decimal, from: Int64, to: Int64, lot: Int64? = nil, package: Int64? = nil, keepPackage: Bool = true) {
            (self.product, self.quantity, self.from, self.to) = (product, quantity, from, to)
            (self.lot, self.package, self.keepPackage) = (lot, package, keepPackage)
        }
    }

    /// Posts `goods` now as one done internal transfer of the source's warehouse, with the
    /// caller's rights checked by the ledger's rules; returns the transfer.
    @discardableResult
    public static func moveNow(_ store: RecordStore, _ goods: [Goods], origin: String) async throws -> Int64? {
        guard let first = goods.first else { return nil }
        let type: SQLBuilder = """
            SELECT pt.id FROM stock_location l JOIN stock_warehouse w
                ON l.parent_path LIKE (SELECT parent_path FROM stock_location v WHERE v.id = w.view_location_id) || '%'
            JOIN stock_picking_type pt ON pt.warehouse_id = w.id AND pt.code = 'internal'
            WHERE l.id = \(first.from) ORDER BY pt.sequence, pt.id LIMIT 1
            """
        let internalType = try await store.tx.query(type).first?.decode(Int64.self)
        let lines = goods.map {
            Ledger.DirectLine(product: $0.product, quantity: $0.quantity, from: $0.from, to: $0.to, lot: $0.lot, package: $0.package,
                              resultPackage: $0.keepPackage ? $0.package : nil)
        }
        return try await Ledger(store: store).moveNow(lines, type: internalType, origin: origin)
    }

    /// Moves whole packages (pallets) and everything on them to `destination` as one internal
    /// transfer; returns the transfer.
    @discardableResult
    public static func movePackages(_ store: RecordStore, _ packages: [Int64], to destination: Int64) async throws -> Int64? {
        try await Ledger(store: store).movePackages(packages, to: destination)
    }
}
