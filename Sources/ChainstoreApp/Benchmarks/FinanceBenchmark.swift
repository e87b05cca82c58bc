import ChainstoreCore
import ChainstoreDB
import Finance
import Foundation
import Logging

/// `chainstore bench finance`: the nightly run of supply-chain finance for a generated book of
/// borrowers, each with a credit line, a static pledge of `lines` balances in the central DC and
/// a loan — the daily accrual and the revaluation of every pledge, each beside hand-written SQL
/// doing the same arithmetic in one statement (and rolled back) — then what a pledge adds to a
/// stock move: the guard on every balance written, and one pledge's valuation. Prints figures;
/// never pass/fail.
public enum FinanceBenchmark {
    public struct Options: Sendable {
        public var borrowers = 200_000
        public var lines = 5
        public var products = 2_000
        public var samples = 200
        public init() {}
    }

    public static func run(_ database: Database, options: Options, logger: Logger, print: @Sendable (String) -> Void) async throws {
        let made = try await CoreBenchmark.timed { try await generate(database, options, logger: logger) }
        print("Chainstore finance nightly run — \(options.borrowers) borrowers, \(options.borrowers * options.lines) pledge lines, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores (generated in \(String(format: "%.0f", made)) s)")
        print("")
        let day = try await database.transaction(logger: logger) { tx in
            try await tx.query("SELECT ((now() AT TIME ZONE 'Asia/Shanghai')::date - 1)::text")[0].decode(String.self)
        }
        // The valuations of the day are done: the first run accrues only.
        try await exec(database, "UPDATE finance_pledge SET last_valued_at = now()", logger: logger)
        var accrued = Nightly.Outcome()
        let accrual = try await CoreBenchmark.timed { accrued = try await Nightly.run(database, upto: day, logger: logger) }
        var again = Nightly.Outcome()
        let rerun = try await CoreBenchmark.timed { again = try await Nightly.run(database, upto: day, logger: logger) }
        let rawAccrual = try await rolledBack(database, logger: logger, [
            """
            CREATE TEMP TABLE raw_accrual ON COMMIT DROP AS
            SELECT l.id, round(l.principal_outstanding * round(c.rate, 8) / CASE c.day_count WHEN 'act_365' THEN 365 ELSE 360 END, 8) AS amount
            FROM finance_loan l JOIN finance_credit_line c ON c.id = l.credit_line_id WHERE l.state IN ('disbursed', 'overdue', 'in_enforcement')
            """,
            "UPDATE finance_loan l SET interest_accrued = l.interest_accrued + r.amount FROM raw_accrual r WHERE l.id = r.id",
        ])
        print("nightly accrual          loans      rows     s      rows/s | again: rows   s | raw SQL s   rows/s | run/raw")
        print(String(format: "                      %8d %9d %6.1f %10.0f |      %6d %5.1f | %9.1f %8.0f | %.1fx",
                     accrued.loans, accrued.accrualRows, accrual, Double(accrued.accrualRows) / accrual, again.accrualRows, rerun,
                     rawAccrual, Double(accrued.loans) / rawAccrual, accrual / rawAccrual))
        var valued = Nightly.Outcome()
        let valuation = try await CoreBenchmark.timed { valued = try await Nightly.run(database, upto: day, revalueAll: true, logger: logger) }
        let rawValuation = try await rolledBack(database, logger: logger, [
            """
            CREATE TEMP TABLE raw_lines ON COMMIT DROP AS
            SELECT fl.id, fl.pledge_id, round(fl.quantity * least(c.value / nullif(c.quantity, 0), coalesce(i.fixed_price, t.list_price)) * (1 - cat.finance_haircut), 2) AS value
            FROM finance_pledge_line fl JOIN stock_quant q ON q.id = fl.quant_id JOIN product_product p ON p.id = fl.product_id
            JOIN product_template t ON t.id = p.product_tmpl_id JOIN product_category cat ON cat.id = t.categ_id
            JOIN finance_pledge pl ON pl.id = fl.pledge_id JOIN finance_credit_line cl ON cl.id = pl.credit_line_id
            LEFT JOIN product_pricelist_item i ON i.pricelist_id = cl.market_pricelist_id AND i.product_id = fl.product_id
            LEFT JOIN stock_product_cost c ON c.company_id = q.company_id AND c.product_id = fl.product_id
            WHERE fl.state = 'open'
            """,
            "UPDATE finance_pledge_line fl SET value = r.value FROM raw_lines r WHERE fl.id = r.id",
            """
            UPDATE finance_pledge p SET collateral_value = s.value, ltv = round(p.exposure / nullif(s.value, 0), 6)
            FROM (SELECT pledge_id, sum(value) AS value FROM raw_lines GROUP BY pledge_id) s WHERE p.id = s.pledge_id
            """,
        ])
        let lines = options.borrowers * options.lines
        print("")
        print("nightly valuation     pledges     lines     s   lines/s  events | raw SQL s  lines/s | run/raw")
        print(String(format: "                      %8d %9d %6.1f %9.0f %7d | %9.1f %8.0f | %.1fx",
                     valued.pledges, lines, valuation, Double(lines) / valuation, valued.events, rawValuation, Double(lines) / rawValuation,
                     valuation / rawValuation))
        try await moves(database, options, logger: logger, print: print)
        print("")
        print("accrual: finance_accrue for each batch of \(5_000) loans, one transaction each (interest, penalty and compound rows, the loans'")
        print("totals and states, the credit lines' exposure). again: the same day, nothing new. valuation: finance_revalue for each batch of")
        print("500 pledges (lines at the lower of cost and market less the haircut, pledge totals, one valuation row with its lines, margin")
        print("calls). raw SQL: one statement per step doing only the arithmetic, rolled back.")
    }

    /// What a pledge adds to a stock move: the guard's cost on an ordinary balance written (with the
    /// trigger and without), and one pledge's valuation in its own transaction.
    static func moves(_ database: Database, _ options: Options, logger: Logger, print: @Sendable (String) -> Void) async throws {
        let quant = try await database.transaction(logger: logger) { tx in
            try await tx.query("""
                INSERT INTO stock_quant (product_id, location_id, company_id, quantity)
                SELECT (SELECT min(id) FROM product_product), 9, 1, 1000000
                ON CONFLICT (product_id, location_id, lot_id, package_id, owner_id) DO UPDATE SET quantity = 1000000 RETURNING id
                """)[0].decode(Int64.self)
        }
        let pledge = try await database.transaction(logger: logger) { tx in
            try await tx.query("SELECT min(id) FROM finance_pledge")[0].decode(Int64.self)
        }
        func sample(_ sql: SQLBuilder) async throws -> [Double] {
            var times: [Double] = []
            for _ in 0..<options.samples {
                times.append(try await CoreBenchmark.timed { _ = try await database.transaction(logger: logger) { tx in try await tx.query(sql) } })
            }
            return times
        }
        let write: SQLBuilder = "UPDATE stock_quant SET quantity = quantity - 1 WHERE id = \(quant)"
        // Each measured after a warm-up, alternately, so neither side pays for the pool's first connections.
        var guarded: [Double] = [], bare: [Double] = []
        for _ in 0..<2 {
            _ = try await sample(write)
            guarded += try await sample(write)
            try await exec(database, "ALTER TABLE stock_quant DISABLE TRIGGER finance_quant_guard", logger: logger)
            _ = try await sample(write)
            bare += try await sample(write)
            try await exec(database, "ALTER TABLE stock_quant ENABLE TRIGGER finance_quant_guard", logger: logger)
        }
        _ = try await sample("SELECT count(*) FROM finance_revalue(\([pledge]), 'stock_move')")
        let revalued = try await sample("SELECT count(*) FROM finance_revalue(\([pledge]), 'stock_move')")
        func ms(_ values: [Double]) -> String {
            String(format: "%.2f / %.2f", CoreBenchmark.median(values) * 1000, RuntimeBenchmark.percentile(values, 0.99) * 1000)
        }
        print("")
        print("a stock move, one transaction (median / p99 ms: \(options.samples * 2) balance writes each way, \(options.samples) valuations)")
        print("  balance written, guard on:  \(ms(guarded))")
        print("  balance written, guard off: \(ms(bare))")
        print("  one pledge valued (\(options.lines) lines, valuation row, margin check): \(ms(revalued))")
    }

    static func exec(_ database: Database, _ sql: String, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in try await tx.execute(sql) }
    }

    /// Runs `statements` in one transaction that is rolled back; answers the seconds.
    static func rolledBack(_ database: Database, logger: Logger, _ statements: [String]) async throws -> Double {
        struct Undo: Error { let seconds: Double }
        do {
            try await database.transaction(logger: logger) { tx in
                throw Undo(seconds: try await CoreBenchmark.timed { for statement in statements { try await tx.execute(statement) } })
            }
        } catch let undo as Undo {
            return undo.seconds
        }
        return 0
    }

    /// The book: products with a cost and a market price, then per borrower a partner, an active
    /// credit line, a pledge location under the DC with `lines` balances, the pledge and its lines,
    /// and a loan drawn yesterday — written set-based with the triggers off (the generator fills
    /// what they would).
    static func generate(_ database: Database, _ options: Options, logger: Logger) async throws {
        let n = options.borrowers, lines = options.lines, products = options.products
        let steps: [String] = [
            "SET LOCAL session_replication_role = replica",
            "INSERT INTO product_category (name, finance_haircut) VALUES ('bench finance', 0.2)",
            """
            INSERT INTO product_template (name, categ_id, uom_id, uom_po_id, type, detailed_type, list_price, standard_price)
            SELECT 'bench finance ' || g, (SELECT id FROM product_category WHERE name = 'bench finance'), (SELECT min(id) FROM uom_uom),
                   (SELECT min(id) FROM uom_uom), 'product', 'product', 20, 10 FROM generate_series(1, \(products)) g
            """,
            "INSERT INTO product_product (product_tmpl_id, name) SELECT id, name FROM product_template WHERE name LIKE 'bench finance %' ORDER BY id",
            """
            CREATE TEMP TABLE bench_products ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY p.id) AS n, p.id FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE t.name LIKE 'bench finance %'
            """,
            "INSERT INTO stock_product_cost (company_id, product_id, quantity, value) SELECT 1, id, 1000, 10000 FROM bench_products ON CONFLICT DO NOTHING",
            "INSERT INTO product_pricelist (name, company_id) VALUES ('bench wholesale', 1)",
            """
            INSERT INTO product_pricelist_item (pricelist_id, company_id, applied_on, product_id, compute_price, fixed_price)
            SELECT (SELECT max(id) FROM product_pricelist), 1, '0_product_variant', id, 'fixed', 12 FROM bench_products
            """,
            "INSERT INTO res_partner (name, complete_name, is_company) SELECT 'bench borrower ' || g, 'bench borrower ' || g, true FROM generate_series(1, \(n)) g",
            "INSERT INTO res_partner (name, complete_name, is_company) VALUES ('bench lender', 'bench lender', true)",
            """
            INSERT INTO finance_credit_line (name, borrower_id, lender_id, company_id, limit_amount, rate, max_ltv, warning_ltv, call_ltv, liquidation_ltv,
                                             market_pricelist_id, state, create_date, write_date, exposure)
            SELECT 'bench line ' || b.id, b.id, (SELECT max(id) FROM res_partner WHERE name = 'bench lender'), 1, 100000, 0.0435, 0.6, 0.7, 0.75, 0.85,
                   (SELECT max(id) FROM product_pricelist), 'active', now(), now(), 500
            FROM res_partner b WHERE b.name LIKE 'bench borrower %'
            """,
            """
            INSERT INTO finance_pledge (credit_line_id, kind, pledgor_id, supervisor_id, supervisor_company_id, company_id, warehouse_id, state, create_date,
                                        write_date)
            SELECT c.id, 'static', c.borrower_id, NULL, 1, 1, 1, 'draft', now(), now() FROM finance_credit_line c WHERE c.name LIKE 'bench line %'
            """,
            """
            INSERT INTO stock_location (name, location_id, parent_path, complete_name, usage, company_id, finance_pledge_id, create_date, write_date)
            SELECT 'Pledged ' || p.name, v.id, v.parent_path, v.complete_name || '/Pledged ' || p.name, 'internal', 1, p.id, now(), now()
            FROM finance_pledge p, stock_location v WHERE v.id = (SELECT view_location_id FROM stock_warehouse WHERE id = 1) AND p.state = 'draft'
            """,
            "UPDATE stock_location SET parent_path = parent_path || id || '/' WHERE finance_pledge_id IS NOT NULL",
            "UPDATE finance_pledge p SET location_id = l.id, state = 'active' FROM stock_location l WHERE l.finance_pledge_id = p.id",
            """
            INSERT INTO stock_quant (product_id, location_id, company_id, quantity, in_date)
            SELECT bp.id, l.id, 1, 100, now() FROM stock_location l, generate_series(1, \(lines)) k
            JOIN LATERAL (SELECT id FROM bench_products WHERE n = 1 + ((l.id * 7 + k * 131) % \(products))) bp ON true
            WHERE l.finance_pledge_id IS NOT NULL
            """,
            """
            INSERT INTO finance_pledge_line (pledge_id, company_id, product_id, quant_id, quantity, state, create_date, write_date)
            SELECT l.finance_pledge_id, 1, q.product_id, q.id, q.quantity, 'open', now(), now()
            FROM stock_quant q JOIN stock_location l ON l.id = q.location_id WHERE l.finance_pledge_id IS NOT NULL
            """,
            """
            INSERT INTO finance_loan (credit_line_id, borrower_id, borrower_company_id, lender_id, company_id, drawdown_date, maturity_date,
                                      principal_amount, principal_outstanding, pledge_id, state, create_date, write_date)
            SELECT c.id, c.borrower_id, NULL, c.lender_id, 1, (now() AT TIME ZONE 'Asia/Shanghai')::date - 1,
                   (now() AT TIME ZONE 'Asia/Shanghai')::date + 180, 500, 500, p.id, 'disbursed', now(), now()
            FROM finance_credit_line c JOIN finance_pledge p ON p.credit_line_id = c.id
            """,
        ]
        try await database.transaction(logger: logger) { tx in
            for step in steps { try await tx.execute(step) }
        }
        for table in ["finance_loan", "finance_pledge", "finance_pledge_line", "finance_credit_line", "stock_quant", "stock_location"] {
            try await exec(database, "ANALYZE \(table)", logger: logger)
        }
    }
}
