import ChainstoreCore
import ChainstoreDB
import Foundation

/// The only writer of stock: confirms, reserves, validates and cancels moves, keeping every
/// balance (`stock.quant`) equal to the sum of its done move lines and every reservation equal to
/// what open lines hold, in the caller's transaction.
///
/// Concurrency: balances are locked with `SELECT … ORDER BY id FOR UPDATE` before they are read
/// for a decision, always in id order, so two transfers never wait on each other in a cycle;
/// under READ COMMITTED a waiting transaction re-reads the row it waited for, so a reservation
/// or a consumption is decided on the committed balance and can never exceed it. Deadlocks and
/// serialization failures that remain (new rows) are retried with the whole transaction.
struct Ledger {
    let store: RecordStore
    var tx: Transaction { store.tx }
    var uid: Int64 { store.env.uid }

    // MARK: - Confirm

    /// Draft moves become confirmed (their quantity in the product's unit fixed) and are
    /// reserved at once, as Odoo's "Mark as To Do".
    func confirm(_ moveIds: [Int64]) async throws {
        guard !moveIds.isEmpty else { return }
        let missing: SQLBuilder = """
            SELECT m.id FROM stock_move m WHERE m.id = ANY(\(moveIds)) AND m.state = \(MoveState.draft)
            AND (m.location_id IS NULL OR m.location_dest_id IS NULL) LIMIT 1
            """
        if let row = try await tx.query(missing).first {
            throw ChainstoreError.userError("Move \(try row.decode(Int64.self)) has no source or destination location.")
        }
        try await checkCompanies(moveIds)
        let sql: SQLBuilder = """
            UPDATE stock_move m SET state = \(MoveState.confirmed),
                product_qty = round(chainstore_uom_convert(m.product_uom_qty, coalesce(m.product_uom, t.uom_id), t.uom_id), 6),
                product_uom = coalesce(m.product_uom, t.uom_id), write_uid = \(uid), write_date = now()
            FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE p.id = m.product_id AND m.state = \(MoveState.draft) AND m.id = ANY(\(moveIds)) RETURNING m.id
            """
        // Reserving syncs the confirmed moves and their transfers.
        try await assign(try await tx.query(sql).map { try $0.decode(Int64.self) })
    }

    /// A move stays inside its company: its places (and its operation type) belong to the
    /// move's company or to nobody (the shared vendor, customer and loss places). Transit places
    /// belong to their sender; the receiver takes only from the shipment its receipt names.
    func checkCompanies(_ moveIds: [Int64]) async throws {
        let sql: SQLBuilder = """
            SELECT m.id, coalesce(pt.name, '') FROM stock_move m JOIN stock_location sl ON sl.id = m.location_id
            JOIN stock_location dl ON dl.id = m.location_dest_id LEFT JOIN stock_picking_type pt ON pt.id = m.picking_type_id
            WHERE m.id = ANY(\(moveIds)) AND ((sl.company_id <> m.company_id AND NOT \(unsafeRaw: Shipments.receivable("m")))
                OR dl.company_id <> m.company_id OR pt.company_id <> m.company_id
                OR (m.company_id IS NULL AND (sl.company_id IS NOT NULL OR dl.company_id IS NOT NULL))
                OR (sl.usage = 'transit' AND sl.company_id IS NULL) OR (dl.usage = 'transit' AND dl.company_id IS NULL)) LIMIT 1
            """
        if let row = try await tx.query(sql).first {
            throw ChainstoreError.userError("Move \(try row.decode((Int64, String).self).0) uses places or an operation type of another company.")
        }
    }

    // MARK: - Reserve

    struct Move: Sendable {
        let id: Int64, productId: Int64, state: MoveState, demand: Decimal, sourceId: Int64, sourcePath: String
        let bypass: Bool, removal: String, held: Decimal, productUom: Int64, moveUom: Int64
        let priority: String, date: Double
        /// The company the goods go to: the one the move's transfer is addressed to (a shipment
        /// to another company), else the move's own.
        let destCompany: Int64?
    }

    /// Moves waiting for goods, locked in id order, with what their lines already hold.
    func lockMoves(_ moveIds: [Int64], states: [MoveState]) async throws -> [Move] {
        let sql: SQLBuilder = """
            SELECT m.id, m.product_id, m.state, coalesce(m.product_qty, 0), m.location_id, sl.parent_path,
                (sl.usage NOT IN ('internal', 'transit', 'view') OR t.type <> 'product'),
                coalesce((SELECT r.method FROM product_category pc JOIN product_removal r ON r.id = pc.removal_strategy_id
                          WHERE pc.id = ANY(string_to_array(rtrim(c.parent_path, '/'), '/')::bigint[]) ORDER BY length(pc.parent_path) DESC LIMIT 1),
                         (SELECT r.method FROM stock_location pl JOIN product_removal r ON r.id = pl.removal_strategy_id
                          WHERE pl.id = ANY(string_to_array(rtrim(sl.parent_path, '/'), '/')::bigint[]) ORDER BY length(pl.parent_path) DESC LIMIT 1), 'fifo'),
                coalesce((SELECT sum(ml.quantity_product_uom) FROM stock_move_line ml WHERE ml.move_id = m.id), 0), t.uom_id,
                coalesce(m.product_uom, t.uom_id), m.priority, extract(epoch FROM m.date)::float8,
                coalesce((SELECT pk.dest_company_id FROM stock_picking pk WHERE pk.id = m.picking_id), m.company_id)
            FROM stock_move m JOIN stock_location sl ON sl.id = m.location_id JOIN product_product p ON p.id = m.product_id
            JOIN product_template t ON t.id = p.product_tmpl_id JOIN product_category c ON c.id = t.categ_id
            WHERE m.id = ANY(\(moveIds)) AND m.state = ANY(\(states)) ORDER BY m.id FOR UPDATE OF m
            """
        return try await tx.query(sql).map { row in
            let (id, product, stateName, demand, source, path, bypass, removal, held, productUom, moveUom, priority, date, destCompany) = try row.decode(
                (Int64, Int64, String, Decimal, Int64, String, Bool, String, Decimal, Int64, Int64, String, Double, Int64?).self)
            guard let state = MoveState(rawValue: stateName) else { throw ChainstoreError(.internalError, "Move \(id) has an unknown state \(stateName)") }
            return Move(id: id, productId: product, state: state, demand: demand, sourceId: source, sourcePath: path, bypass: bypass,
                        removal: removal, held: held, productUom: productUom, moveUom: moveUom, priority: priority, date: date,
                        destCompany: destCompany)
        }
    }

    /// Reserves what each move still needs from the free stock under its source location, by
    /// the removal strategy; moves that need no reservation (from vendors, consumables) get one
    /// line for their whole remaining demand. Moves are served by priority, date and id.
    func assign(_ moveIds: [Int64]) async throws {
        guard !moveIds.isEmpty else { return }
        let moves = try await lockMoves(moveIds, states: [.confirmed, .partiallyAvailable, .assigned])
        var lines = NewLines()
        let reserving = moves.filter { !$0.bypass && $0.demand > $0.held }
        for move in moves where move.bypass && move.demand > move.held {
            lines.append(move: move.id, quantity: move.demand - move.held, location: move.sourceId)
        }
        if !reserving.isEmpty {
            let quants = try await lockFreeQuants(products: Array(Set(reserving.map(\.productId))),
                                                  paths: Array(Set(reserving.map(\.sourcePath))))
            var free = Dictionary(uniqueKeysWithValues: quants.map { ($0.id, $0.free) })
            for move in Self.servingOrder(reserving) {
                var need = move.demand - move.held
                for quant in Self.candidates(quants, for: move) {
                    guard need > 0 else { break }
                    let take = min(need, free[quant.id] ?? 0)
                    guard take > 0 else { continue }
                    free[quant.id]! -= take
                    need -= take
                    lines.append(move: move.id, quantity: take, location: quant.locationId, lot: quant.lotId, package: quant.packageId,
                                 quant: quant.id, keepPackage: quant.shipTo != nil)
                }
            }
        }
        try await insert(lines)
        try await syncMoves(moves.map(\.id))
    }

    /// The quants a move may take from, in the order it takes them: those of the product under
    /// its source; pallets addressed to the company it delivers to first (cross-docking: they
    /// leave whole), then the rest by the removal strategy; pallets addressed to another company
    /// are never taken.
    static func candidates(_ quants: [Quant], for move: Move) -> [Quant] {
        let fitting = quants.filter { $0.productId == move.productId && $0.path.hasPrefix(move.sourcePath) && ($0.shipTo == nil || $0.shipTo == move.destCompany) }
        return Removal.order(fitting.filter { $0.shipTo != nil }, move.removal) + Removal.order(fitting.filter { $0.shipTo == nil }, move.removal)
    }

    /// Moves in the order they are served: urgent first, then by date, then by id.
    static func servingOrder(_ moves: [Move]) -> [Move] {
        moves.sorted { a, b in a.priority != b.priority ? a.priority > b.priority : (a.date, a.id) < (b.date, b.id) }
    }

    struct Quant: Sendable {
        let id: Int64, productId: Int64, locationId: Int64, lotId: Int64?, packageId: Int64?, free: Decimal
        let inDate: Double, expiry: Double?, path: String, locationName: String
        /// The company the quant's pallet is addressed to.
        let shipTo: Int64?
    }

    /// Quants with free stock of `products` under `paths` (locations' `parent_path`s), locked in
    /// id order. A quant another transaction is changing is waited for and read again once it
    /// commits. Found pair by pair — each internal location under the paths, each product — in
    /// the quant key: the work grows with the source's locations and the products moved, never
    /// with the group (a product is stocked by every store; reading its quants and keeping the
    /// source's took 40–150 ms per transfer at 200,000 stores).
    func lockFreeQuants(products: [Int64], paths: [String]) async throws -> [Quant] {
        let sql: SQLBuilder = """
            WITH places AS MATERIALIZED (
                SELECT DISTINCT l.id, l.parent_path, l.complete_name FROM unnest(\(paths)) p
                JOIN stock_location l ON l.parent_path ~>=~ p AND l.parent_path ~<~ (left(p, -1) || '0')
                WHERE l.usage IN ('internal', 'transit'))
            SELECT q.id, q.product_id, q.location_id, q.lot_id, q.package_id, q.quantity - q.reserved_quantity,
                extract(epoch FROM q.in_date)::float8,
                (SELECT extract(epoch FROM coalesce(lot.removal_date, lot.expiration_date))::float8 FROM stock_lot lot WHERE lot.id = q.lot_id),
                l.parent_path, l.complete_name, (SELECT pkg.ship_to_company_id FROM stock_quant_package pkg WHERE pkg.id = q.package_id)
            FROM stock_quant q JOIN places l ON l.id = q.location_id
            WHERE q.id = ANY(ARRAY(
                    SELECT f.id FROM places l CROSS JOIN unnest(\(products)) pr(id) CROSS JOIN LATERAL (
                        SELECT q.id FROM stock_quant q
                        WHERE q.product_id = pr.id AND q.location_id = l.id AND q.owner_id IS NULL AND q.quantity > q.reserved_quantity OFFSET 0) f))
                AND q.owner_id IS NULL AND q.quantity > q.reserved_quantity
            ORDER BY q.id FOR UPDATE OF q
            """
        return try await tx.query(sql).map { row in
            let (id, product, location, lot, package, free, inDate, expiry, path, name, shipTo) = try row.decode(
                (Int64, Int64, Int64, Int64?, Int64?, Decimal, Double, Double?, String, String, Int64?).self)
            return Quant(id: id, productId: product, locationId: location, lotId: lot, packageId: package, free: free, inDate: inDate,
                         expiry: expiry, path: path, locationName: name, shipTo: shipTo)
        }
    }

    /// Move lines to insert in one statement; quantities in the product's unit.
    struct NewLines {
        var moves: [Int64] = [], quantities: [Decimal] = [], locations: [Int64] = [], lots: [Int64] = [], packages: [Int64] = []
        var quants: [Int64] = [], reserved: [Decimal] = [], keep: [Bool] = []

        /// `keepPackage`: the goods leave on their package (the line's result package is it).
        mutating func append(move: Int64, quantity: Decimal, location: Int64, lot: Int64? = nil, package: Int64? = nil, quant: Int64? = nil,
                             keepPackage: Bool = false) {
            moves.append(move)
            quantities.append(quantity)
            locations.append(location)
            lots.append(lot ?? 0)
            packages.append(package ?? 0)
            quants.append(quant ?? 0)
            reserved.append(quant == nil ? 0 : quantity)
            keep.append(keepPackage)
        }

        var isEmpty: Bool { moves.isEmpty }
    }

    /// Inserts the lines and takes their reservations on the quants (already locked). Goods
    /// taken from transit, or from a pallet addressed to where they go, stay on their pallet:
    /// a shipment's pallet arrives whole.
    func insert(_ lines: NewLines) async throws {
        guard !lines.isEmpty else { return }
        try await tx.query("""
            WITH d AS (SELECT * FROM unnest(\(lines.moves), \(lines.quantities), \(lines.locations), \(lines.lots), \(lines.packages), \(lines.quants),
                                            \(lines.reserved), \(lines.keep)) AS d(move, qty, loc, lot, pkg, quant, reserved, keep)),
                 held AS (UPDATE stock_quant q SET reserved_quantity = q.reserved_quantity + h.qty
                          FROM (SELECT quant, sum(reserved) AS qty FROM d WHERE quant <> 0 GROUP BY quant) h WHERE q.id = h.quant)
            INSERT INTO stock_move_line (move_id, picking_id, product_id, product_uom_id, quantity, quantity_product_uom, location_id,
                                         location_dest_id, lot_id, package_id, result_package_id, state, reference, company_id, reserved_quant_id,
                                         quantity_reserved, date, create_uid, create_date, write_uid, write_date)
            SELECT d.move, m.picking_id, m.product_id, t.uom_id, d.qty, d.qty, d.loc, chainstore_putaway(m.product_id, m.location_dest_id),
                   nullif(d.lot, 0), nullif(d.pkg, 0), CASE WHEN sl.usage = 'transit' OR d.keep THEN nullif(d.pkg, 0) END, m.state,
                   coalesce(pk.name, m.reference), m.company_id, nullif(d.quant, 0), d.reserved, now(), \(uid), now(), \(uid), now()
            FROM d JOIN stock_move m ON m.id = d.move JOIN stock_location sl ON sl.id = d.loc JOIN product_product p ON p.id = m.product_id
            JOIN product_template t ON t.id = p.product_tmpl_id LEFT JOIN stock_picking pk ON pk.id = m.picking_id
            """)
    }

    // MARK: - Keep moves and transfers in step with their lines

    /// A move's quantity is the sum of its lines (in the move's unit); its state follows from
    /// it; its lines carry its state; its transfer's state follows from its moves.
    func syncMoves(_ moveIds: [Int64]) async throws {
        guard !moveIds.isEmpty else { return }
        // Rows are rewritten only when something changes: every rewrite is an audit row.
        try await tx.query("""
            WITH s AS (SELECT m.id, coalesce(sum(ml.quantity_product_uom), 0) AS q FROM stock_move m
                       LEFT JOIN stock_move_line ml ON ml.move_id = m.id WHERE m.id = ANY(\(moveIds)) GROUP BY m.id),
                 target AS (SELECT m.id, round(chainstore_uom_convert(s.q, t.uom_id, coalesce(m.product_uom, t.uom_id)), 6) AS quantity,
                                   CASE WHEN m.state IN ('draft', 'waiting', 'done', 'cancel') THEN m.state
                                        WHEN sl.usage NOT IN ('internal', 'transit', 'view') OR t.type <> 'product' OR s.q >= m.product_qty THEN 'assigned'
                                        WHEN s.q > 0 THEN 'partially_available' ELSE 'confirmed' END AS state
                            FROM s JOIN stock_move m ON m.id = s.id JOIN product_product p ON p.id = m.product_id
                            JOIN product_template t ON t.id = p.product_tmpl_id JOIN stock_location sl ON sl.id = m.location_id),
                 moved AS (UPDATE stock_move m SET quantity = target.quantity, state = target.state, write_uid = \(uid), write_date = now()
                           FROM target WHERE m.id = target.id AND (m.quantity IS DISTINCT FROM target.quantity OR m.state <> target.state)
                           RETURNING m.id, m.state)
            UPDATE stock_move_line ml SET state = target.state FROM target
            WHERE ml.move_id = target.id AND ml.state <> target.state AND target.state NOT IN ('done', 'cancel') AND ml.state NOT IN ('done', 'cancel')
            """)
        try await refreshPickings(ofMoves: moveIds)
    }

    /// Odoo's transfer state: draft while a move is, cancelled when all are, done when all are
    /// done or cancelled; otherwise ready when goods are (any for "as soon as possible", all for
    /// "when all products are ready"), else waiting.
    func refreshPickings(ofMoves moveIds: [Int64]) async throws {
        try await tx.query("""
            WITH pk AS (SELECT DISTINCT picking_id AS id FROM stock_move WHERE picking_id IS NOT NULL AND id = ANY(\(moveIds))),
                 s AS (SELECT p.id, CASE WHEN count(m.id) = 0 OR bool_or(m.state = 'draft') THEN 'draft'
                                         WHEN bool_and(m.state = 'cancel') THEN 'cancel' WHEN bool_and(m.state IN ('done', 'cancel')) THEN 'done'
                                         WHEN p.move_type = 'one' THEN CASE WHEN bool_and(m.state IN ('assigned', 'done', 'cancel')) THEN 'assigned'
                                                                            WHEN bool_or(m.state = 'waiting') THEN 'waiting' ELSE 'confirmed' END
                                         WHEN bool_or(m.state IN ('assigned', 'partially_available')) THEN 'assigned'
                                         WHEN bool_and(m.state IN ('waiting', 'done', 'cancel')) THEN 'waiting' ELSE 'confirmed' END AS state
                       FROM stock_picking p JOIN pk ON pk.id = p.id LEFT JOIN stock_move m ON m.picking_id = p.id GROUP BY p.id, p.move_type)
            UPDATE stock_picking p SET state = s.state, date_done = CASE WHEN s.state = 'done' THEN coalesce(p.date_done, now()) END,
                write_uid = \(uid), write_date = now()
            FROM s WHERE p.id = s.id AND p.state IS DISTINCT FROM s.state
            """)
    }

    // MARK: - Cancel and unreserve

    /// Cancels moves that are not done: their open lines are deleted (giving back what they
    /// held). A done move cannot be cancelled.
    func cancel(_ moveIds: [Int64]) async throws {
        guard !moveIds.isEmpty else { return }
        if try await tx.query("SELECT count(*) FROM stock_move WHERE state = \(MoveState.done) AND id = ANY(\(moveIds))").first?.decode(Int.self) ?? 0 > 0 {
            throw ChainstoreError.userError("You cannot cancel a stock move that has been set to 'Done'. Create a return in order to reverse the moves which took place.")
        }
        try await releaseLines(ofMoves: moveIds)
        try await tx.query("""
            UPDATE stock_move SET state = \(MoveState.cancel), quantity = 0, write_uid = \(uid), write_date = now()
            WHERE state <> \(MoveState.cancel) AND id = ANY(\(moveIds))
            """)
        try await refreshPickings(ofMoves: moveIds)
    }

    /// Gives back every reservation of the moves (Odoo's "Unreserve"); they wait again.
    func unreserve(_ moveIds: [Int64]) async throws {
        guard !moveIds.isEmpty else { return }
        try await releaseLines(ofMoves: moveIds)
        try await tx.query("""
            UPDATE stock_move SET state = \(MoveState.confirmed), write_uid = \(uid), write_date = now()
            WHERE state = ANY(\([MoveState.partiallyAvailable, .assigned])) AND id = ANY(\(moveIds))
            """)
        try await syncMoves(moveIds)
    }

    /// Deletes the open lines of the moves that match `filter` (trusted SQL over the line); the
    /// delete trigger gives what they held back. The quants they hold are locked first, in id
    /// order, like every other change of a balance.
    func releaseLines(ofMoves moveIds: [Int64], where filter: String = "true") async throws {
        try await tx.query("""
            SELECT q.id FROM stock_quant q WHERE q.id IN (SELECT reserved_quant_id FROM stock_move_line WHERE move_id = ANY(\(moveIds))
                AND state NOT IN ('done', 'cancel') AND (\(unsafeRaw: filter))) ORDER BY q.id FOR UPDATE
            """)
        try await tx.query("DELETE FROM stock_move_line WHERE state NOT IN ('done', 'cancel') AND (\(unsafeRaw: filter)) AND move_id = ANY(\(moveIds))")
    }
}


/// Which stock leaves first: the oldest (FIFO), the newest (LIFO), the first to expire (FEFO),
/// or the nearest place by name (closest).
enum Removal {
    static func order(_ quants: [Ledger.Quant], _ method: String) -> [Ledger.Quant] {
        switch method {
        case "lifo":
            return quants.sorted { ($0.inDate, $0.id) > ($1.inDate, $1.id) }
        case "fefo":
            return quants.sorted {
                let (a, b) = ($0.expiry ?? .infinity, $1.expiry ?? .infinity)
                return a != b ? a < b : ($0.inDate, $0.id) < ($1.inDate, $1.id)
            }
        case "closest":
            return quants.sorted { ($0.locationName, $0.id) < ($1.locationName, $1.id) }
        default:
            return quants.sorted { ($0.inDate, $0.id) < ($1.inDate, $1.id) }
        }
    }
}
