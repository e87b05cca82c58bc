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
            var sql = SQLBuilder("INSERT INTO stock_picking (picking_type_id, location_id, location_dest_id, origin, state, scheduled_date, company_id, ")
            sql += "create_uid, create_date, write_uid, write_date) SELECT pt.id, "
            sql.bind(.int(first.from))
            sql += ", "
            sql.bind(.int(first.to))
            sql += ", "
            sql.bind(.text(origin))
            sql += ", 'draft', now(), pt.company_id, "
            sql.bind(.int(uid))
            sql += ", now(), "
            sql.bind(.int(uid))
            sql += ", now() FROM stock_picking_type pt WHERE pt.id = "
            sql.bind(.int(type))
            sql += " RETURNING id"
            guard let row = try await tx.query(sql).first else { throw ChainstoreError.missing("Operation type \(type) does not exist.") }
            picking = try row.decode(Int64.self)
            try await Transfers.name(tx, pickings: [picking!])
        }
        let ids = try await tx.query(SQLBuilder("SELECT nextval('stock_move_id_seq') FROM generate_series(1, \(Int64(lines.count)))"))
            .map { try $0.decode(Int64.self) }
        var moves = SQLBuilder("INSERT INTO stock_move (id, name, reference, origin, product_id, product_uom_qty, product_uom, product_qty, ")
        moves += "quantity, location_id, location_dest_id, picking_id, picking_type_id, company_id, state, is_inventory, date, create_uid, "
        moves += "create_date, write_uid, write_date) SELECT d.id, "
        moves.bind(.text(origin))
        moves += ", coalesce(pk.name, "
        moves.bind(.text(origin))
        moves += "), "
        moves.bind(.text(origin))
        moves += ", d.product, d.qty, t.uom_id, d.qty, d.qty, d.src, d.dst, pk.id, pk.picking_type_id, "
        moves += "coalesce(pk.company_id, sl.company_id, dl.company_id, "
        moves.bind(.int(store.env.companyId))
        moves += "), 'confirmed', "
        moves.bind(.bool(inventory))
        moves += ", now(), "
        moves.bind(.int(uid))
        moves += ", now(), "
        moves.bind(.int(uid))
        moves += ", now() FROM "
        moves.appendUnnest([
            (.intArray(ids), "bigint[]"), (.intArray(lines.map(\.product)), "bigint[]"), (.textArray(lines.map { "\($0.quantity)" }), "numeric[]"),
            (.intArray(lines.map(\.from)), "bigint[]"), (.intArray(lines.map(\.to)), "bigint[]"),
        ], as: "d(id, product, qty, src, dst)")
        moves += " JOIN product_product p ON p.id = d.product JOIN product_template t ON t.id = p.product_tmpl_id "
        moves += "JOIN stock_location sl ON sl.id = d.src JOIN stock_location dl ON dl.id = d.dst LEFT JOIN stock_picking pk ON pk.id = "
        moves.bind(picking.map(SQLBind.int) ?? .null, cast: "bigint")
        try await tx.query(moves)
        var entries = SQLBuilder("INSERT INTO stock_move_line (move_id, picking_id, product_id, product_uom_id, quantity, quantity_product_uom, ")
        entries += "location_id, location_dest_id, lot_id, package_id, result_package_id, state, reference, company_id, date, "
        entries += "create_uid, create_date, write_uid, write_date) SELECT m.id, m.picking_id, m.product_id, m.product_uom, m.product_qty, "
        entries += "m.product_qty, m.location_id, m.location_dest_id, nullif(d.lot, 0), nullif(d.pkg, 0), nullif(d.result, 0), 'confirmed', "
        entries += "m.reference, m.company_id, now(), "
        entries.bind(.int(uid))
        entries += ", now(), "
        entries.bind(.int(uid))
        entries += ", now() FROM "
        entries.appendUnnest([
            (.intArray(ids), "bigint[]"), (.intArray(lines.map { $0.lot ?? 0 }), "bigint[]"), (.intArray(lines.map { $0.package ?? 0 }), "bigint[]"),
            (.intArray(lines.map { $0.resultPackage ?? 0 }), "bigint[]"),
        ], as: "d(id, lot, pkg, result)")
        entries += " JOIN stock_move m ON m.id = d.id"
        try await tx.query(entries)
        try await post(ids, force: force)
        try await refreshPickings(ofMoves: ids)
        return picking
    }

    /// Moves whole packages (pallets, cases) and everything in them to `destination`, as one
    /// internal transfer of the packages' warehouse; a package stays a package on arrival.
    @discardableResult
    func movePackages(_ packageIds: [Int64], to destination: Int64) async throws -> Int64? {
        var sql = SQLBuilder("SELECT q.product_id, q.quantity, q.location_id, q.lot_id, q.package_id, q.reserved_quantity, ")
        sql += "(SELECT pt.id FROM stock_warehouse w JOIN stock_picking_type pt ON pt.warehouse_id = w.id AND pt.code = 'internal' "
        sql += "WHERE l.parent_path LIKE (SELECT parent_path FROM stock_location v WHERE v.id = w.view_location_id) || '%' ORDER BY pt.sequence, pt.id LIMIT 1) "
        sql += "FROM stock_quant q JOIN stock_location l ON l.id = q.location_id WHERE q.package_id = ANY("
        sql.bind(.intArray(packageIds), cast: "bigint[]")
        sql += ") AND q.quantity > 0 ORDER BY q.id FOR UPDATE OF q"
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
