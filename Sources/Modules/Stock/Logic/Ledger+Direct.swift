import ChainstoreCore
import ChainstoreDB
import Foundation

extension Ledger {
    /// Goods moved at once, exactly as given: a put-away scan, a pallet, a count difference.
    struct DirectLine: Sendable {
        var product: Int64, quantity: Decimal, from: Int64, to: Int64
        var lot: Int64? = nil, package: Int64? = nil, resultPackage: Int64? = nil
    }

    /// Posts `lines` now as one done transfer of operation type `type` (or as loose moves, as
    /// inventory adjustments are, when nil); returns the transfer. With `force` the balances may
    /// go below what is reserved (a count says what is there).
    @discardableResult
    func moveNow(_ lines: [DirectLine], type: Int64?, origin: String, force: Bool = false, inventory: Bool = false) async throws -> Int64? {
        guard let first = lines.first else { return nil }
        var picking: Int64?
        if let type {
            let sql: SQLBuilder = """
                INSERT INTO stock_picking (picking_type_id, location_id, location_dest_id, origin, state, scheduled_date, company_id,
                                           create_uid, create_date, write_uid, write_date)
                SELECT pt.id, \(first.from), \(first.to), \(origin), \(PickingState.draft), now(), pt.company_id, \(uid), now(), \(uid), now()
                FROM stock_picking_type pt WHERE pt.id = \(type) RETURNING id
                """
            guard let row = try await tx.query(sql).first else { throw ChainstoreError.missing("Operation type \(type) does not exist.") }
            picking = try row.decode(Int64.self)
            try await Transfers.name(tx, pickings: [picking!])
        }
        let ids = try await tx.query(SQLBuilder("SELECT nextval('stock_move_id_seq') FROM generate_series(1, \(Int64(lines.count)))"))
            .map { try $0.decode(Int64.self) }
        try await tx.query("""
            INSERT INTO stock_move (id, name, reference, origin, product_id, product_uom_qty, product_uom, product_qty, quantity, location_id,
                                    location_dest_id, picking_id, picking_type_id, company_id, state, is_inventory, date, create_uid, create_date,
                                    write_uid, write_date)
            SELECT d.id, \(origin), coalesce(pk.name, \(origin)), \(origin), d.product, d.qty, t.uom_id, d.qty, d.qty, d.src, d.dst, pk.id,
                   pk.picking_type_id, coalesce(pk.company_id, sl.company_id, dl.company_id, \(store.env.companyId)), \(MoveState.confirmed),
                   \(inventory), now(), \(uid), now(), \(uid), now()
            FROM unnest(\(ids), \(lines.map(\.product)), \(lines.map(\.quantity)), \(lines.map(\.from)), \(lines.map(\.to))) AS d(id, product, qty, src, dst)
            JOIN product_product p ON p.id = d.product JOIN product_template t ON t.id = p.product_tmpl_id
            JOIN stock_location sl ON sl.id = d.src JOIN stock_location dl ON dl.id = d.dst LEFT JOIN stock_picking pk ON pk.id = \(picking)
            """)
        try await tx.query("""
            INSERT INTO stock_move_line (move_id, picking_id, product_id, product_uom_id, quantity, quantity_product_uom, location_id, location_dest_id,
                                         lot_id, package_id, result_package_id, state, reference, company_id, date, create_uid, create_date, write_uid, write_date)
            SELECT m.id, m.picking_id, m.product_id, m.product_uom, m.product_qty, m.product_qty, m.location_id, m.location_dest_id, nullif(d.lot, 0),
                   nullif(d.pkg, 0), nullif(d.result, 0), \(MoveState.confirmed), m.reference, m.company_id, now(), \(uid), now(), \(uid), now()
            FROM unnest(\(ids), \(lines.map { $0.lot ?? 0 }), \(lines.map { $0.package ?? 0 }), \(lines.map { $0.resultPackage ?? 0 })) AS d(id, lot, pkg, result)
            JOIN stock_move m ON m.id = d.id
            """)
        try await post(ids, force: force)
        try await refreshPickings(ofMoves: ids)
        return picking
    }

    /// Moves whole packages (pallets, cases) and everything in them to `destination`, as one
    /// internal transfer of the packages' warehouse; a package stays a package on arrival.
    @discardableResult
    func movePackages(_ packageIds: [Int64], to destination: Int64) async throws -> Int64? {
        let sql: SQLBuilder = """
            SELECT q.product_id, q.quantity, q.location_id, q.lot_id, q.package_id, q.reserved_quantity,
                (SELECT pt.id FROM stock_warehouse w JOIN stock_picking_type pt ON pt.warehouse_id = w.id AND pt.code = 'internal'
                 WHERE l.parent_path LIKE (SELECT parent_path FROM stock_location v WHERE v.id = w.view_location_id) || '%' ORDER BY pt.sequence, pt.id LIMIT 1)
            FROM stock_quant q JOIN stock_location l ON l.id = q.location_id WHERE q.package_id = ANY(\(packageIds)) AND q.quantity > 0
            ORDER BY q.id FOR UPDATE OF q
            """
        var lines: [DirectLine] = []
        var type: Int64?
        for row in try await tx.query(sql) {
            let (product, quantity, location, lot, package, reserved, internalType) = try row.decode(
                (Int64, Decimal, Int64, Int64?, Int64, Decimal, Int64?).self)
            if reserved > 0 {
                throw ChainstoreError.userError("Package \(package) is reserved for another transfer; unreserve it first.")
            }
            if location == destination { continue }
            type = type ?? internalType
            lines.append(DirectLine(product: product, quantity: quantity, from: location, to: destination, lot: lot, package: package,
                                    resultPackage: package))
        }
        guard !lines.isEmpty else { throw ChainstoreError.userError("There is nothing in these packages to move.") }
        return try await moveNow(lines, type: type, origin: "Package transfer")
    }
}
