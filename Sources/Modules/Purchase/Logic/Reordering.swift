import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// The reordering run: every automatic rule's proposal computed in set-based SQL
/// (`stock_orderpoint_proposals`), then one request for quotation per vendor, receiving
/// operation and day with one line per rule, in a few statements per batch of companies.
///
/// Idempotent: a rule's forecast counts the requests for quotation already delivered to its
/// place, so a second run the same day finds nothing more to order; runs take one lock, so a
/// manual run and the scheduler never count the same need twice.
public enum Reordering {
    /// Rules per transaction in the scheduled run (whole companies; a store has a few hundred).
    public static let batchSize = 50_000
    /// Batches computed at once by the scheduled run.
    public static let workers = 2

    public struct Outcome: Sendable, Equatable {
        public var rules = 0
        public var lines = 0
        public var orders = 0
        public var exceptions = 0

        public init(rules: Int = 0, lines: Int = 0, orders: Int = 0, exceptions: Int = 0) {
            self.rules = rules
            self.lines = lines
            self.orders = orders
            self.exceptions = exceptions
        }

        mutating func add(_ other: Outcome) {
            rules += other.rules
            lines += other.lines
            orders += other.orders
            exceptions += other.exceptions
        }
    }

    /// `today` ("YYYY-MM-DD"), or the day in Asia/Shanghai when nil, as a date.
    static func businessDay(_ today: String?) -> SQLBuilder {
        today.map { "\($0)::date" } ?? "(now() AT TIME ZONE 'Asia/Shanghai')::date"
    }

    /// A rule (`o`) the scheduled run evaluates on `day`: automatic, active, not snoozed past it.
    /// (`stock_orderpoint_proposals` reads a batch of companies' rules with the same condition.)
    static func due(_ day: SQLBuilder) -> SQLBuilder {
        "o.active AND o.trigger = 'auto' AND (o.snoozed_until IS NULL OR o.snoozed_until <= \(day))"
    }

    /// The rules a run orders for: these, or every automatic rule of these companies due today
    /// (`rules` of them, as the run counted them when it cut its batches).
    public enum Selection: Sendable {
        case rules([Int64])
        case companies([Int64], rules: Int)
    }

    /// Orders what the rules `ids` need as of `today` ("YYYY-MM-DD"; the day in Asia/Shanghai
    /// when nil), in the transaction of `store`, as its user.
    @discardableResult
    public static func order(_ store: RecordStore, rules ids: [Int64], today: String? = nil) async throws -> Outcome {
        guard !ids.isEmpty else { return Outcome() }
        return try await order(store, .rules(ids), today: today)
    }

    /// Orders what the `selection` needs. A batch of companies is read from the company index
    /// by the proposals themselves: its rule ids are never collected.
    @discardableResult
    public static func order(_ store: RecordStore, _ selection: Selection, today: String? = nil) async throws -> Outcome {
        let tx = store.tx
        let uid = store.env.uid
        let day = businessDay(today)
        var outcome = Outcome()
        // The selected rules (as `o`), their companies (as `c`) and the call of the proposals.
        let selected: SQLBuilder, companies: SQLBuilder, proposals: SQLBuilder
        switch selection {
        case .rules(let ids):
            selected = "o.id = ANY(\(ids))"
            companies = "SELECT DISTINCT o.company_id AS c FROM stock_warehouse_orderpoint o WHERE \(selected)"
            proposals = "stock_orderpoint_proposals(\(ids), \(day), false)"
            outcome.rules = ids.count
        case .companies(let ids, let rules):
            selected = "o.company_id = ANY(\(ids)) AND \(due(day))"
            companies = "SELECT DISTINCT c FROM unnest(\(ids)::bigint[]) c"
            proposals = "stock_orderpoint_proposals('{}', \(day), false, \(ids))"
            outcome.rules = rules
        }
        // One run at a time per company (a manual run and the scheduler never count the same
        // need twice); batches of other companies run beside it.
        try await tx.query("SELECT count(pg_advisory_xact_lock(hashtext('purchase.reordering'), c::int)) FROM (\(companies) ORDER BY 1) x")
        try await tx.execute("SET LOCAL jit = off")
        try await tx.query("""
            CREATE TEMP TABLE reorder_proposal ON COMMIT DROP AS
            SELECT p.*, o.company_id, o.name AS rule, o.product_id AS product, \(day) AS today,
                   (SELECT pt.id FROM stock_picking_type pt WHERE pt.warehouse_id = o.warehouse_id AND pt.code = 'incoming' AND pt.active
                    ORDER BY pt.sequence, pt.id LIMIT 1) AS picking_type
            FROM \(proposals) p JOIN stock_warehouse_orderpoint o ON o.id = p.orderpoint_id
            """)
        // Exceptions: set from the proposals, cleared on the batch's rules that no longer have one.
        outcome.exceptions = Int(try await tx.query("""
            WITH found AS (
                SELECT p.orderpoint_id AS id, CASE
                    WHEN p.exception IS NOT NULL THEN p.exception
                    WHEN p.qty_to_order > 0 AND p.picking_type IS NULL THEN 'The warehouse has no receipt operation type to receive the goods.' END AS exception
                FROM reorder_proposal p),
            marked AS (
                UPDATE stock_warehouse_orderpoint o SET procure_exception = f.exception FROM found f
                WHERE o.id = f.id AND o.procure_exception IS DISTINCT FROM f.exception RETURNING o.procure_exception),
            cleared AS (
                UPDATE stock_warehouse_orderpoint o SET procure_exception = NULL
                WHERE \(selected) AND o.procure_exception IS NOT NULL AND o.id NOT IN (SELECT id FROM found))
            SELECT count(*) FILTER (WHERE procure_exception IS NOT NULL) FROM marked
            """)[0].decode(Int64.self))
        outcome.orders = Int(try await tx.query("""
            WITH made AS (
                INSERT INTO purchase_order (partner_id, company_id, picking_type_id, currency_id, reorder_date, origin, date_order, user_id,
                                            create_uid, create_date, write_uid, write_date)
                SELECT p.vendor_id, p.company_id, p.picking_type, c.currency_id, p.today, left(string_agg(p.rule, ', ' ORDER BY p.rule), 200),
                       now(), \(uid), \(uid), now(), \(uid), now()
                FROM reorder_proposal p JOIN res_company c ON c.id = p.company_id
                WHERE p.qty_to_order > 0 AND p.vendor_id IS NOT NULL AND p.picking_type IS NOT NULL
                GROUP BY p.vendor_id, p.company_id, p.picking_type, c.currency_id, p.today
                ON CONFLICT (partner_id, company_id, picking_type_id, reorder_date) WHERE reorder_date IS NOT NULL AND state = 'draft' DO NOTHING
                RETURNING id)
            SELECT count(*) FROM made
            """)[0].decode(Int64.self))
        let lines = try await tx.query("""
            WITH due AS MATERIALIZED (
                SELECT DISTINCT p.company_id, p.vendor_id, p.today + ceil(p.lead_days)::int AS day FROM reorder_proposal p
                WHERE p.qty_to_order > 0 AND p.vendor_id IS NOT NULL),
            -- With a delivery schedule for the store and supplier: the first delivery day still open.
            planned AS MATERIALIZED (
                SELECT d.*, coalesce(replenishment_next_delivery(d.company_id, d.vendor_id, d.day, now()), d.day) AS delivery FROM due d),
            made AS (
                INSERT INTO purchase_order_line (order_id, company_id, order_priority, name, product_id, product_qty, product_uom, price_unit, date_planned,
                                                 orderpoint_id, create_uid, create_date, write_uid, write_date)
                SELECT o.id, o.company_id, o.priority, CASE WHEN coalesce(pp.default_code, '') <> '' THEN '[' || pp.default_code || '] ' ELSE '' END || t.name,
                       p.product, p.qty_to_order, p.uom_id, coalesce(p.price_unit, 0),
                       (pl.delivery::timestamp + interval '12 hours') AT TIME ZONE 'Asia/Shanghai', p.orderpoint_id,
                       \(uid), now(), \(uid), now()
                FROM reorder_proposal p
                JOIN planned pl ON pl.company_id = p.company_id AND pl.vendor_id = p.vendor_id AND pl.day = p.today + ceil(p.lead_days)::int
                JOIN purchase_order o ON o.partner_id = p.vendor_id AND o.company_id = p.company_id AND o.picking_type_id = p.picking_type
                    AND o.reorder_date = p.today AND o.state = 'draft'
                JOIN product_product pp ON pp.id = p.product JOIN product_template t ON t.id = pp.product_tmpl_id
                WHERE p.qty_to_order > 0 AND p.vendor_id IS NOT NULL AND p.picking_type IS NOT NULL
                RETURNING id, product_id),
            taxed AS (
                INSERT INTO account_tax_purchase_order_line_rel (purchase_order_line_id, account_tax_id)
                SELECT made.id, r.tax_id FROM made JOIN product_product pp ON pp.id = made.product_id
                JOIN product_supplier_taxes_rel r ON r.prod_id = pp.product_tmpl_id)
            SELECT count(*) FROM made
            """)[0].decode(Int64.self)
        outcome.lines = Int(lines)
        try await tx.query("DROP TABLE reorder_proposal")
        return outcome
    }

    /// The scheduled run over every company (or `companies`): automatic, active rules not
    /// snoozed, a batch of whole companies per transaction, progress reported to the scheduler.
    public static func runAll(_ context: JobContext, companies only: [Int64]? = nil, today: String? = nil) async throws -> Outcome {
        let database = context.database
        // Counted from the due rules' own index (`stock_warehouse_orderpoint_due`), not their rows.
        let scope: SQLBuilder = only.map { "AND o.company_id = ANY(\($0))" } ?? ""
        let counts = try await database.transaction(logger: context.logger) { tx in
            try await tx.query("""
                SELECT o.company_id, count(*) FROM stock_warehouse_orderpoint o
                WHERE \(due(businessDay(today))) \(scope)
                GROUP BY o.company_id ORDER BY o.company_id
                """).map { try $0.decode((Int64, Int64).self) }
        }
        var batches: [(companies: [Int64], rules: Int)] = [([], 0)]
        for (company, count) in counts {
            if batches[batches.count - 1].rules > 0, batches[batches.count - 1].rules + Int(count) > batchSize {
                batches.append(([], 0))
            }
            batches[batches.count - 1].companies.append(company)
            batches[batches.count - 1].rules += Int(count)
        }
        let total = counts.reduce(0) { $0 + $1.1 }
        var done: Int64 = 0
        var outcome = Outcome()
        let registry = context.node.registry
        // Batch by batch, `workers` at once (each its own transaction and connection).
        @Sendable func run(_ batch: (companies: [Int64], rules: Int)) async throws -> Outcome {
            try await database.transaction(logger: context.logger) { tx in
                try await context.lease?.fence(tx)
                let env = Env.system(reason: "reordering run", logger: context.logger)
                let store = RecordStore(registry: registry, tx: tx, env: env)
                return try await order(store, .companies(batch.companies, rules: batch.rules), today: today)
            }
        }
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            var pending = batches.filter { !$0.companies.isEmpty }.makeIterator()
            for _ in 0..<workers { if let next = pending.next() { group.addTask { try await run(next) } } }
            while let batch = try await group.next() {
                outcome.add(batch)
                if batch.lines > 0 { try await refreshStatistics(database, written: outcome.lines, logger: context.logger) }
                if let next = pending.next() { group.addTask { try await run(next) } }
                done += Int64(batch.rules)
                try await context.lease?.progress(done: done, remaining: max(total - done, 0), logger: context.logger)
            }
        }
        context.logger.info("reordering run", metadata: [
            "rules": "\(outcome.rules)", "orders": "\(outcome.orders)", "lines": "\(outcome.lines)", "exceptions": "\(outcome.exceptions)",
        ])
        return outcome
    }

    /// After a batch: when PostgreSQL's statistics know of fewer than half the lines the run has
    /// written (the group's first run, or requests for quotation just cleared away), the written
    /// tables are analysed before the next batch, so about ten times in a run that starts from
    /// nothing. Planned for nearly empty tables, each line's check of its order (a plan every
    /// connection keeps until the table's statistics change) read all the orders, and the lines
    /// found their order among all their vendor's orders: both grew with every batch, to 6 s a
    /// batch until autovacuum's analysis a minute later (70 s of a 190 s run).
    static func refreshStatistics(_ database: Database, written: Int, logger: Logger) async throws {
        try await database.withoutTransaction(logger: logger) { tx in
            let known = try await tx.query("SELECT reltuples::float8 FROM pg_class WHERE oid = 'purchase_order_line'::regclass")[0].decode(Double.self)
            guard known < Double(written) / 2 else { return }
            try await tx.execute("ANALYZE purchase_order, purchase_order_line, account_tax_purchase_order_line_rel")
        }
    }

    static let job = Job("purchase.reordering", "Procurement: run scheduler", every: .seconds(86_400)) { context in
        _ = try await runAll(context)
    }

    /// The day of `date` in Asia/Shanghai, "YYYY-MM-DD" (the group's business day).
    static func localDay(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    /// The proposal figures of reordering rules as read (`stock.warehouse.orderpoint`'s
    /// computed fields): one call of the run's own function for the whole page.
    static let figures = RecordCompute(model: "stock.warehouse.orderpoint", fields: [
        "qty_on_hand", "qty_forecast", "qty_to_order", "lead_days", "lead_days_date", "daily_sales", "daily_sales_deviation", "order_up_to",
    ]) { store, ids, _ in
        let rows = try await store.tx.query("""
            SELECT p.orderpoint_id, p.qty_on_hand::float8, p.qty_forecast::float8, p.qty_to_order::float8, p.lead_days::float8,
                   to_char((now() AT TIME ZONE 'Asia/Shanghai')::date + ceil(p.lead_days)::int, 'YYYY-MM-DD'),
                   p.daily_sales::float8, p.daily_sales_deviation::float8, p.order_up_to::float8
            FROM stock_orderpoint_proposals(\(ids), (now() AT TIME ZONE 'Asia/Shanghai')::date) p
            """)
        var values: [Int64: RecordValues] = [:]
        for row in rows {
            let (id, onHand, forecast, toOrder, lead, date, sales, deviation, upTo) = try row.decode(
                (Int64, Double, Double, Double, Double?, String?, Double?, Double?, Double?).self)
            let number = { (value: Double?) in value.map(Value.double) ?? .false }
            values[id] = [
                "qty_on_hand": .double(onHand), "qty_forecast": .double(forecast), "qty_to_order": .double(toOrder), "lead_days": number(lead),
                "lead_days_date": date.map(Value.string) ?? .false, "daily_sales": number(sales), "daily_sales_deviation": number(deviation),
                "order_up_to": number(upTo),
            ]
        }
        return values
    }

    static func rules(_ store: RecordStore, _ domain: Domain) async throws -> [Int64] {
        try await store.search("stock.warehouse.orderpoint", domain: domain)
    }

    static let methods: [ModelMethod] = [
        // `procurement.group.run_scheduler()`: the automatic rules the caller may change, now.
        ModelMethod(model: "procurement.group", name: "run_scheduler", receiver: .model) { call in
            let model = try call.store.model("stock.warehouse.orderpoint")
            try await call.store.checkAccess(model, .write)
            let ids = try await rules(call.store, .and([
                .leaf("trigger", .equal, "auto"), .leaf("active", .equal, .true),
                .or([.leaf("snoozed_until", .equal, .false), .leaf("snoozed_until", .lessOrEqual, .string(Reordering.localDay(call.store.env.clock())))]),
            ]))
            try await order(call.store, rules: ids)
            return .dict([:])
        },
        // `stock.warehouse.orderpoint.action_replenish()` ("Order Once"): these rules, whatever
        // their trigger.
        ModelMethod(model: "stock.warehouse.orderpoint", name: "action_replenish", receiver: .records) { call in
            try await order(call.store, rules: try await call.recordsToWrite("stock.warehouse.orderpoint"))
            return .false
        },
        ModelMethod(model: "stock.warehouse.orderpoint", name: "action_replenish_auto", receiver: .records) { call in
            let rules = try await call.recordsToWrite("stock.warehouse.orderpoint")
            try await call.store.write("stock.warehouse.orderpoint", ids: rules, ["trigger": "auto"])
            try await order(call.store, rules: rules)
            return .false
        },
    ]
}
