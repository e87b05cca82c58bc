import ChainstoreCore
import ChainstoreDB
import Foundation
import Stock

/// Pledges and their goods: the register's steps, the goods moved into the pledge location under
/// the DC, the live valuation and what it sets off (finance spec §2, §6.2).
public enum Collateral {
    public enum Trigger: String, Sendable { case nightly, stockMove = "stock_move", price, repayment, release, drawdown, topUp = "top_up", manual }
    public enum Cure: String, Sendable { case goods, cash, repayment, price }

    /// Values `pledges` in the caller's transaction (`finance_revalue`) and announces what
    /// crossed a line on the borrower's, the lender's and the supervisor's finance channels.
    @discardableResult
    public static func revalue(_ tx: Transaction, pledges: [Int64], why: Trigger, cure: Cure? = nil) async throws -> [Value] {
        guard !pledges.isEmpty else { return [] }
        let rows = try await tx.query("SELECT * FROM finance_revalue(\(pledges.sorted()), \(why.rawValue), \(cure?.rawValue))")
        var events: [Value] = []
        var notices: [Bus.Notification] = []
        for row in rows {
            let (pledge, company, borrower, supervisor, event, ltv, required) = try row.decode((Int64, Int64, Int64?, Int64?, String, Decimal?, Decimal?).self)
            let payload: Value = [
                "pledge_id": .int(pledge), "event": .string(event), "ltv": ltv.map { .string("\($0)") } ?? .null,
                "required_value": required.map { .string("\($0)") } ?? .null,
            ]
            events.append(payload)
            for target in Set([company] + [borrower, supervisor].compactMap { $0 }) {
                notices.append(Finance.notice(tx.database, company: target, "finance.pledge/\(event)", payload))
            }
        }
        try await Bus.send(tx, notices)
        return events
    }

    /// `finance.pledge.action_register(registration_no, registry_search_ref)`: the lender's
    /// filing at the movable-collateral registry, and the search it made there first.
    static func register(_ call: MethodCall) async throws {
        try Parties.requireOfficer(call.store)
        let ids = try await call.recordsToWrite("finance.pledge")
        guard case .string(let number)? = call.argument(0, "registration_no"), !number.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ChainstoreError.userError("A pledge is registered with the registry's registration number.")
        }
        guard case .string(let search)? = call.argument(1, "registry_search_ref"), !search.isEmpty else {
            throw ChainstoreError.userError("Attach the registry search made before this pledge (registry_search_ref).")
        }
        try await Transition.move(call.store.tx, "finance_pledge", ids, from: ["draft"], to: "registered", set: """
            , registration_no = \(number), registry_search_ref = \(search)
            """)
        let missing = try await call.store.tx.query("""
            SELECT name FROM finance_pledge WHERE id = ANY(\(ids)) AND kind = 'warehouse_receipt' AND receipt_no IS NULL ORDER BY id LIMIT 1
            """)
        if let name = try missing.first?.decode(String.self) {
            throw ChainstoreError.userError("\(name): a warehouse receipt pledge needs the receipt's number.")
        }
    }

    /// `finance.pledge.action_pledge_goods(package_ids=[], quants=[{"quant_id", "quantity"}])`:
    /// the supervisor moves goods of the pledgor from the DC's stock into the pledge's location
    /// (made on first use, under the warehouse, outside its stock: nothing reserves from it); a
    /// pledge already active is valued again (a top-up cures a margin call).
    static func pledgeGoods(_ call: MethodCall) async throws -> Value {
        guard call.ids.count == 1 else { throw ChainstoreError.userError("Pledge goods to one pledge at a time.") }
        let id = call.ids[0]
        let pledge = try await Parties.pledge(call.store, id)
        try Parties.requireSupervisor(call.store, pledge)
        guard ["registered", "goods_in", "active", "called"].contains(pledge.state) else {
            throw ChainstoreError.userError("\(pledge.name): goods are pledged once the pledge is registered and until it is released (it is \(pledge.state)).")
        }
        guard pledge.kind != "floating_charge" else {
            throw ChainstoreError.userError("\(pledge.name): a floating charge covers the store's stock where it is; no goods move.")
        }
        let packages = call.argument(0, "package_ids")?.arrayValue?.compactMap(\.intValue) ?? []
        let quants = call.argument(1, "quants")?.arrayValue ?? []
        guard !packages.isEmpty || !quants.isEmpty else { throw ChainstoreError.valueError("Name the packages or balances to pledge.") }
        let system = call.store.asSystem(reason: "goods moved into a pledge location by its supervisor")
        let location = try await location(system, pledge)
        try await Parties.requireOwnGoods(system.tx, pledge, packages: packages, quants: quants.compactMap { $0["quant_id"]?.intValue })
        if !packages.isEmpty { try await StockDocuments.movePackages(system, packages, to: location) }
        if !quants.isEmpty {
            var goods: [StockDocuments.Goods] = []
            for item in quants {
                guard let quant = item["quant_id"]?.intValue, let quantity = item["quantity"]?.decimalValue, quantity > 0 else {
                    throw ChainstoreError.valueError("Each balance is {\"quant_id\", \"quantity\" > 0}.")
                }
                let sql: SQLBuilder = "SELECT product_id, location_id, lot_id, package_id, quantity - reserved_quantity FROM stock_quant WHERE id = \(quant) FOR UPDATE"
                guard let row = try await system.tx.query(sql).first else { throw ChainstoreError.missing("Balance \(quant) does not exist.") }
                let (product, from, lot, package, free) = try row.decode((Int64, Int64, Int64?, Int64?, Decimal).self)
                guard quantity <= free else { throw ChainstoreError.userError("Balance \(quant) has only \(free) free to pledge.") }
                goods.append(StockDocuments.Goods(product: product, quantity: quantity, from: from, to: location, lot: lot, package: package))
            }
            try await StockDocuments.moveNow(system, goods, origin: pledge.name)
        }
        try await system.tx.query("""
            INSERT INTO finance_pledge_line (pledge_id, company_id, product_id, lot_id, package_id, quant_id, quantity, state,
                                             create_uid, create_date, write_uid, write_date)
            SELECT p.id, p.company_id, q.product_id, q.lot_id, q.package_id, q.id, q.quantity, 'open', \(call.store.env.uid), now(), \(call.store.env.uid), now()
            FROM finance_pledge p JOIN stock_quant q ON q.location_id = p.location_id AND q.quantity > 0
            WHERE p.id = \(id)
            ON CONFLICT (quant_id) WHERE state = 'open' DO UPDATE SET quantity = EXCLUDED.quantity, write_uid = EXCLUDED.write_uid, write_date = now()
            """)
        if pledge.state == "registered" {
            try await system.tx.query("UPDATE finance_pledge SET state = 'goods_in', write_uid = \(call.store.env.uid), write_date = now() WHERE id = \(id)")
        }
        let events = try await revalue(system.tx, pledges: [id], why: pledge.state == "registered" ? .manual : .topUp, cure: .goods)
        return ["location_id": .int(location), "events": .array(events)]
    }

    /// The pledge's own location, made under its warehouse's view location when it has none.
    static func location(_ store: RecordStore, _ pledge: Parties.Pledge) async throws -> Int64 {
        if let location = pledge.location { return location }
        let sql: SQLBuilder = """
            WITH made AS (
                INSERT INTO stock_location (name, location_id, usage, company_id, finance_pledge_id, create_uid, create_date, write_uid, write_date)
                SELECT 'Pledged ' || p.name, w.view_location_id, 'internal', w.company_id, p.id, \(store.env.uid), now(), \(store.env.uid), now()
                FROM finance_pledge p JOIN stock_warehouse w ON w.id = p.warehouse_id WHERE p.id = \(pledge.id) RETURNING id)
            UPDATE finance_pledge p SET location_id = made.id FROM made WHERE p.id = \(pledge.id) RETURNING made.id
            """
        guard let row = try await store.tx.query(sql).first else {
            throw ChainstoreError.userError("\(pledge.name): name the DC warehouse that holds the goods for the lender.")
        }
        return try row.decode(Int64.self)
    }

    /// `finance.pledge.action_activate()`: the lender takes the pledge on, valued now; a floating
    /// charge is placed on its store's stock location here.
    static func activate(_ call: MethodCall) async throws -> Value {
        let ids = try await call.recordsToWrite("finance.pledge")
        try Parties.requireOfficer(call.store)
        let tx = call.store.tx
        let floating: SQLBuilder = """
            UPDATE finance_pledge p SET location_id = w.lot_stock_id FROM stock_warehouse w
            WHERE p.id = ANY(\(ids)) AND p.kind = 'floating_charge' AND p.state = 'registered' AND w.id = p.warehouse_id AND p.location_id IS NULL
            """
        try await tx.query(floating)
        let unplaced: SQLBuilder = "SELECT name FROM finance_pledge WHERE id = ANY(\(ids)) AND kind = 'floating_charge' AND location_id IS NULL LIMIT 1"
        if let name = try await tx.query(unplaced).first?.decode(String.self) {
            throw ChainstoreError.userError("\(name): a floating charge names the store's warehouse whose stock it covers.")
        }
        try await Transition.move(tx, "finance_pledge", ids, from: ["goods_in", "registered"], to: "active", set: "", when: """
            (kind = 'floating_charge' OR state = 'goods_in') AND registration_no IS NOT NULL
            """, why: "a pledge is taken on once registered and, unless a floating charge, once its goods are in")
        return .array(try await revalue(tx, pledges: ids, why: .manual))
    }

    /// `finance.pledge.action_add_margin(amount)`: cash paid into the margin account (保证金).
    static func addMargin(_ call: MethodCall) async throws -> Value {
        let ids = try await call.recordsToWrite("finance.pledge")
        try Parties.requireOfficer(call.store)
        guard let amount = call.argument(0, "amount")?.decimalValue, amount > 0 else {
            throw ChainstoreError.valueError("The margin paid is an amount above zero.")
        }
        try await Transition.move(call.store.tx, "finance_pledge", ids, from: ["active", "called", "goods_in"], to: nil,
                                  set: ", margin_cash = margin_cash + \(amount)")
        return .array(try await revalue(call.store.tx, pledges: ids, why: .topUp, cure: .cash))
    }

    /// `finance.pledge.line.action_mark_damaged(damaged=True)`: the supervisor found pledged goods
    /// damaged (or no longer so); they count for nothing until they are sound, valued at once.
    static func markDamaged(_ call: MethodCall) async throws -> Value {
        let damaged = call.argument(0, "damaged")?.boolValue ?? true
        // The pledges first, then their lines, as a valuation takes them.
        let sql: SQLBuilder = "SELECT DISTINCT pledge_id FROM finance_pledge_line WHERE id = ANY(\(call.ids)) ORDER BY 1"
        let pledges = try await call.store.tx.query(sql).map { try $0.decode(Int64.self) }
        for id in pledges { try Parties.requireSupervisor(call.store, try await Parties.pledge(call.store, id)) }
        try await call.store.lockAndCheck(try call.store.model("finance.pledge.line"), ids: call.ids, operation: .read)
        try await call.store.tx.query("""
            UPDATE finance_pledge_line SET damaged = \(damaged), write_uid = \(call.store.env.uid), write_date = now()
            WHERE id = ANY(\(call.ids)) AND state = 'open'
            """)
        return .array(try await revalue(call.store.tx, pledges: pledges, why: .stockMove, cure: .goods))
    }

    /// `finance.pledge.action_release()`: the loans are repaid and the goods are out (released
    /// line by line under the supervisor's scan); the register entry is closed.
    static func release(_ call: MethodCall) async throws {
        let ids = try await call.recordsToWrite("finance.pledge")
        try Parties.requireOfficer(call.store)
        let open: SQLBuilder = """
            SELECT p.name, EXISTS (SELECT 1 FROM finance_loan l WHERE l.pledge_id = p.id AND l.state IN ('draft', 'approved', 'disbursed', 'overdue', 'in_enforcement')),
                   EXISTS (SELECT 1 FROM finance_pledge_line fl WHERE fl.pledge_id = p.id AND fl.state = 'open' AND p.kind <> 'floating_charge')
            FROM finance_pledge p WHERE p.id = ANY(\(ids)) ORDER BY p.id
            """
        for row in try await call.store.tx.query(open) {
            let (name, owed, goods) = try row.decode((String, Bool, Bool).self)
            if owed { throw ChainstoreError.userError("\(name) still secures a loan that is not repaid.") }
            if goods { throw ChainstoreError.userError("\(name) still holds goods: release them to the pledgor first.") }
        }
        try await Transition.move(call.store.tx, "finance_pledge", ids, from: ["goods_in", "active", "called"], to: "released")
        try await call.store.tx.query("UPDATE finance_margin_call SET state = 'cancelled', write_date = now() WHERE pledge_id = ANY(\(ids)) AND state = 'open'")
    }

    /// A price rule or a product's price changed: the pledges whose goods it prices are valued
    /// again in the same transaction.
    static let priceHooks: [RecordHook] = [
        .afterCreate("product.pricelist.item") { store, ids, _ in try await repriced(store.tx, items: ids) },
        .afterWrite("product.pricelist.item", fields: [
            "fixed_price", "percent_price", "compute_price", "price_discount", "price_surcharge", "base", "applied_on", "product_id", "product_tmpl_id",
            "categ_id", "date_start", "date_end", "min_quantity", "pricelist_id",
        ]) { store, ids, _ in try await repriced(store.tx, items: ids) },
        .afterWrite("product.template", fields: ["list_price", "standard_price", "categ_id"]) { store, ids, _ in
            let sql: SQLBuilder = """
                SELECT DISTINCT fl.pledge_id FROM finance_pledge_line fl JOIN product_product pp ON pp.id = fl.product_id
                JOIN finance_pledge p ON p.id = fl.pledge_id AND p.state IN ('active', 'called', 'in_enforcement')
                WHERE fl.state = 'open' AND pp.product_tmpl_id = ANY(\(ids)) ORDER BY 1
                """
            try await revalue(store.tx, pledges: try await store.tx.query(sql).map { try $0.decode(Int64.self) }, why: .price, cure: .price)
        },
        .afterWrite("product.category", fields: ["finance_eligible", "finance_haircut"]) { store, ids, _ in
            let sql: SQLBuilder = """
                SELECT DISTINCT fl.pledge_id FROM finance_pledge_line fl JOIN product_product pp ON pp.id = fl.product_id
                JOIN product_template t ON t.id = pp.product_tmpl_id JOIN product_category tc ON tc.id = t.categ_id
                JOIN finance_pledge p ON p.id = fl.pledge_id AND p.state IN ('active', 'called', 'in_enforcement')
                WHERE fl.state = 'open' AND tc.id = ANY(\(ids)) ORDER BY 1
                """
            try await revalue(store.tx, pledges: try await store.tx.query(sql).map { try $0.decode(Int64.self) }, why: .price, cure: .price)
        },
    ]

    static func repriced(_ tx: Transaction, items: [Int64]) async throws {
        let sql: SQLBuilder = """
            SELECT DISTINCT fl.pledge_id FROM product_pricelist_item i
            JOIN finance_credit_line cl ON cl.market_pricelist_id = i.pricelist_id
            JOIN finance_pledge p ON p.credit_line_id = cl.id AND p.state IN ('active', 'called', 'in_enforcement')
            JOIN finance_pledge_line fl ON fl.pledge_id = p.id AND fl.state = 'open'
            JOIN product_product pp ON pp.id = fl.product_id JOIN product_template t ON t.id = pp.product_tmpl_id
            JOIN product_category tc ON tc.id = t.categ_id LEFT JOIN product_category c ON c.id = i.categ_id
            WHERE i.id = ANY(\(items)) AND (i.applied_on = '3_global' OR i.product_id = fl.product_id OR i.product_tmpl_id = pp.product_tmpl_id
                                           OR (i.applied_on = '2_product_category' AND tc.parent_path LIKE c.parent_path || '%'))
            ORDER BY 1
            """
        try await revalue(tx, pledges: try await tx.query(sql).map { try $0.decode(Int64.self) }, why: .price, cure: .price)
    }
}
