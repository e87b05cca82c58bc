import ChainstoreCore
import ChainstoreDB
import Foundation

/// Transfers other modules make for their documents (a purchase order's receipt, a sales
/// order's delivery): created with the system's rights, as Odoo's `_create_picking` does,
/// linked to the document, confirmed and reserved.
public enum StockDocuments {
    /// Creates `picking` (with its `move_ids` commands), sets `link` (a column other modules add
    /// to `stock_picking`, e.g. `purchase_id`) to `document`, confirms it; returns its id.
    public static func createConfirmed(_ store: RecordStore, picking: RecordValues, link: String, document: Int64) async throws -> Int64 {
        guard store.registry.models["stock.picking"]?.fields[link]?.isStored == true else {
            throw ChainstoreError.valueError("stock.picking has no link \(link)")
        }
        let system = store.asSystem(reason: "transfers of confirmed documents")
        let id = try await system.create("stock.picking", [picking])[0]
        try await system.tx.query("UPDATE stock_picking SET \(identifier: link) = \(document) WHERE id = \(id)")
        let ledger = Ledger(store: system)
        try await ledger.confirm(try await ledger.moveIds(ofPickings: [id], states: [.draft]))
        return id
    }

    /// Cancels the open transfers linked to `documents` through `link`.
    public static func cancelOpen(_ store: RecordStore, link: String, documents: [Int64]) async throws {
        guard store.registry.models["stock.picking"]?.fields[link]?.isStored == true else {
            throw ChainstoreError.valueError("stock.picking has no link \(link)")
        }
        let open: SQLBuilder = "SELECT id FROM stock_picking WHERE \(identifier: link) = ANY(\(documents)) AND state NOT IN ('done', 'cancel') ORDER BY id"
        let pickings = try await store.tx.query(open).map { try $0.decode(Int64.self) }
        guard !pickings.isEmpty else { return }
        let ledger = Ledger(store: store.asSystem(reason: "transfers of cancelled documents"))
        try await ledger.cancel(try await ledger.moveIds(ofPickings: pickings, states: [.draft, .waiting, .confirmed, .partiallyAvailable, .assigned]))
    }

    /// Goods a supplier announced on a pallet: `quantity` of the move's product (in its unit),
    /// of lot `lot` (a tracked product's; created with its expiry when new), on the package
    /// named `package` (an SSCC); `deliverFor`: the company the pallet is packed for, when it is
    /// to go on whole (cross-docking).
    public struct Announced: Sendable {
        public let move: Int64
        public let quantity: Decimal
        public let lot: String?
        public let expiry: String?
        public let package: String
        public let deliverFor: Int64?

        public init(move: Int64, quantity: Decimal, lot: String?, expiry: String?, package: String, deliverFor: Int64? = nil) {
            self.move = move
            self.quantity = quantity
            self.lot = lot
            self.expiry = expiry
            self.package = package
            self.deliverFor = deliverFor
        }
    }

    /// Announced goods wait on their receipt as lines not yet picked, each on its pallet (a
    /// package named by the SSCC, made here): one scan of the SSCC at the dock then receives the
    /// pallet whole (`/api/v1/scan`, operation receive). Returns the lines, in order, and the
    /// packages by name. An SSCC already used by another package is refused.
    public static func announce(_ store: RecordStore, _ goods: [Announced]) async throws -> (lines: [Int64], packages: [String: Int64]) {
        guard !goods.isEmpty else { return ([], [:]) }
        let names = Array(Set(goods.map(\.package))).sorted()
        let taken: SQLBuilder = "SELECT name FROM stock_quant_package WHERE name = ANY(\(names)) ORDER BY name LIMIT 1"
        if let used = try await store.tx.query(taken).first?.decode(String.self) {
            throw ChainstoreError.valueError("SSCC \(used) is already in use by another pallet")
        }
        // The announcement replaces the lines planned for these moves (not on a pallet, not received).
        let moves = Array(Set(goods.map(\.move))).sorted()
        try await store.tx.query("""
            DELETE FROM stock_move_line WHERE move_id = ANY(\(moves)) AND NOT picked AND result_package_id IS NULL AND state NOT IN ('done', 'cancel')
            """)
        var lines: [Int64] = []
        var packages: [String: Int64] = [:]
        for item in goods {
            let sql: SQLBuilder = """
                WITH m AS (SELECT m.*, t.uom_id AS unit, t.tracking, chainstore_putaway(m.product_id, m.location_dest_id) AS dest
                           FROM stock_move m JOIN product_product p ON p.id = m.product_id JOIN product_template t ON t.id = p.product_tmpl_id
                           WHERE m.id = \(item.move) AND m.state NOT IN ('draft', 'done', 'cancel')),
                     pkg AS (INSERT INTO stock_quant_package (name, company_id, ship_to_company_id, create_uid, create_date, write_uid, write_date)
                             SELECT \(item.package), CASE WHEN \(item.deliverFor)::bigint IS NULL THEN m.company_id END, \(item.deliverFor),
                                    \(store.env.uid), now(), \(store.env.uid), now() FROM m
                             ON CONFLICT (name) DO UPDATE SET write_date = now() RETURNING id),
                     lot AS (INSERT INTO stock_lot (name, product_id, company_id, expiration_date, create_uid, create_date, write_uid, write_date)
                             SELECT \(item.lot), m.product_id, m.company_id, \(item.expiry)::date, \(store.env.uid), now(), \(store.env.uid), now()
                             FROM m WHERE m.tracking <> 'none' AND \(item.lot)::text IS NOT NULL
                             ON CONFLICT (name, product_id, company_id) DO UPDATE SET expiration_date = coalesce(stock_lot.expiration_date, EXCLUDED.expiration_date)
                             RETURNING id)
                INSERT INTO stock_move_line (move_id, picking_id, product_id, product_uom_id, quantity, quantity_product_uom, picked, lot_id, lot_name,
                                             result_package_id, location_id, location_dest_id, state, reference, company_id, date,
                                             create_uid, create_date, write_uid, write_date)
                SELECT m.id, m.picking_id, m.product_id, m.unit, \(item.quantity), \(item.quantity), false, (SELECT id FROM lot),
                       CASE WHEN m.tracking <> 'none' THEN \(item.lot) END, (SELECT id FROM pkg), m.location_id, m.dest, m.state, m.reference,
                       m.company_id, now(), \(store.env.uid), now(), \(store.env.uid), now()
                FROM m RETURNING id, result_package_id
                """
            guard let row = try await store.tx.query(sql).first else {
                throw ChainstoreError.valueError("The receipt line for these goods is no longer open")
            }
            let (line, package) = try row.decode((Int64, Int64).self)
            lines.append(line)
            packages[item.package] = package
        }
        let ledger = Ledger(store: store.asSystem(reason: "goods announced on a receipt"))
        try await ledger.syncMoves(moves)
        return (lines, packages)
    }

    /// Withdraws announced lines not received yet (a replaced or cancelled notice) and the
    /// packages left empty by them.
    public static func withdraw(_ store: RecordStore, lines: [Int64]) async throws {
        guard !lines.isEmpty else { return }
        let gone: SQLBuilder = """
            DELETE FROM stock_move_line WHERE id = ANY(\(lines)) AND NOT picked AND state NOT IN ('done', 'cancel') RETURNING move_id, result_package_id
            """
        let rows = try await store.tx.query(gone).map { try $0.decode((Int64, Int64?).self) }
        let emptied: SQLBuilder = """
            DELETE FROM stock_quant_package pk WHERE pk.id = ANY(\(Array(Set(rows.compactMap(\.1)))))
                AND NOT EXISTS (SELECT 1 FROM stock_quant q WHERE q.package_id = pk.id)
                AND NOT EXISTS (SELECT 1 FROM stock_move_line ml WHERE ml.result_package_id = pk.id OR ml.package_id = pk.id)
            """
        try await store.tx.query(emptied)
        let moves = Array(Set(rows.map(\.0))).sorted()
        try await Ledger(store: store.asSystem(reason: "goods announced on a receipt")).syncMoves(moves)
    }
}
