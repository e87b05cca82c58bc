import ChainstoreCore
import ChainstoreDB
import Foundation
import Stock

/// Goods let out of a pledge against repayment (赎货, finance spec §2.7): requested, approved by
/// the lender when what stays still covers the exposure at the opening line, then moved out by
/// the supervisor's scan, the only way pledged goods leave their place.
enum Releases {
    /// `finance.pledge.request_release(lines=[{"line_id", "quantity"}], repayment_id=None)`:
    /// answers the `finance.release`.
    static func request(_ call: MethodCall) async throws -> Value {
        guard call.ids.count == 1 else { throw ChainstoreError.userError("Request a release from one pledge at a time.") }
        let release = try await make(call.store, pledge: call.ids[0], items: call.argument(0, "lines")?.arrayValue ?? [],
                                     repayment: call.argument(1, "repayment_id")?.intValue)
        return .int(release)
    }

    /// A release of `items` (`{"line_id", "quantity"}`) from a pledge in one of `states`.
    static func make(
        _ store: RecordStore, pledge id: Int64, items: [Value], repayment: Int64?, states: [String] = ["goods_in", "active", "called"]
    ) async throws -> Int64 {
        let pledge = try await Parties.pledge(store, id)
        guard states.contains(pledge.state) else {
            throw ChainstoreError.userError("\(pledge.name) is \(pledge.state); no goods are released from it.")
        }
        guard !items.isEmpty else {
            throw ChainstoreError.valueError("A release names its goods: lines=[{\"line_id\", \"quantity\"}].")
        }
        var lines: [Int64] = [], quantities: [Decimal] = []
        for item in items {
            guard let line = item["line_id"]?.intValue, let quantity = item["quantity"]?.decimalValue, quantity > 0 else {
                throw ChainstoreError.valueError("Each line is {\"line_id\", \"quantity\" > 0}.")
            }
            lines.append(line)
            quantities.append(quantity)
        }
        let tx = store.tx
        let check: SQLBuilder = """
            SELECT d.line, fl.id IS NULL, coalesce(fl.quantity, 0) FROM unnest(\(lines), \(quantities)) AS d(line, qty)
            LEFT JOIN finance_pledge_line fl ON fl.id = d.line AND fl.pledge_id = \(pledge.id) AND fl.state = 'open'
            WHERE fl.id IS NULL OR d.qty > fl.quantity LIMIT 1
            """
        if let row = try await tx.query(check).first {
            let (line, unknown, held) = try row.decode((Int64, Bool, Decimal).self)
            throw ChainstoreError.userError(unknown ? "Line \(line) is not goods pledged under \(pledge.name)." : "Line \(line) holds only \(held).")
        }
        let sql: SQLBuilder = """
            WITH wanted AS (
                SELECT d.line, d.qty, CASE WHEN fl.quantity > 0 THEN round(fl.value * d.qty / fl.quantity, 2) ELSE 0 END AS value
                FROM unnest(\(lines), \(quantities)) AS d(line, qty) JOIN finance_pledge_line fl ON fl.id = d.line),
            made AS (
                INSERT INTO finance_release (pledge_id, company_id, borrower_company_id, supervisor_company_id, repayment_id, release_value, state,
                                             create_uid, create_date, write_uid, write_date)
                SELECT p.id, p.company_id, p.borrower_company_id, p.supervisor_company_id, \(repayment), (SELECT coalesce(sum(value), 0) FROM wanted),
                       'requested', \(store.env.uid), now(), \(store.env.uid), now()
                FROM finance_pledge p WHERE p.id = \(pledge.id) RETURNING id, company_id)
            INSERT INTO finance_release_line (release_id, pledge_line_id, company_id, quantity, value, create_uid, create_date, write_uid, write_date)
            SELECT made.id, w.line, made.company_id, w.qty, w.value, \(store.env.uid), now(), \(store.env.uid), now()
            FROM made, wanted w RETURNING release_id
            """
        return try await tx.one(sql).decode(Int64.self)
    }

    /// `finance.release.action_approve()`: the lender lets the goods go when what stays covers the
    /// exposure: R ≤ CV − E ÷ max LTV (nothing owed: everything may go); never under enforcement.
    static func approve(_ call: MethodCall) async throws {
        try Parties.requireOfficer(call.store)
        let ids = try await call.recordsToWrite("finance.release")
        let tx = call.store.tx
        for release in ids {
            let pledge = try await tx.one("SELECT pledge_id FROM finance_release WHERE id = \(release)").decode(Int64.self)
            try await tx.query("SELECT id FROM finance_pledge WHERE id = \(pledge) FOR NO KEY UPDATE")
            try await Collateral.revalue(tx, pledges: [pledge], why: .release)
            // The release's value at today's prices.
            try await tx.query("""
                UPDATE finance_release_line rl SET value = CASE WHEN fl.quantity > 0 THEN round(fl.value * rl.quantity / fl.quantity, 2) ELSE 0 END
                FROM finance_pledge_line fl WHERE fl.id = rl.pledge_line_id AND rl.release_id = \(release)
                """)
            let sql: SQLBuilder = """
                SELECT r.name, r.state, p.name, p.state, p.collateral_value, p.exposure, cl.max_ltv,
                       (SELECT coalesce(sum(value), 0) FROM finance_release_line WHERE release_id = r.id)
                FROM finance_release r JOIN finance_pledge p ON p.id = r.pledge_id JOIN finance_credit_line cl ON cl.id = p.credit_line_id
                WHERE r.id = \(release)
                """
            let (name, state, pledgeName, pledgeState, collateral, exposure, maxLTV, value) =
                try (try await tx.one(sql)).decode((String, String, String, String, Decimal, Decimal, Decimal, Decimal).self)
            guard state == "requested" else { throw ChainstoreError.userError("\(name) is \(state); only a requested release is approved.") }
            guard pledgeState != "in_enforcement" else { throw ChainstoreError.userError("\(pledgeName) is under enforcement; releases are frozen.") }
            let allowed = exposure > 0 ? collateral - exposure / maxLTV : collateral
            guard exposure == 0 || value <= allowed else {
                throw ChainstoreError.userError(
                    "\(name) would release \(value) of \(pledgeName)'s \(collateral); with \(exposure) owed at most \(max(allowed, 0).rounded(2)) may go. Repay first.")
            }
            try await tx.query("""
                UPDATE finance_release SET state = 'approved', release_value = \(value), approved_by = \(call.store.env.uid), approved_at = now(),
                       write_uid = \(call.store.env.uid), write_date = now() WHERE id = \(release)
                """)
        }
    }

    /// `finance.release.action_scan()`: the supervisor's scan moves the approved goods out of the
    /// pledge location into the warehouse's stock, in the one transaction that may (the guard on
    /// the balances knows it by the release it names).
    static func scan(_ call: MethodCall) async throws -> Value {
        guard call.ids.count == 1 else { throw ChainstoreError.userError("Scan one release at a time.") }
        let release = call.ids[0]
        try await call.store.lockAndCheck(try call.store.model("finance.release"), ids: [release], operation: .read)
        let tx = call.store.tx
        let head: SQLBuilder = "SELECT name, state, pledge_id FROM finance_release WHERE id = \(release) FOR NO KEY UPDATE"
        let (name, state, pledgeId) = try (try await tx.one(head)).decode((String, String, Int64).self)
        let pledge = try await Parties.pledge(call.store, pledgeId)
        try Parties.requireSupervisor(call.store, pledge)
        guard pledge.state != "in_enforcement" else { throw ChainstoreError.userError("\(pledge.name) is under enforcement; releases are frozen.") }
        // A dynamic pledge's goods go out, old for new, on the supervisor's word alone while what
        // stays is worth at least its minimum controlled value (exposure ÷ the opening line, finance
        // spec §2.7), checked after the move in its own transaction; below it the lender approves.
        let swap = state == "requested" && pledge.kind == "dynamic"
        guard state == "approved" || swap else {
            throw ChainstoreError.userError("\(name) is \(state); the supervisor scans approved releases only.")
        }
        if swap {
            try await tx.query("""
                UPDATE finance_release SET state = 'approved', approved_by = \(call.store.env.uid), approved_at = now() WHERE id = \(release)
                """)
        }
        let picking = try await move(call.store, release: release, to: nil, scanner: call.store.env.uid)
        let events = try await Collateral.revalue(tx, pledges: [pledgeId], why: .release)
        if swap {
            let sql: SQLBuilder = "SELECT collateral_value, min_controlled_value FROM finance_pledge WHERE id = \(pledgeId)"
            let (collateral, floor) = try (try await tx.one(sql)).decode((Decimal, Decimal).self)
            guard collateral >= floor else {
                throw ChainstoreError.userError(
                    "\(name) would leave \(pledge.name) at \(collateral), under its minimum controlled value \(floor): the lender must approve it.")
            }
        }
        return ["picking_id": picking.map(Value.int) ?? .false, "events": .array(events)]
    }

    /// Moves a release's approved goods out of the pledge location (to the warehouse's stock, or
    /// `destination`), in the one transaction that may: the guard on the balances knows it by the
    /// release it names. What stays pledged is reduced first; answers the transfer.
    static func move(_ store: RecordStore, release: Int64, to destination: Int64?, scanner: Int64) async throws -> Int64? {
        let tx = store.tx
        let name = try await tx.one("SELECT name FROM finance_release WHERE id = \(release)").decode(String.self)
        let goodsSQL: SQLBuilder = """
            SELECT fl.id, fl.product_id, rl.quantity, q.location_id, fl.lot_id, q.package_id, w.lot_stock_id
            FROM finance_release_line rl JOIN finance_pledge_line fl ON fl.id = rl.pledge_line_id JOIN stock_quant q ON q.id = fl.quant_id
            JOIN finance_pledge p ON p.id = fl.pledge_id JOIN stock_warehouse w ON w.id = p.warehouse_id
            WHERE rl.release_id = \(release) ORDER BY fl.id FOR NO KEY UPDATE OF fl
            """
        var goods: [StockDocuments.Goods] = []
        for row in try await tx.query(goodsSQL) {
            let (_, product, quantity, from, lot, package, stock) = try row.decode((Int64, Int64, Decimal, Int64, Int64?, Int64?, Int64).self)
            goods.append(StockDocuments.Goods(product: product, quantity: quantity, from: from, to: destination ?? stock, lot: lot, package: package))
        }
        // What stays pledged first, then the goods move: the balance never falls below it.
        try await tx.query("""
            UPDATE finance_pledge_line fl SET quantity = fl.quantity - rl.quantity,
                   state = CASE WHEN fl.quantity - rl.quantity = 0 THEN 'released' ELSE 'open' END, write_date = now()
            FROM finance_release_line rl WHERE rl.pledge_line_id = fl.id AND rl.release_id = \(release)
            """)
        try await tx.query("SELECT set_config('chainstore.finance_release', \(String(release)), true)")
        let system = store.asSystem(reason: "pledged goods released by the supervisor's scan")
        let picking = try await StockDocuments.moveNow(system, goods, origin: name)
        try await tx.query("SELECT set_config('chainstore.finance_release', '', true)")
        try await tx.query("""
            UPDATE finance_release SET state = 'done', picking_id = \(picking), scanned_by = \(scanner), picked_at = now(),
                   write_uid = \(store.env.uid), write_date = now() WHERE id = \(release)
            """)
        return picking
    }
}
