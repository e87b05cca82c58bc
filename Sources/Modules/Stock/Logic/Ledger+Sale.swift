import ChainstoreCore
import ChainstoreDB
import Foundation

/// Goods sold (or taken back) at a till: they leave the store's stock for the customers'
/// location the moment the sale is recorded, in the sale's transaction.
///
/// One statement writes the done moves, their done lines and the balances; valuation follows
/// as for any posting. A till never refuses a sale for lack of stock (the customer has the goods
/// in hand): the store's balance may go below zero, and `chainstore check stock` lists every
/// balance below zero so the store counts it. Sales take loose stock (no package, no owner);
/// a tracked product's lot is the one named on the line, registered if the store has not seen it.
public enum SaleStock {
    public struct Line: Sendable {
        public var product: Int64
        /// Sold when positive, taken back when negative.
        public var quantity: Decimal
        public var lot: String?
        public init(product: Int64, quantity: Decimal, lot: String? = nil) {
            self.product = product
            self.quantity = quantity
            self.lot = lot
        }
    }

    /// Posts `lines` through operation type `type` (its source is the store's stock, its
    /// destination the customers), each move named `reference`. Returns the moves, in the
    /// lines' order (services move nothing and have none).
    @discardableResult
    public static func post(_ store: RecordStore, lines: [Line], type: Int64, reference: String) async throws -> [Int64] {
        let lines = lines.filter { $0.quantity != 0 }
        guard !lines.isEmpty else { return [] }
        let ledger = Ledger(store: store)
        let lots = try await ledger.lots(lines, type: type)
        let uid = store.env.uid
        var sql: SQLBuilder = """
            WITH pt AS (
                SELECT t.id, t.company_id, t.default_location_src_id AS stock, coalesce(t.default_location_dest_id, \(Warehouses.customers)) AS customer
                FROM stock_picking_type t WHERE t.id = \(type) AND t.default_location_src_id IS NOT NULL),
            d AS MATERIALIZED (
                SELECT nextval('stock_move_id_seq') AS id, x.*, tm.uom_id, tm.type = 'product' AS storable, tm.categ_id, cat.property_cost_method,
                    tm.standard_price
                FROM
            """
        sql += " "
        sql.appendUnnest([
            (.intArray(lines.map(\.product)), "bigint[]"), (.textArray(lines.map { "\($0.quantity)" }), "numeric[]"),
            (.intArray(lines.indices.map { lots[$0] ?? 0 }), "bigint[]"),
        ], as: "x(product, qty, lot, n)", ordinality: true)
        sql += """
                JOIN product_product p ON p.id = x.product JOIN product_template tm ON tm.id = p.product_tmpl_id
                JOIN product_category cat ON cat.id = tm.categ_id WHERE tm.type <> 'service' ORDER BY x.n),
            m AS (
                INSERT INTO stock_move (id, name, reference, origin, product_id, product_uom_qty, product_uom, product_qty, quantity, picked,
                    location_id, location_dest_id, picking_type_id, company_id, state, date, create_uid, create_date, write_uid, write_date)
                SELECT d.id, \(reference), \(reference), \(reference), d.product, abs(d.qty), d.uom_id, abs(d.qty), abs(d.qty), true,
                    CASE WHEN d.qty > 0 THEN pt.stock ELSE pt.customer END, CASE WHEN d.qty > 0 THEN pt.customer ELSE pt.stock END,
                    pt.id, pt.company_id, \(MoveState.done), now(), \(uid), now(), \(uid), now()
                FROM d, pt ORDER BY d.n RETURNING id),
            ml AS (
                INSERT INTO stock_move_line (move_id, product_id, product_uom_id, quantity, quantity_product_uom, picked, location_id,
                    location_dest_id, lot_id, state, reference, company_id, date, create_uid, create_date, write_uid, write_date)
                SELECT d.id, d.product, d.uom_id, abs(d.qty), abs(d.qty), true, CASE WHEN d.qty > 0 THEN pt.stock ELSE pt.customer END,
                    CASE WHEN d.qty > 0 THEN pt.customer ELSE pt.stock END, nullif(d.lot, 0), \(MoveState.done), \(reference), pt.company_id, now(),
                    \(uid), now(), \(uid), now()
                FROM d JOIN m ON m.id = d.id, pt),
            q AS (
                INSERT INTO stock_quant (product_id, location_id, lot_id, company_id, quantity, reserved_quantity, in_date,
                    create_uid, create_date, write_uid, write_date)
                SELECT d.product, pt.stock, nullif(d.lot, 0), l.company_id, -sum(d.qty), 0, now(), \(uid), now(), \(uid), now()
                FROM d, pt JOIN stock_location l ON l.id = pt.stock
                GROUP BY d.product, d.lot, pt.stock, l.company_id ORDER BY d.product, d.lot
                ON CONFLICT ON CONSTRAINT stock_quant_key DO UPDATE SET quantity = stock_quant.quantity + excluded.quantity,
                    in_date = CASE WHEN stock_quant.quantity <= 0 AND excluded.quantity > 0 THEN now() ELSE stock_quant.in_date END,
                    write_uid = excluded.write_uid, write_date = now()
                RETURNING 1),
            -- The running costs the valuation will write, locked after the balances (as
            -- `Ledger.lockCosts` does), in this statement instead of one of their own.
            c AS (
                INSERT INTO stock_product_cost (company_id, product_id)
                SELECT DISTINCT l.company_id, d.product FROM d, pt JOIN stock_location l ON l.id = pt.stock
                WHERE d.storable AND l.company_id IS NOT NULL ORDER BY 1, 2
                ON CONFLICT (company_id, product_id) DO UPDATE SET quantity = stock_product_cost.quantity
                RETURNING company_id, product_id, quantity, value)
            SELECT d.id, d.product, abs(d.qty), d.categ_id, d.property_cost_method, d.qty > 0, d.standard_price, d.storable, l.company_id,
                (SELECT count(*) FROM q),
                (SELECT coalesce(jsonb_agg(jsonb_build_array(c.company_id, c.product_id, c.quantity::text, c.value::text)), '[]')::text FROM c)
            FROM pt JOIN stock_location l ON l.id = pt.stock LEFT JOIN d ON true ORDER BY d.n
            """ as SQLBuilder
        let rows = try await store.tx.query(sql)
        guard !rows.isEmpty else { throw ChainstoreError.userError("Operation type \(type) has no stock location to sell from.") }
        // What is valued: storable goods leaving the store's company, or coming back to it (at its
        // running cost), as `Ledger.value` would find them, without reading them back.
        var moves: [Int64] = [], valued: [Ledger.ValuedLine] = []
        var costs = "[]"
        for row in rows {
            let (move, product, quantity, category, method, sold, standard, storable, company, _, locked) = try row.decode(
                (Int64?, Int64?, Decimal?, Int64?, String?, Bool?, Decimal?, Bool?, Int64?, Int64, String).self)
            costs = locked
            guard let move, let product, let quantity, let method, let sold, let standard else { continue }
            moves.append(move)
            guard storable == true, let company else { continue }
            valued.append(Ledger.ValuedLine(move: move, product: product, quantity: quantity, category: category, method: method,
                                            from: sold ? company : nil, to: sold ? nil : company, price: 0, standard: standard,
                                            description: reference))
        }
        try await ledger.value(lines: valued, locked: try Ledger.parseCosts(costs))
        return moves
    }
}

extension Ledger {
    /// The lots named on `lines` (by their names, for the store's company), registered when the
    /// store has not seen them: the line's index → the lot.
    func lots(_ lines: [SaleStock.Line], type: Int64) async throws -> [Int: Int64] {
        let named = lines.indices.filter { lines[$0].lot.map { !$0.isEmpty } ?? false }
        guard !named.isEmpty else { return [:] }
        let rows = try await tx.query("""
            WITH x AS (SELECT * FROM unnest(\(named.map { lines[$0].product }), \(named.map { lines[$0].lot! })) WITH ORDINALITY AS x(product, name, n)),
            made AS (
                INSERT INTO stock_lot (name, product_id, company_id, create_uid, create_date, write_uid, write_date)
                SELECT DISTINCT x.name, x.product, pt.company_id, \(uid), now(), \(uid), now() FROM x, stock_picking_type pt WHERE pt.id = \(type)
                ON CONFLICT ON CONSTRAINT stock_lot_name_ref_uniq DO NOTHING RETURNING id, name, product_id)
            SELECT coalesce(made.id, lot.id) FROM x
            LEFT JOIN made ON made.name = x.name AND made.product_id = x.product
            LEFT JOIN stock_lot lot ON lot.name = x.name AND lot.product_id = x.product
                AND lot.company_id = (SELECT company_id FROM stock_picking_type WHERE id = \(type))
            ORDER BY x.n
            """).map { try $0.decode(Int64?.self) }
        var found: [Int: Int64] = [:]
        for (index, lot) in zip(named, rows) { found[index] = lot }
        return found
    }
}
