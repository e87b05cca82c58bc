import ChainstoreCore
import ChainstoreDB
import Foundation

extension Ledger {
    /// Odoo 17's `quantity` on a move: the lines are made to add up to it. Less gives back
    /// reservations from the newest lines; more reserves what is free and puts the rest on the
    /// last line unreserved (validation then needs that much free stock, or a company that
    /// allows negative stock).
    func setQuantity(_ moveIds: [Int64]) async throws {
        let moves = try await lockMoves(moveIds, states: [.draft, .confirmed, .partiallyAvailable, .assigned, .waiting])
        guard !moves.isEmpty else { return }
        let target: SQLBuilder = """
            SELECT m.id, chainstore_uom_convert(m.quantity, coalesce(m.product_uom, t.uom_id), t.uom_id) FROM stock_move m
            JOIN product_product p ON p.id = m.product_id JOIN product_template t ON t.id = p.product_tmpl_id WHERE m.id = ANY(\(moves.map(\.id)))
            """
        let wanted = Dictionary(uniqueKeysWithValues: try await tx.query(target).map { try $0.decode((Int64, Decimal).self) })
        let open = try await openLines(ofMoves: moves.map(\.id))
        var resized: [(Int64, Decimal)] = []
        var lines = NewLines()
        var toReserve: [(Move, Decimal)] = []
        for move in moves {
            let goal = wanted[move.id] ?? 0
            let own = open.filter { $0.move == move.id }
            var excess = move.held - goal
            if excess > 0 {
                for line in own.reversed() where excess > 0 {
                    let cut = min(excess, line.quantity)
                    resized.append((line.id, line.quantity - cut))
                    excess -= cut
                }
            } else if excess < 0 {
                // A draft move holds nothing yet: its lines wait for confirmation unreserved.
                if move.bypass || move.state == .draft {
                    if let last = own.last { resized.append((last.id, last.quantity - excess)) } else {
                        lines.append(move: move.id, quantity: -excess, location: move.sourceId)
                    }
                } else {
                    toReserve.append((move, -excess))
                }
            }
        }
        if !toReserve.isEmpty {
            let quants = try await lockFreeQuants(products: Array(Set(toReserve.map(\.0.productId))), paths: Array(Set(toReserve.map(\.0.sourcePath))))
            var free = Dictionary(uniqueKeysWithValues: quants.map { ($0.id, $0.free) })
            for (move, extra) in toReserve {
                var need = extra
                for quant in Self.candidates(quants, for: move) {
                    guard need > 0 else { break }
                    let take = min(need, free[quant.id] ?? 0)
                    guard take > 0 else { continue }
                    free[quant.id]! -= take
                    need -= take
                    lines.append(move: move.id, quantity: take, location: quant.locationId, lot: quant.lotId, package: quant.packageId, quant: quant.id,
                                 keepPackage: quant.shipTo != nil)
                }
                if need > 0 {
                    // More than is free: the rest rides on the last line, unreserved.
                    if let last = open.last(where: { $0.move == move.id }) { resized.append((last.id, last.quantity + need)) } else {
                        lines.append(move: move.id, quantity: need, location: move.sourceId)
                    }
                }
            }
        }
        try await resize(resized)
        try await insert(lines)
        try await syncMoves(moves.map(\.id))
    }

    struct OpenLine: Sendable { let id: Int64, move: Int64, quantity: Decimal }

    func openLines(ofMoves moveIds: [Int64]) async throws -> [OpenLine] {
        let sql: SQLBuilder = """
            SELECT id, move_id, quantity_product_uom FROM stock_move_line WHERE move_id = ANY(\(moveIds)) AND state NOT IN ('done', 'cancel')
            ORDER BY id FOR UPDATE
            """
        return try await tx.query(sql).map { row in
            let (id, move, quantity) = try row.decode((Int64, Int64, Decimal).self)
            return OpenLine(id: id, move: move, quantity: quantity)
        }
    }

    /// Sets lines to new quantities (in the product's unit); a line never holds more than it
    /// moves, so shrinking gives the difference back. Lines left empty are deleted.
    func resize(_ lines: [(Int64, Decimal)]) async throws {
        guard !lines.isEmpty else { return }
        let ids = lines.map(\.0)
        try await tx.query("SELECT q.id FROM stock_quant q WHERE q.id IN (SELECT reserved_quant_id FROM stock_move_line WHERE id = ANY(\(ids))) ORDER BY q.id FOR UPDATE")
        try await tx.query("""
            WITH d AS (SELECT * FROM unnest(\(ids), \(lines.map(\.1))) AS d(id, qp)),
                 freed AS (SELECT ml.reserved_quant_id AS quant, sum(ml.quantity_reserved - least(ml.quantity_reserved, d.qp)) AS qty
                           FROM stock_move_line ml JOIN d ON d.id = ml.id WHERE ml.quantity_reserved > d.qp GROUP BY ml.reserved_quant_id),
                 released AS (UPDATE stock_quant q SET reserved_quantity = q.reserved_quantity - freed.qty, write_uid = \(uid), write_date = now()
                              FROM freed WHERE q.id = freed.quant)
            UPDATE stock_move_line ml SET quantity_product_uom = d.qp, quantity = round(chainstore_uom_convert(d.qp, t.uom_id, coalesce(ml.product_uom_id, t.uom_id)), 6),
                quantity_reserved = least(ml.quantity_reserved, d.qp),
                reserved_quant_id = CASE WHEN least(ml.quantity_reserved, d.qp) > 0 THEN ml.reserved_quant_id END, write_uid = \(uid), write_date = now()
            FROM d, product_product p, product_template t WHERE ml.id = d.id AND p.id = ml.product_id AND t.id = p.product_tmpl_id
            """)
        try await tx.query("DELETE FROM stock_move_line WHERE quantity_product_uom = 0 AND id = ANY(\(ids))")
    }

    /// Lines created or changed through the generic API: their missing values come from their
    /// move, their quantity in the product's unit is recomputed, and their reservation is taken
    /// again on the balance they now name (as much as is free there).
    func syncLines(_ lineIds: [Int64]) async throws {
        guard !lineIds.isEmpty else { return }
        let moves: SQLBuilder = "SELECT m.id, m.state FROM stock_move m WHERE m.id IN (SELECT move_id FROM stock_move_line WHERE id = ANY(\(lineIds))) ORDER BY m.id FOR UPDATE"
        for row in try await tx.query(moves) {
            let (move, state) = try row.decode((Int64, String).self)
            if let final = MoveState(rawValue: state), final == .done || final == .cancel {
                throw ChainstoreError.userError("Move \(move) is \(final == .done ? "done" : "cancelled"): its lines cannot change.")
            }
        }
        try await tx.query("""
            UPDATE stock_move_line ml SET picking_id = coalesce(ml.picking_id, m.picking_id), product_id = coalesce(m.product_id, ml.product_id),
                location_id = coalesce(ml.location_id, m.location_id), location_dest_id = coalesce(ml.location_dest_id, chainstore_putaway(m.product_id, m.location_dest_id)),
                product_uom_id = coalesce(ml.product_uom_id, m.product_uom, t.uom_id), company_id = coalesce(m.company_id, ml.company_id),
                state = CASE WHEN ml.state IN ('done', 'cancel') THEN ml.state ELSE m.state END, reference = coalesce(m.reference, ml.reference),
                quantity_product_uom = round(chainstore_uom_convert(ml.quantity, coalesce(ml.product_uom_id, m.product_uom, t.uom_id), t.uom_id), 6)
            FROM stock_move m, product_product p, product_template t
            WHERE m.id = ml.move_id AND p.id = m.product_id AND t.id = p.product_tmpl_id AND ml.id = ANY(\(lineIds)) AND ml.state NOT IN ('done', 'cancel')
            """)
        try await tx.query("""
            UPDATE stock_move_line ml SET product_uom_id = coalesce(ml.product_uom_id, t.uom_id),
                quantity_product_uom = round(chainstore_uom_convert(ml.quantity, coalesce(ml.product_uom_id, t.uom_id), t.uom_id), 6)
            FROM product_product p, product_template t
            WHERE ml.move_id IS NULL AND p.id = ml.product_id AND t.id = p.product_tmpl_id AND ml.id = ANY(\(lineIds)) AND ml.state NOT IN ('done', 'cancel')
            """)
        let foreign: SQLBuilder = """
            SELECT ml.id FROM stock_move_line ml JOIN stock_location sl ON sl.id = ml.location_id JOIN stock_location dl ON dl.id = ml.location_dest_id
            WHERE ml.id = ANY(\(lineIds))
                AND ((sl.company_id IS DISTINCT FROM ml.company_id AND sl.company_id IS NOT NULL AND NOT \(unsafeRaw: Shipments.receivable("ml")))
                     OR (dl.company_id IS DISTINCT FROM ml.company_id AND dl.company_id IS NOT NULL)) LIMIT 1
            """
        if let row = try await tx.query(foreign).first {
            throw ChainstoreError.userError("Move line \(try row.decode(Int64.self)) uses places of another company.")
        }
        let incomplete: SQLBuilder = """
            SELECT id FROM stock_move_line WHERE (product_id IS NULL OR location_id IS NULL OR location_dest_id IS NULL) AND id = ANY(\(lineIds)) LIMIT 1
            """
        if let row = try await tx.query(incomplete).first {
            throw ChainstoreError.validation("Move line \(try row.decode(Int64.self)) needs a product and its places, or a move to take them from.")
        }
        let select: SQLBuilder = """
            SELECT ml.id, ml.move_id, ml.product_id, ml.location_id, coalesce(ml.lot_id, 0), coalesce(ml.package_id, 0), coalesce(ml.owner_id, 0),
                ml.quantity_product_uom, ml.reserved_quant_id, ml.quantity_reserved, sl.usage IN ('internal', 'transit') AND t.type = 'product'
            FROM stock_move_line ml JOIN stock_location sl ON sl.id = ml.location_id JOIN product_product p ON p.id = ml.product_id
            JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE ml.id = ANY(\(lineIds)) AND ml.state NOT IN ('done', 'cancel') ORDER BY ml.id FOR UPDATE OF ml
            """
        struct Row { let id: Int64, move: Int64?, key: QuantKey, quantity: Decimal, held: Int64?, reserved: Decimal, reservable: Bool }
        let rows = try await tx.query(select).map { row in
            let (id, move, product, location, lot, package, owner, quantity, held, reserved, reservable) = try row.decode(
                (Int64, Int64?, Int64, Int64, Int64, Int64, Int64, Decimal, Int64?, Decimal, Bool).self)
            return Row(id: id, move: move, key: QuantKey(product: product, location: location, lot: lot, package: package, owner: owner),
                       quantity: quantity, held: held, reserved: reserved, reservable: reservable)
        }
        guard !rows.isEmpty else { return }
        let quants = try await lockQuants(Array(Set(rows.filter(\.reservable).map(\.key))).sorted(), reservedOn: rows.compactMap(\.held))
        var reserved = Dictionary(uniqueKeysWithValues: quants.map { ($0.id, $0.reserved) })
        let available = Dictionary(uniqueKeysWithValues: quants.map { ($0.id, $0.quantity) })
        let byKey = Dictionary(quants.map { ($0.key, $0.id) }, uniquingKeysWith: { a, _ in a })
        for row in rows { if let held = row.held { reserved[held]! -= row.reserved } }
        var holds: [(line: Int64, quant: Int64, quantity: Decimal)] = []
        for row in rows {
            guard row.reservable, let quant = byKey[row.key] else { holds.append((row.id, 0, 0)); continue }
            let take = max(0, min(row.quantity, available[quant]! - reserved[quant]!))
            reserved[quant]! += take
            holds.append((row.id, take > 0 ? quant : 0, take))
        }
        let quantIds = Array(reserved.keys)
        try await tx.query("""
            WITH quants AS (UPDATE stock_quant q SET reserved_quantity = d.res, write_uid = \(uid), write_date = now()
                            FROM unnest(\(quantIds), \(quantIds.map { reserved[$0]! })) AS d(id, res) WHERE q.id = d.id AND q.reserved_quantity <> d.res)
            UPDATE stock_move_line ml SET reserved_quant_id = nullif(h.quant, 0), quantity_reserved = h.qty
            FROM unnest(\(holds.map(\.line)), \(holds.map(\.quant)), \(holds.map(\.quantity))) AS h(line, quant, qty) WHERE ml.id = h.line
            """)
        try await syncMoves(Array(Set(rows.compactMap(\.move))))
    }
}
