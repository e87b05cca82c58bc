import ChainstoreCore
import ChainstoreDB
import Foundation

extension Ledger {
    /// Units of a receipt counted in one by one (a handheld scan): the first of a move replaces
    /// the lines planned for it; each adds to the picked line of its lot and destination shelf
    /// (put away by the rules when no shelf is given), or starts one.
    func receivePicked(move: Int64, quantity: Decimal, lot: Int64?, destination: Int64?) async throws {
        // Lines announced on a pallet (a shipping notice's) stay until the transfer is validated.
        try await tx.query("DELETE FROM stock_move_line WHERE move_id = \(move) AND NOT picked AND result_package_id IS NULL AND state NOT IN ('done', 'cancel')")
        try await tx.query("""
            WITH m AS (SELECT m.*, t.uom_id AS unit, chainstore_putaway(m.product_id, coalesce(\(destination), m.location_dest_id)) AS dest
                       FROM stock_move m JOIN product_product p ON p.id = m.product_id JOIN product_template t ON t.id = p.product_tmpl_id
                       WHERE m.id = \(move)),
                 target AS (SELECT min(ml.id) AS id FROM stock_move_line ml, m WHERE ml.move_id = m.id AND ml.picked
                            AND ml.state NOT IN ('done', 'cancel') AND ml.location_dest_id = m.dest AND ml.lot_id IS NOT DISTINCT FROM \(lot)
                            AND ml.product_uom_id = m.unit),
                 bumped AS (UPDATE stock_move_line ml SET quantity = ml.quantity + \(quantity),
                            quantity_product_uom = ml.quantity_product_uom + \(quantity), write_uid = \(uid), write_date = now()
                            FROM target WHERE ml.id = target.id RETURNING ml.id)
            INSERT INTO stock_move_line (move_id, picking_id, product_id, product_uom_id, quantity, quantity_product_uom, picked, lot_id,
                                         location_id, location_dest_id, state, reference, company_id, date, create_uid, create_date, write_uid, write_date)
            SELECT m.id, m.picking_id, m.product_id, m.unit, \(quantity), \(quantity), true, \(lot), m.location_id, m.dest, m.state, m.reference,
                   m.company_id, now(), \(uid), now(), \(uid), now()
            FROM m WHERE NOT EXISTS (SELECT 1 FROM bumped)
            """)
        try await markPicked(move)
    }

    /// Units of a delivery picked one by one: they move from a reserved line not picked yet
    /// (of that lot, from that place, when given) to the picked line of the same balance, and
    /// their reservation travels with them. False when no open line has that many left.
    /// With `announced`, units of a receipt taken from the lines a shipping notice announced on
    /// a pallet: they keep their pallet.
    func pickPicked(move: Int64, quantity: Decimal, lot: Int64?, source: Int64?, announced: Bool = false) async throws -> Bool {
        var find: SQLBuilder = """
            SELECT ml.id, ml.quantity_reserved FROM stock_move_line ml WHERE ml.move_id = \(move) AND NOT ml.picked
            AND ml.state NOT IN ('done', 'cancel') AND ml.quantity_product_uom >= \(quantity)
            """
        if announced { find += " AND ml.result_package_id IS NOT NULL" }
        if let lot { find += " AND ml.lot_id = \(lot)" as SQLBuilder }
        if let source { find += " AND ml.location_id = \(source)" as SQLBuilder }
        find += " ORDER BY ml.id LIMIT 1 FOR UPDATE OF ml"
        guard let row = try await tx.query(find).first else { return false }
        let (line, held) = try row.decode((Int64, Decimal).self)
        let moved = min(held, quantity)
        try await tx.query("""
            WITH src AS (UPDATE stock_move_line SET quantity_product_uom = quantity_product_uom - \(quantity), quantity = quantity - \(quantity),
                         quantity_reserved = quantity_reserved - \(moved), write_uid = \(uid), write_date = now() WHERE id = \(line) RETURNING *),
                 target AS (SELECT min(ml.id) AS id FROM stock_move_line ml, src WHERE ml.move_id = src.move_id AND ml.picked
                            AND ml.state = src.state AND ml.location_id = src.location_id AND ml.lot_id IS NOT DISTINCT FROM src.lot_id
                            AND ml.package_id IS NOT DISTINCT FROM src.package_id AND ml.reserved_quant_id IS NOT DISTINCT FROM src.reserved_quant_id
                            AND ml.product_uom_id = src.product_uom_id),
                 bumped AS (UPDATE stock_move_line ml SET quantity = ml.quantity + \(quantity), quantity_product_uom = ml.quantity_product_uom + \(quantity),
                            quantity_reserved = ml.quantity_reserved + \(moved), reserved_quant_id = src.reserved_quant_id, write_uid = \(uid), write_date = now()
                            FROM src, target WHERE ml.id = target.id RETURNING ml.id)
            INSERT INTO stock_move_line (move_id, picking_id, product_id, product_uom_id, quantity, quantity_product_uom, picked, lot_id, package_id,
                                         result_package_id, location_id, location_dest_id, state, reference, company_id, date, reserved_quant_id,
                                         quantity_reserved, create_uid, create_date, write_uid, write_date)
            SELECT move_id, picking_id, product_id, product_uom_id, \(quantity), \(quantity), true, lot_id, package_id, result_package_id, location_id,
                   location_dest_id, state, reference, company_id, now(), CASE WHEN \(moved) > 0 THEN reserved_quant_id END, \(moved),
                   \(uid), now(), \(uid), now()
            FROM src WHERE NOT EXISTS (SELECT 1 FROM bumped)
            """)
        try await tx.query("DELETE FROM stock_move_line WHERE id = \(line) AND quantity_product_uom = 0 AND quantity_reserved = 0")
        try await markPicked(move)
        return true
    }

    /// A move something was picked for: flagged, its quantity and state following its lines.
    func markPicked(_ move: Int64) async throws {
        try await tx.query("UPDATE stock_move SET picked = true, write_uid = \(uid), write_date = now() WHERE id = \(move)")
        try await syncMoves([move])
    }
}
