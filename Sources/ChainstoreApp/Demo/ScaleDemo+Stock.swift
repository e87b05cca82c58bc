import ChainstoreCore
import ChainstoreDB

/// The stock of the generated group, so a new user sees numbers, not zeros: every distribution
/// centre and store gets its warehouse (locations and operation types as a new warehouse gets
/// them), opening balances entered as done inventory moves (so `chainstore check stock` agrees
/// and the valuation has its layers), a few lots with expiry dates and pallets in the centres, a
/// back room in every store, and open receipts and deliveries. Set-based SQL, in the demo's
/// transaction; the ledger's audit triggers are off for the load (bulk data has no audit rows).
struct DemoStock {
    let generator: Generator
    /// The company id of the first store (stores are numbered from it) and of the first centre.
    let firstStore: Int64
    let firstCentre: Int64
    let firstProduct: Int64
    /// Products of each store format (see the assortments).
    let perFormat: Int
    let formats: Int

    static let storeProducts = 12
    static let centreProducts = 2000
    static let ledgerTables = ["stock_quant", "stock_picking", "stock_move", "stock_move_line"]

    var tx: Transaction { generator.tx }

    func run() async throws {
        let now = generator.now
        let skus = generator.plan.skus
        try await tx.query("""
            CREATE TEMP TABLE demo_site ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY c.id)::bigint AS n, c.id AS company, c.company_kind = 'warehouse' AS centre, c.name,
                   CASE WHEN c.company_kind = 'warehouse' THEN 'DC' ELSE 'WH' END AS code
            FROM res_company c WHERE c.company_kind IN ('warehouse', 'store') AND c.id >= \(min(firstStore, firstCentre))
            """)
        let sites = Int(try await tx.query("SELECT count(*) FROM demo_site").first?.decode(Int64.self) ?? 0)
        guard sites > 0 else { return }
        for table in Self.ledgerTables + ["stock_location"] {
            try await tx.execute("ALTER TABLE \(table) DISABLE TRIGGER USER")
        }

        // Places: view, stock, back room and transit per site (ids reserved, paths written here).
        let location = try await generator.reserve("stock_location", sites * 4)
        try await tx.query("""
            INSERT INTO stock_location (id, name, complete_name, location_id, parent_path, usage, company_id, active, create_uid, create_date, write_uid, write_date)
            SELECT \(location) + 4 * n - 3, code, code, NULL, (\(location) + 4 * n - 3) || '/', 'view', company, true, 1, \(now)::timestamptz, 1, \(now)::timestamptz FROM demo_site
            UNION ALL SELECT \(location) + 4 * n - 2, 'Stock', code || '/Stock', \(location) + 4 * n - 3,
                (\(location) + 4 * n - 3) || '/' || (\(location) + 4 * n - 2) || '/', 'internal', company, true, 1, \(now)::timestamptz, 1, \(now)::timestamptz FROM demo_site
            UNION ALL SELECT \(location) + 4 * n - 1, 'Back Room', code || '/Stock/Back Room', \(location) + 4 * n - 2,
                (\(location) + 4 * n - 3) || '/' || (\(location) + 4 * n - 2) || '/' || (\(location) + 4 * n - 1) || '/', 'internal', company, true, 1,
                \(now)::timestamptz, 1, \(now)::timestamptz FROM demo_site
            UNION ALL SELECT \(location) + 4 * n, code || ' Transit', 'Virtual Locations/' || code || ' Transit', 4, '4/' || (\(location) + 4 * n) || '/',
                'transit', company, true, 1, \(now)::timestamptz, 1, \(now)::timestamptz FROM demo_site
            """)
        generator.counts.append(("stock_location", sites * 4))
        let warehouse = try await generator.reserve("stock_warehouse", sites)
        try await tx.query("""
            INSERT INTO stock_warehouse (id, name, code, company_id, view_location_id, lot_stock_id, transit_location_id, sequence, active,
                                         create_uid, create_date, write_uid, write_date)
            SELECT \(warehouse) + n, name, code, company, \(location) + 4 * n - 3, \(location) + 4 * n - 2, \(location) + 4 * n, 10, true,
                   1, \(now)::timestamptz, 1, \(now)::timestamptz FROM demo_site
            """)
        generator.counts.append(("stock_warehouse", sites))
        // Receipts, deliveries, internal transfers, returns, store transfers (as a new warehouse).
        let type = try await generator.reserve("stock_picking_type", sites * 5)
        try await tx.query("""
            INSERT INTO stock_picking_type (id, name, code, sequence_code, warehouse_id, default_location_src_id, default_location_dest_id,
                                            company_id, sequence, active, create_uid, create_date, write_uid, write_date)
            SELECT \(type) + 5 * s.n - 5 + k.seq, k.name, k.code, k.prefix, \(warehouse) + s.n,
                   CASE k.src WHEN 0 THEN \(location) + 4 * s.n - 2 ELSE k.src END,
                   CASE k.dest WHEN 0 THEN \(location) + 4 * s.n - 2 WHEN -1 THEN \(location) + 4 * s.n ELSE k.dest END,
                   s.company, k.seq, true, 1, \(now)::timestamptz, 1, \(now)::timestamptz
            FROM demo_site s, (VALUES (1, 'Receipts', 'incoming', 'IN', 2, 0), (2, 'Delivery Orders', 'outgoing', 'OUT', 0, 3),
                                      (3, 'Internal Transfers', 'internal', 'INT', 0, 0), (4, 'Returns', 'incoming', 'RET', 3, 0),
                                      (5, 'Store Transfers', 'outgoing', 'S2S', 0, -1)) k(seq, name, code, prefix, src, dest)
            """)
        try await tx.query("UPDATE stock_picking_type SET return_picking_type_id = id + 2 WHERE id > \(type) AND id <= \(type + Int64(sites * 5)) AND sequence = 2")
        generator.counts.append(("stock_picking_type", sites * 5))

        // Balances: a dozen products of its format per store (two in the back room); two thousand
        // per centre, one in fifty by lot with an expiry date, one in a hundred on a pallet.
        let perStore = min(Self.storeProducts, perFormat)
        let perCentre = min(Self.centreProducts, skus)
        try await tx.query("""
            CREATE TEMP TABLE demo_balance ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY company, k)::bigint AS i, b.*, NULL::bigint AS lot, NULL::bigint AS package
            FROM (
                SELECT s.n, s.company, s.centre, k, CASE WHEN k >= 10 THEN \(location) + 4 * s.n - 1 ELSE \(location) + 4 * s.n - 2 END AS location,
                       \(firstProduct) + ((((s.company - \(firstStore)) % \(formats)) * \(perFormat)
                           + ((s.company - \(firstStore)) * 7 + k * 131) % \(perFormat)) % \(skus)) AS product,
                       ((s.company * 31 + k * 17) % 40 + 1)::numeric AS qty
                FROM demo_site s, generate_series(0, \(perStore - 1)) k WHERE NOT s.centre
                UNION ALL
                SELECT s.n, s.company, s.centre, k, \(location) + 4 * s.n - 2, \(firstProduct) + (s.n * 997 + k) % \(skus),
                       ((s.n * 13 + k * 7) % 480 + 20)::numeric
                FROM demo_site s, generate_series(0, \(perCentre - 1)) k WHERE s.centre
            ) b
            """)
        try await tx.query("""
            WITH made AS (
                INSERT INTO stock_lot (name, product_id, company_id, expiration_date, use_date, removal_date, alert_date, create_uid, create_date, write_uid, write_date)
                SELECT 'L' || to_char(\(now)::timestamptz, 'YYMMDD') || '-' || n || '-' || k, product, company,
                       \(now)::timestamptz + ((k % 90) + 10) * interval '1 day', \(now)::timestamptz + ((k % 90) + 5) * interval '1 day',
                       \(now)::timestamptz + ((k % 90) + 7) * interval '1 day', \(now)::timestamptz + ((k % 90) + 3) * interval '1 day',
                       1, \(now)::timestamptz, 1, \(now)::timestamptz
                FROM demo_balance WHERE centre AND k % 50 = 0 RETURNING id, product_id, company_id)
            UPDATE demo_balance b SET lot = made.id FROM made WHERE b.centre AND b.k % 50 = 0 AND made.product_id = b.product AND made.company_id = b.company
            """)
        try await tx.query("""
            WITH made AS (
                INSERT INTO stock_quant_package (name, location_id, company_id, package_use, pack_date, create_uid, create_date, write_uid, write_date)
                SELECT 'PAL' || lpad(company::text, 8, '0') || lpad(k::text, 5, '0'), location, company, 'reusable', \(now)::date,
                       1, \(now)::timestamptz, 1, \(now)::timestamptz
                FROM demo_balance WHERE centre AND k % 100 = 1 RETURNING id, name)
            UPDATE demo_balance b SET package = made.id FROM made
            WHERE b.centre AND b.k % 100 = 1 AND made.name = 'PAL' || lpad(b.company::text, 8, '0') || lpad(b.k::text, 5, '0')
            """)
        let balances = Int(try await tx.query("SELECT count(*) FROM demo_balance").first?.decode(Int64.self) ?? 0)
        let move = try await generator.reserve("stock_move", balances)
        let line = try await generator.reserve("stock_move_line", balances)
        let quant = try await generator.reserve("stock_quant", balances)
        // Opening balances: a done move from inventory adjustment, its line, the balance, its layer.
        try await tx.query("""
            INSERT INTO stock_move (id, name, reference, product_id, product_uom_qty, product_uom, product_qty, quantity, picked, location_id,
                                    location_dest_id, company_id, state, price_unit, date, create_uid, create_date, write_uid, write_date)
            SELECT \(move) + b.i, 'Opening balance', 'OPENING', b.product, b.qty, t.uom_id, b.qty, b.qty, true, 5, b.location, b.company, 'done',
                   t.standard_price, \(now)::timestamptz, 1, \(now)::timestamptz, 1, \(now)::timestamptz
            FROM demo_balance b JOIN product_product p ON p.id = b.product JOIN product_template t ON t.id = p.product_tmpl_id
            """)
        try await tx.query("""
            INSERT INTO stock_move_line (id, move_id, product_id, product_uom_id, quantity, quantity_product_uom, picked, lot_id, result_package_id,
                                         location_id, location_dest_id, state, date, reference, company_id, create_uid, create_date, write_uid, write_date)
            SELECT \(line) + b.i, \(move) + b.i, b.product, m.product_uom, b.qty, b.qty, true, b.lot, b.package, 5, b.location, 'done',
                   \(now)::timestamptz, 'OPENING', b.company, 1, \(now)::timestamptz, 1, \(now)::timestamptz
            FROM demo_balance b JOIN stock_move m ON m.id = \(move) + b.i
            """)
        try await tx.query("""
            INSERT INTO stock_quant (id, product_id, location_id, lot_id, package_id, company_id, company_branch, quantity, reserved_quantity, in_date,
                                     create_uid, create_date, write_uid, write_date)
            SELECT \(quant) + b.i, b.product, b.location, b.lot, b.package, b.company, c.branch_id, b.qty, 0, \(now)::timestamptz, 1, \(now)::timestamptz,
                   1, \(now)::timestamptz
            FROM demo_balance b JOIN res_company c ON c.id = b.company
            """)
        try await tx.query("""
            INSERT INTO stock_valuation_layer (company_id, product_id, categ_id, stock_move_id, quantity, unit_cost, value, remaining_qty,
                                               remaining_value, description, create_uid, create_date, write_uid, write_date)
            SELECT b.company, b.product, t.categ_id, \(move) + b.i, b.qty, t.standard_price, round(b.qty * t.standard_price, 2), b.qty,
                   round(b.qty * t.standard_price, 2), 'Opening balance', 1, \(now)::timestamptz, 1, \(now)::timestamptz
            FROM demo_balance b JOIN product_product p ON p.id = b.product JOIN product_template t ON t.id = p.product_tmpl_id
            """)
        for table in ["stock_move", "stock_move_line", "stock_quant", "stock_valuation_layer"] { generator.counts.append((table, balances)) }
        try await openOperations(type: type, location: location)
        for table in Self.ledgerTables + ["stock_location"] {
            try await tx.execute("ALTER TABLE \(table) ENABLE TRIGGER USER")
        }
    }

    /// Receipts from suppliers ready to validate in every centre and one store in ten, and
    /// deliveries waiting for availability in every centre.
    func openOperations(type: Int64, location: Int64) async throws {
        let now = generator.now
        let skus = generator.plan.skus
        let supplier = try await tx.query("SELECT min(id) FROM res_partner WHERE supplier_rank > 0").first?.decode(Int64?.self) ?? nil
        try await tx.query("""
            CREATE TEMP TABLE demo_operation ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY s.n, o.kind, o.k)::bigint AS i, s.n, s.company, s.code, o.kind, o.k, o.lines
            FROM demo_site s, LATERAL (
                SELECT 'in' AS kind, k, 10 AS lines FROM generate_series(1, 20) k WHERE s.centre
                UNION ALL SELECT 'out', k, 10 FROM generate_series(1, 20) k WHERE s.centre
                UNION ALL SELECT 'in', 1, 5 WHERE NOT s.centre AND s.company % 10 = 0) o
            """)
        let operations = Int(try await tx.query("SELECT count(*) FROM demo_operation").first?.decode(Int64.self) ?? 0)
        guard operations > 0 else { return }
        let picking = try await generator.reserve("stock_picking", operations)
        try await tx.query("""
            INSERT INTO stock_picking (id, name, origin, partner_id, picking_type_id, location_id, location_dest_id, state, move_type, priority,
                                       scheduled_date, company_id, create_uid, create_date, write_uid, write_date)
            SELECT \(picking) + o.i, o.code || CASE o.kind WHEN 'in' THEN '/IN/' ELSE '/OUT/' END || lpad((\(picking) + o.i)::text, 5, '0'),
                   CASE o.kind WHEN 'in' THEN 'PO' || lpad((o.n * 100 + o.k)::text, 6, '0') END,
                   CASE o.kind WHEN 'in' THEN \(supplier) END,
                   \(type) + 5 * o.n - 5 + CASE o.kind WHEN 'in' THEN 1 ELSE 2 END,
                   CASE o.kind WHEN 'in' THEN 2 ELSE \(location) + 4 * o.n - 2 END,
                   CASE o.kind WHEN 'in' THEN \(location) + 4 * o.n - 2 ELSE 3 END,
                   CASE o.kind WHEN 'in' THEN 'assigned' ELSE 'confirmed' END, 'direct', '0',
                   \(now)::timestamptz + (o.k % 7) * interval '1 day', o.company, 1, \(now)::timestamptz, 1, \(now)::timestamptz
            FROM demo_operation o
            """)
        try await tx.query("""
            CREATE TEMP TABLE demo_operation_line ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY o.i, l)::bigint AS j, o.*, l,
                   \(firstProduct) + (o.n * 389 + o.k * 53 + l * 17) % \(skus) AS product, ((o.k + l) % 12 + 1) * 6 AS qty
            FROM demo_operation o, generate_series(1, o.lines) l
            """)
        let lines = Int(try await tx.query("SELECT count(*) FROM (SELECT DISTINCT i, product FROM demo_operation_line) d").first?.decode(Int64.self) ?? 0)
        let move = try await generator.reserve("stock_move", lines)
        try await tx.query("""
            INSERT INTO stock_move (id, name, reference, origin, sequence, product_id, product_uom_qty, product_uom, product_qty, quantity, location_id,
                                    location_dest_id, picking_id, picking_type_id, partner_id, company_id, state, price_unit, date,
                                    create_uid, create_date, write_uid, write_date)
            SELECT \(move) + row_number() OVER (ORDER BY d.i, d.product), pt.name, p.name, p.origin, 10, d.product, d.qty, t.uom_id, d.qty,
                   CASE p.state WHEN 'assigned' THEN d.qty ELSE 0 END, p.location_id, p.location_dest_id, p.id, p.picking_type_id, p.partner_id,
                   p.company_id, p.state, t.standard_price, p.scheduled_date, 1, \(now)::timestamptz, 1, \(now)::timestamptz
            FROM (SELECT DISTINCT ON (i, product) i, product, qty FROM demo_operation_line ORDER BY i, product, l) d
            JOIN stock_picking p ON p.id = \(picking) + d.i
            JOIN product_product pp ON pp.id = d.product JOIN product_template t ON t.id = pp.product_tmpl_id
            JOIN LATERAL (SELECT coalesce('[' || pp.default_code || '] ', '') || t.name AS name) pt ON true
            """)
        // A ready receipt has its lines (nothing to reserve from a supplier).
        try await tx.query("""
            INSERT INTO stock_move_line (move_id, picking_id, product_id, product_uom_id, quantity, quantity_product_uom, location_id, location_dest_id,
                                         state, date, reference, company_id, create_uid, create_date, write_uid, write_date)
            SELECT m.id, m.picking_id, m.product_id, m.product_uom, m.product_uom_qty, m.product_uom_qty, m.location_id, m.location_dest_id,
                   'assigned', m.date, m.reference, m.company_id, 1, \(now)::timestamptz, 1, \(now)::timestamptz
            FROM stock_move m WHERE m.id > \(move) AND m.id <= \(move + Int64(lines)) AND m.state = 'assigned'
            """)
        generator.counts.append(("stock_picking", operations))
        generator.counts.append(("stock_move (open)", lines))
    }
}
