import ChainstoreCore
import ChainstoreDB
import Foundation

extension Ledger {
    /// What happens to the part of a transfer that was not done.
    enum Rest: Sendable { case ask, backorder, cancel }

    /// Odoo's `button_validate`: the quantities of the moves (of the picked ones, when some are
    /// marked picked) are done. The rest becomes a backorder or is cancelled; with `.ask` a
    /// partial transfer returns the "Create Backorder?" action instead of validating.
    func validate(_ pickingIds: [Int64], rest: Rest) async throws -> Value {
        let pickings = try store.model("stock.picking")
        try await store.lockAndCheck(pickings, ids: pickingIds, operation: .write)
        for row in try await tx.query("SELECT name, state FROM stock_picking WHERE id = ANY(\(pickingIds)) ORDER BY id") {
            let (name, state) = try row.decode((String, String).self)
            if let final = PickingState(rawValue: state), final == .done || final == .cancel {
                throw ChainstoreError.userError("Transfer \(name) is already \(final == .done ? "done" : "cancelled").")
            }
        }
        try await confirm(try await moveIds(ofPickings: pickingIds, states: [.draft]))
        try await syncMoves(try await moveIds(ofPickings: pickingIds, states: [.waiting, .confirmed, .partiallyAvailable, .assigned]))
        let moves = try await validationMoves(pickingIds)
        guard !moves.isEmpty, moves.contains(where: { $0.processed > 0 }) else {
            throw ChainstoreError.userError(
                "You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, encode quantities.")
        }
        let partial = moves.contains { $0.processed < $0.demand }
        if partial, rest == .ask {
            return Self.backorderWizard(pickingIds)
        }
        try await prepareLots(pickingIds)
        // Split what is partly done; what is not done at all moves on whole.
        var remaining: [Int64] = moves.filter { $0.processed == 0 }.map(\.id)
        let done = moves.filter { $0.processed > 0 }
        for move in done where move.processed < move.demand {
            remaining.append(try await split(move))
        }
        // Lines with nothing on them leave the moves being done; lines of moves going on whole stay.
        try await releaseLines(ofMoves: done.map(\.id), where: "quantity = 0")
        try await post(done.map(\.id))
        if !remaining.isEmpty {
            if rest == .cancel {
                try await cancel(remaining)
            } else {
                try await createBackorders(pickingIds, moves: remaining)
            }
        }
        try await refreshPickings(ofMoves: moves.map(\.id) + remaining)
        try await assignReceipts(ofShipments: pickingIds)
        try await crossDock(received: pickingIds)
        return .true
    }

    /// Pallets these transfers just brought in that are addressed to a company (a supplier's
    /// pallet packed for one store) go on to it whole: the open deliveries of the receiving
    /// company to that company, for the pallet's products, give back what they hold and are
    /// reserved again, the addressed pallet first (cross-docking).
    func crossDock(received pickingIds: [Int64]) async throws {
        let waiting: SQLBuilder = """
            SELECT DISTINCT m.id FROM stock_move_line ml JOIN stock_quant_package pkg ON pkg.id = ml.result_package_id AND pkg.ship_to_company_id IS NOT NULL
            JOIN stock_location dl ON dl.id = ml.location_dest_id AND dl.usage = 'internal'
            JOIN stock_move m ON m.product_id = ml.product_id AND m.company_id = dl.company_id
                AND m.state IN ('confirmed', 'partially_available', 'assigned')
            JOIN stock_picking d ON d.id = m.picking_id AND d.dest_company_id = pkg.ship_to_company_id
            WHERE ml.picking_id = ANY(\(pickingIds)) AND ml.state = 'done'
              AND NOT EXISTS (SELECT 1 FROM stock_move_line o WHERE o.move_id = m.id AND o.picked AND o.state NOT IN ('done', 'cancel'))
            ORDER BY m.id
            """
        let moves = try await tx.query(waiting).map { try $0.decode(Int64.self) }
        guard !moves.isEmpty else { return }
        let sender = Ledger(store: store.asSystem(reason: "pallets addressed to another company"))
        try await sender.unreserve(moves)
        try await sender.assign(moves)
        try await sender.refreshPickings(ofMoves: moves)
    }

    /// The receiver's receipts that take from the places these transfers just delivered to (a
    /// shipment to transit, or its backorder) are reserved there: they are ready, as Odoo's
    /// chained receipt becomes ready when the delivery before it is done.
    func assignReceipts(ofShipments pickingIds: [Int64]) async throws {
        let waiting: SQLBuilder = """
            SELECT m.id FROM stock_picking s JOIN stock_location sl ON sl.id = s.location_dest_id AND sl.usage = 'transit'
            JOIN stock_picking r ON r.location_id = s.location_dest_id AND r.shipment_id IS NOT NULL AND r.state NOT IN ('draft', 'done', 'cancel')
            JOIN stock_move m ON m.picking_id = r.id AND m.state IN ('confirmed', 'partially_available')
            WHERE s.id = ANY(\(pickingIds)) AND s.state = 'done' ORDER BY m.id
            """
        let moves = try await tx.query(waiting).map { try $0.decode(Int64.self) }
        guard !moves.isEmpty else { return }
        let receiver = Ledger(store: store.asSystem(reason: "receipts of a shipment sent"))
        try await receiver.assign(moves)
        try await receiver.refreshPickings(ofMoves: moves)
    }

    static func backorderWizard(_ pickingIds: [Int64]) -> Value {
        .dict([
            "name": "Create Backorder?", "type": "ir.actions.act_window", "view_mode": "form",
            "res_model": "stock.backorder.confirmation", "views": .array([.array([.false, "form"])]), "target": "new",
            "context": .dict([
                "default_pick_ids": .array(pickingIds.map { .array([4, .int($0)]) }),
                "button_validate_picking_ids": .array(pickingIds.map(Value.int)),
                "default_show_transfers": .false,
            ]),
        ])
    }

    func moveIds(ofPickings pickingIds: [Int64], states: [MoveState] = MoveState.allCases) async throws -> [Int64] {
        try await tx.query("SELECT id FROM stock_move WHERE picking_id = ANY(\(pickingIds)) AND state = ANY(\(states)) ORDER BY id")
            .map { try $0.decode(Int64.self) }
    }

    struct Validating: Sendable {
        let id: Int64
        /// Demand and processed quantity in the move's unit.
        let demand: Decimal, processed: Decimal
    }

    /// The open moves of the transfers, locked, with what is processed: their quantity when
    /// picked (or when nothing in the transfer is marked picked), else nothing.
    func validationMoves(_ pickingIds: [Int64]) async throws -> [Validating] {
        let sql: SQLBuilder = """
            SELECT m.id, m.product_uom_qty, CASE WHEN m.picked OR NOT EXISTS (SELECT 1 FROM stock_move o
                WHERE o.picking_id = m.picking_id AND o.picked AND o.state NOT IN ('done', 'cancel')) THEN m.quantity ELSE 0 END
            FROM stock_move m WHERE m.picking_id = ANY(\(pickingIds)) AND m.state NOT IN ('draft', 'done', 'cancel') ORDER BY m.id FOR UPDATE
            """
        return try await tx.query(sql).map { row in
            let (id, demand, processed) = try row.decode((Int64, Decimal, Decimal).self)
            return Validating(id: id, demand: demand, processed: processed)
        }
    }

    /// Lots named on receipt lines are created (or found); tracked goods must name their lot or
    /// serial; a serial moves one unit at a time and is received only once.
    func prepareLots(_ pickingIds: [Int64]) async throws {
        try await tx.query("""
            INSERT INTO stock_lot (name, product_id, company_id, create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT ml.lot_name, ml.product_id, coalesce(pk.company_id, ml.company_id), \(uid), now(), \(uid), now()
            FROM stock_move_line ml JOIN stock_picking pk ON pk.id = ml.picking_id JOIN stock_picking_type pt ON pt.id = pk.picking_type_id
            WHERE pt.use_create_lots AND ml.picking_id = ANY(\(pickingIds)) AND ml.lot_id IS NULL AND coalesce(ml.lot_name, '') <> ''
                AND ml.state NOT IN ('done', 'cancel')
            ON CONFLICT (name, product_id, company_id) DO NOTHING
            """)
        try await tx.query("""
            UPDATE stock_move_line ml SET lot_id = l.id FROM stock_picking pk, stock_lot l
            WHERE pk.id = ml.picking_id AND l.name = ml.lot_name AND l.product_id = ml.product_id AND l.company_id = coalesce(pk.company_id, ml.company_id)
                AND ml.lot_id IS NULL AND ml.state NOT IN ('done', 'cancel') AND ml.picking_id = ANY(\(pickingIds))
            """)
        // Serial checks read stock of the lots: lock them so two receipts of one serial wait.
        try await tx.query("""
            SELECT id FROM stock_lot WHERE id IN (SELECT lot_id FROM stock_move_line WHERE picking_id = ANY(\(pickingIds)) AND lot_id IS NOT NULL)
            ORDER BY id FOR UPDATE
            """)
        // Tracked lines without a lot; serials moved more than one at a time, twice, or
        // received while already in stock.
        let check: SQLBuilder = """
            SELECT ml.lot_id IS NULL, t.tracking, t.name, coalesce(l.name, ''), ml.quantity_product_uom, count(*) OVER (PARTITION BY ml.product_id, ml.lot_id),
                (sl.usage NOT IN ('internal', 'transit') AND EXISTS (SELECT 1 FROM stock_quant q JOIN stock_location ql ON ql.id = q.location_id
                                                                    WHERE q.lot_id = ml.lot_id AND q.quantity > 0 AND ql.usage = 'internal'))
            FROM stock_move_line ml JOIN product_product p ON p.id = ml.product_id JOIN product_template t ON t.id = p.product_tmpl_id
            JOIN stock_location sl ON sl.id = ml.location_id LEFT JOIN stock_lot l ON l.id = ml.lot_id
            WHERE t.tracking <> 'none' AND ml.quantity > 0 AND ml.state NOT IN ('done', 'cancel') AND ml.picking_id = ANY(\(pickingIds))
            """
        for row in try await tx.query(check) {
            let (noLot, tracking, product, lot, quantity, uses, inStock) = try row.decode((Bool, String, String, String, Decimal, Int, Bool).self)
            if noLot { throw ChainstoreError.userError("You need to supply a Lot/Serial number for product: \(product)") }
            guard tracking == "serial" else { continue }
            if quantity != 1 {
                throw ChainstoreError.userError("You can only process 1.0 Units of products with unique serial number. (\(product), \(lot))")
            }
            if uses > 1 || inStock {
                throw ChainstoreError.validation("The serial number has already been assigned: Product: \(product), Serial Number: \(lot)")
            }
        }
    }

    /// Splits the undone part of a move into a new move in the same transfer; returns its id.
    func split(_ move: Validating) async throws -> Int64 {
        let added = addedColumns(of: .stockMove)
        let sql: SQLBuilder = """
            WITH new AS (INSERT INTO stock_move (name, reference, origin, sequence, priority, date, date_deadline, product_id, product_uom_qty, product_uom,
                                                 product_qty, location_id, location_dest_id, picking_id, picking_type_id, partner_id, company_id, state,
                                                 procure_method, price_unit, description_picking, \(unsafeRaw: added.columns)create_uid, create_date, write_uid, write_date)
                         SELECT m.name, m.reference, m.origin, m.sequence, m.priority, m.date, m.date_deadline, m.product_id, m.product_uom_qty - m.quantity,
                                m.product_uom, chainstore_uom_convert(m.product_uom_qty - m.quantity, m.product_uom, t.uom_id), m.location_id,
                                m.location_dest_id, m.picking_id, m.picking_type_id, m.partner_id, m.company_id, \(MoveState.confirmed), m.procure_method,
                                m.price_unit, m.description_picking, \(unsafeRaw: added.values("m"))\(uid), now(), \(uid), now()
                         FROM stock_move m JOIN product_product p ON p.id = m.product_id JOIN product_template t ON t.id = p.product_tmpl_id
                         WHERE m.id = \(move.id) RETURNING id),
                 old AS (UPDATE stock_move m SET product_uom_qty = m.quantity, product_qty = chainstore_uom_convert(m.quantity, m.product_uom, t.uom_id),
                                                 write_uid = \(uid), write_date = now()
                         FROM product_product p, product_template t WHERE p.id = m.product_id AND t.id = p.product_tmpl_id AND m.id = \(move.id))
            SELECT id FROM new
            """
        return try await tx.query(sql)[0].decode(Int64.self)
    }

    /// Posts the lines of the moves: every balance they leave and reach is locked (in id
    /// order), checked and changed; lines and moves become done.
    /// With `force`, stock may go below what is reserved or below zero (an inventory count
    /// states what is there; it does not ask for it).
    func post(_ moveIds: [Int64], force: Bool = false) async throws {
        guard !moveIds.isEmpty else { return }
        // Places may have been changed since the moves were confirmed: checked again at posting.
        try await checkCompanies(moveIds)
        let views: SQLBuilder = """
            SELECT l.complete_name FROM stock_move_line ml JOIN stock_location l ON l.id IN (ml.location_id, ml.location_dest_id)
            WHERE l.usage = 'view' AND ml.quantity > 0 AND ml.state NOT IN ('done', 'cancel') AND ml.move_id = ANY(\(moveIds)) LIMIT 1
            """
        if let row = try await tx.query(views).first {
            throw ChainstoreError.userError("\(try row.decode(String.self)) is a view location: goods cannot be moved to or from it, only to a place inside it.")
        }
        let lines = try await postingLines(moveIds)
        var keys = Set<QuantKey>()
        for line in lines {
            if line.sourceKept { keys.insert(line.sourceKey) }
            if line.destinationKept { keys.insert(line.destinationKey) }
        }
        let ordered = keys.sorted()
        try await ensureQuants(ordered)
        let quants = try await lockQuants(ordered, reservedOn: lines.compactMap(\.reservedQuant))
        var byKey: [QuantKey: Int64] = [:]
        var balance: [Int64: (quantity: Decimal, reserved: Decimal)] = [:]
        for quant in quants {
            byKey[quant.key] = quant.id
            balance[quant.id] = (quant.quantity, quant.reserved)
        }
        if byKey.count < ordered.count {
            // A balance emptied and deleted by a transaction that committed meanwhile: start over.
            throw ChainstoreError(.concurrency, "A stock balance changed while it was being posted; retry.")
        }
        var consumed: [Int64: Decimal] = [:]
        for line in lines {
            if let held = line.reservedQuant { balance[held]!.reserved -= line.reserved }
            if line.sourceKept, let id = byKey[line.sourceKey] {
                balance[id]!.quantity -= line.quantity
                consumed[id, default: 0] += line.quantity
            }
            if line.destinationKept, let id = byKey[line.destinationKey] { balance[id]!.quantity += line.quantity }
        }
        for quant in quants {
            let after = balance[quant.id]!
            if after.reserved < 0 {
                throw ChainstoreError.validation("Reservation bookkeeping of quant \(quant.id) is inconsistent; nothing was changed.")
            }
            // Internal stock may go negative where the company allows it; goods in transit never.
            guard !force, quant.storable, let taken = consumed[quant.id],
                (quant.usage == "internal" && !quant.allowNegative) || quant.usage == "transit" else { continue }
            if after.quantity < after.reserved {
                let available = after.quantity + taken - after.reserved
                throw ChainstoreError.userError(
                    "Not enough stock of \(quant.productName) in \(quant.locationName): \(max(available, 0)) available, \(taken) needed.")
            }
        }
        let ids = quants.map(\.id)
        try await tx.query("""
            UPDATE stock_quant q SET quantity = d.qty, reserved_quantity = d.res,
                in_date = CASE WHEN q.quantity <= 0 AND d.qty > q.quantity THEN now() ELSE q.in_date END, write_uid = \(uid), write_date = now()
            FROM unnest(\(ids), \(ids.map { balance[$0]!.quantity }), \(ids.map { balance[$0]!.reserved })) AS d(id, qty, res)
            WHERE q.id = d.id AND (q.quantity, q.reserved_quantity) IS DISTINCT FROM (d.qty, d.res)
            """)
        try await markDone(moveIds, touched: ids)
        try await value(moveIds)
    }

    /// Lines, moves and packages after posting; balances left at zero with nothing on them go.
    private func markDone(_ moveIds: [Int64], touched: [Int64]) async throws {
        try await tx.query("""
            WITH lines AS (UPDATE stock_move_line SET state = \(MoveState.done), date = now(), picked = true, reserved_quant_id = NULL, quantity_reserved = 0,
                                  write_uid = \(uid), write_date = now()
                           WHERE move_id = ANY(\(moveIds)) RETURNING package_id, result_package_id),
                 moves AS (UPDATE stock_move SET state = \(MoveState.done), date = now(), picked = true, write_uid = \(uid), write_date = now()
                           WHERE id = ANY(\(moveIds)))
            UPDATE stock_quant_package pk SET location_id = (SELECT min(q.location_id) FROM stock_quant q WHERE q.package_id = pk.id AND q.quantity > 0)
            WHERE pk.id IN (SELECT package_id FROM lines UNION SELECT result_package_id FROM lines)
            """)
        try await tx.query("""
            DELETE FROM stock_quant q WHERE q.id = ANY(\(touched)) AND q.quantity = 0 AND q.reserved_quantity = 0
                AND NOT EXISTS (SELECT 1 FROM stock_move_line ml WHERE ml.reserved_quant_id = q.id)
            """)
    }

    /// The remaining moves of each transfer go to a new transfer, a backorder of it (going to
    /// the same company, or receiving from the same shipment), and are reserved there.
    func createBackorders(_ pickingIds: [Int64], moves: [Int64]) async throws {
        for original in try await tx.query("SELECT DISTINCT picking_id FROM stock_move WHERE id = ANY(\(moves)) ORDER BY picking_id")
            .map({ try $0.decode(Int64.self) })
        {
            let added = addedColumns(of: .stockPicking)
            let backorder = try await tx.query("""
                INSERT INTO stock_picking (origin, note, partner_id, picking_type_id, location_id, location_dest_id, state, move_type, priority,
                                           scheduled_date, date_deadline, backorder_id, user_id, owner_id, company_id, dest_company_id, shipment_id,
                                           \(unsafeRaw: added.columns)create_uid, create_date, write_uid, write_date)
                SELECT p.origin, p.note, p.partner_id, p.picking_type_id, p.location_id, p.location_dest_id, \(PickingState.confirmed), p.move_type, p.priority,
                       p.scheduled_date, p.date_deadline, p.id, p.user_id, p.owner_id, p.company_id, p.dest_company_id, p.shipment_id,
                       \(unsafeRaw: added.values("p"))\(uid), now(), \(uid), now()
                FROM stock_picking p WHERE p.id = \(original) RETURNING id
                """)[0].decode(Int64.self)
            try await Transfers.name(tx, pickings: [backorder])
            try await tx.query("""
                WITH m AS (UPDATE stock_move SET picking_id = \(backorder), reference = (SELECT name FROM stock_picking WHERE id = \(backorder)),
                                  write_uid = \(uid), write_date = now()
                           WHERE picking_id = \(original) AND id = ANY(\(moves)) RETURNING id, reference)
                UPDATE stock_move_line ml SET picking_id = \(backorder), reference = m.reference, write_uid = \(uid), write_date = now()
                FROM m WHERE ml.move_id = m.id
                """)
        }
        try await assign(moves)
    }

    // MARK: - Balances touched by posting

    struct PostingLine: Sendable {
        let quantity: Decimal, reserved: Decimal, reservedQuant: Int64?
        let sourceKey: QuantKey, destinationKey: QuantKey, sourceKept: Bool, destinationKept: Bool
    }

    /// The lines to post, with the balances they leave and reach (kept only for internal and
    /// transit places: vendors and customers have no balances).
    func postingLines(_ moveIds: [Int64]) async throws -> [PostingLine] {
        let sql: SQLBuilder = """
            SELECT ml.product_id, ml.location_id, ml.location_dest_id, coalesce(ml.lot_id, 0), coalesce(ml.package_id, 0),
                coalesce(ml.result_package_id, 0), coalesce(ml.owner_id, 0), ml.quantity_product_uom, ml.quantity_reserved, ml.reserved_quant_id,
                sl.usage IN ('internal', 'transit'), dl.usage IN ('internal', 'transit')
            FROM stock_move_line ml JOIN stock_location sl ON sl.id = ml.location_id JOIN stock_location dl ON dl.id = ml.location_dest_id
            WHERE ml.move_id = ANY(\(moveIds)) AND ml.state NOT IN ('done', 'cancel') ORDER BY ml.id
            """
        return try await tx.query(sql).map { row in
            let (product, source, destination, lot, package, result, owner, quantity, reserved, held, sourceKept, destinationKept) = try row.decode(
                (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Decimal, Decimal, Int64?, Bool, Bool).self)
            return PostingLine(
                quantity: quantity, reserved: reserved, reservedQuant: held,
                sourceKey: QuantKey(product: product, location: source, lot: lot, package: package, owner: owner),
                destinationKey: QuantKey(product: product, location: destination, lot: lot, package: result, owner: owner),
                sourceKept: sourceKept, destinationKept: destinationKept)
        }
    }

    /// Makes sure a balance row exists for every key (empty ones are created).
    func ensureQuants(_ keys: [QuantKey]) async throws {
        guard !keys.isEmpty else { return }
        try await tx.query("""
            INSERT INTO stock_quant (product_id, location_id, lot_id, package_id, owner_id, company_id, quantity, reserved_quantity, in_date,
                                     create_uid, create_date, write_uid, write_date)
            SELECT k.p, k.l, nullif(k.lot, 0), nullif(k.pkg, 0), nullif(k.own, 0), loc.company_id, 0, 0, now(), \(uid), now(), \(uid), now()
            FROM \(QuantKey.unnest(keys)) JOIN stock_location loc ON loc.id = k.l
            ORDER BY k.p, k.l, k.lot, k.pkg, k.own ON CONFLICT ON CONSTRAINT stock_quant_key DO NOTHING
            """)
    }

    struct LockedQuant: Sendable {
        let id: Int64, key: QuantKey, quantity: Decimal, reserved: Decimal
        let usage: String, allowNegative: Bool, productName: String, locationName: String, storable: Bool
    }

    /// Locks the balances of `keys` and those `reservedOn`, in id order.
    func lockQuants(_ keys: [QuantKey], reservedOn: [Int64]) async throws -> [LockedQuant] {
        let sql: SQLBuilder = """
            SELECT q.id, q.product_id, q.location_id, coalesce(q.lot_id, 0), coalesce(q.package_id, 0), coalesce(q.owner_id, 0),
                q.quantity, q.reserved_quantity, l.usage, coalesce(c.allow_negative_stock, false), t.name, l.complete_name, t.type = 'product'
            FROM stock_quant q JOIN stock_location l ON l.id = q.location_id LEFT JOIN res_company c ON c.id = l.company_id
            JOIN product_product p ON p.id = q.product_id JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE q.id IN (SELECT q2.id FROM stock_quant q2 JOIN \(QuantKey.unnest(keys))
                               ON q2.product_id = k.p AND q2.location_id = k.l AND coalesce(q2.lot_id, 0) = k.lot
                               AND coalesce(q2.package_id, 0) = k.pkg AND coalesce(q2.owner_id, 0) = k.own
                           UNION SELECT unnest(\(reservedOn)))
            ORDER BY q.id FOR UPDATE OF q
            """
        return try await tx.query(sql).map { row in
            let (id, product, location, lot, package, owner, quantity, reserved, usage, negative, productName, locationName, storable) = try row.decode(
                (Int64, Int64, Int64, Int64, Int64, Int64, Decimal, Decimal, String, Bool, String, String, Bool).self)
            return LockedQuant(id: id, key: QuantKey(product: product, location: location, lot: lot, package: package, owner: owner),
                               quantity: quantity, reserved: reserved, usage: usage, allowNegative: negative,
                               productName: productName, locationName: locationName, storable: storable)
        }
    }
}

/// What identifies a balance: product, place, lot, package and owner (0 for none).
struct QuantKey: Hashable, Comparable, Sendable {
    let product: Int64, location: Int64, lot: Int64, package: Int64, owner: Int64

    static func < (a: QuantKey, b: QuantKey) -> Bool {
        (a.product, a.location, a.lot, a.package, a.owner) < (b.product, b.location, b.lot, b.package, b.owner)
    }
}

extension QuantKey {
    /// `unnest(…) AS k(p, l, lot, pkg, own)` with the keys bound, one array per column.
    static func unnest(_ keys: [QuantKey]) -> SQLBuilder {
        "unnest(\(keys.map(\.product)), \(keys.map(\.location)), \(keys.map(\.lot)), \(keys.map(\.package)), \(keys.map(\.owner))) AS k(p, l, lot, pkg, own)"
    }
}

/// The columns other modules add to a ledger model (a receipt's purchase order, a move's
/// purchase line): a split move or a backorder keeps them, as Odoo's `copy` keeps such fields.
struct AddedColumns {
    let names: [String]
    /// "a, b, " to put before the columns every copy names ("" when there are none).
    var columns: String { names.map { "\"\($0)\", " }.joined() }
    /// "m.a, m.b, ": the same columns of the row copied.
    func values(_ alias: String) -> String { names.map { "\(alias).\"\($0)\", " }.joined() }
}

extension Ledger {
    func addedColumns(of own: ModelSpec) -> AddedColumns {
        guard let model = store.registry.models[own.name] else { return AddedColumns(names: []) }
        return AddedColumns(names: model.fields.values.filter { $0.isStored && own.fields[$0.name] == nil }.map(\.name))
    }
}
