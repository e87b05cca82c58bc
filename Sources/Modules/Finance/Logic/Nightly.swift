import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// The nightly run (finance spec §2.5, §3): each loan's interest to yesterday (China), posted at
/// month end; each open pledge valued once a day after the day's prices; margin calls past their
/// deadline expire into enforcement. In batches, each its own transaction, so no lock on a pledge
/// or a loan is held for long (the cron spec); repeatable at any time (a day accrued or a pledge
/// valued today is not done again).
public enum Nightly {
    static let job = Job("finance.nightly", "Finance: daily interest, collateral valuation, margin calls", every: .seconds(900)) { context in
        _ = try await run(context.database, logger: context.logger, lease: context.lease)
    }

    public struct Outcome: Sendable {
        public var accrualRows: Int64 = 0, loans = 0, pledges = 0, events = 0, expiredCalls = 0
        public init() {}
    }

    /// Accrues to `upto` (yesterday in China when nil) and values the pledges not valued since the
    /// start of today (all open ones with `revalueAll`).
    public static func run(
        _ database: Database, upto: String? = nil, revalueAll: Bool = false, loanBatch: Int = 5_000, pledgeBatch: Int = 500, logger: Logger,
        lease: JobLease? = nil
    ) async throws -> Outcome {
        var outcome = Outcome()
        let day = try await database.transaction(logger: logger) { tx in
            try await tx.one("SELECT coalesce(\(upto)::date, \(Finance.today) - 1)::text").decode(String.self)
        }
        var after: Int64 = 0
        while true {
            let start = after
            let done = try await database.transaction(logger: logger) { tx -> (Int64, Int64, Int)? in
                try await lease?.fence(tx)
                let batch: SQLBuilder = """
                    SELECT id FROM finance_loan WHERE state IN ('disbursed', 'overdue', 'in_enforcement') AND id > \(start)
                      AND (accrued_through IS NULL OR accrued_through < \(day)::date) AND drawdown_date <= \(day)::date
                    ORDER BY id LIMIT \(loanBatch)
                    """
                let ids = try await tx.query(batch).map { try $0.decode(Int64.self) }
                guard let last = ids.last else { return nil }
                let rows = try await tx.one("SELECT finance_accrue(\(day)::date, NULL, \(ids))").decode(Int64.self)
                // Month end: the month's interest goes to the books.
                try await tx.query("""
                    SELECT finance_post_interest(\(ids), \(day)::date) WHERE \(day)::date = (date_trunc('month', \(day)::date) + interval '1 month - 1 day')::date
                    """)
                return (last, rows, ids.count)
            }
            guard let (last, rows, count) = done else { break }
            (after, outcome.accrualRows, outcome.loans) = (last, outcome.accrualRows + rows, outcome.loans + count)
            try await lease?.progress(done: Int64(outcome.loans), remaining: 0, logger: logger)
        }
        after = 0
        while true {
            let start = after
            let done = try await database.transaction(logger: logger) { tx -> (Int64, Int, Int)? in
                try await lease?.fence(tx)
                let batch: SQLBuilder = """
                    SELECT id FROM finance_pledge WHERE state IN ('goods_in', 'active', 'called', 'in_enforcement') AND id > \(start)
                      AND (\(revalueAll) OR last_valued_at IS NULL OR last_valued_at < (\(Finance.today)::timestamp AT TIME ZONE 'Asia/Shanghai'))
                    ORDER BY id LIMIT \(pledgeBatch)
                    """
                let ids = try await tx.query(batch).map { try $0.decode(Int64.self) }
                guard let last = ids.last else { return nil }
                return (last, try await Collateral.revalue(tx, pledges: ids, why: .nightly).count, ids.count)
            }
            guard let (last, events, count) = done else { break }
            (after, outcome.events, outcome.pledges) = (last, outcome.events + events, outcome.pledges + count)
        }
        outcome.expiredCalls = try await database.transaction(logger: logger) { tx in
            try await lease?.fence(tx)
            let expired = try await tx.query("""
                WITH expired AS (
                    UPDATE finance_margin_call SET state = 'expired', write_date = now() WHERE state = 'open' AND deadline < now() RETURNING pledge_id)
                UPDATE finance_pledge p SET state = 'in_enforcement', write_date = now() FROM expired e
                WHERE p.id = e.pledge_id AND p.state IN ('active', 'called')
                RETURNING p.id, p.company_id, p.borrower_company_id
                """)
            try await tx.query("""
                UPDATE finance_loan l SET state = 'in_enforcement', write_date = now() FROM finance_pledge p
                WHERE l.pledge_id = p.id AND p.state = 'in_enforcement' AND l.state IN ('disbursed', 'overdue')
                """)
            var notices: [Bus.Notification] = []
            for row in expired {
                let (pledge, company, borrower) = try row.decode((Int64, Int64, Int64?).self)
                for target in Set([company] + [borrower].compactMap { $0 }) {
                    notices.append(Finance.notice(tx.database, company: target, "finance.pledge/enforcement", ["pledge_id": .int(pledge), "event": "enforcement"]))
                }
            }
            try await Bus.send(tx, notices)
            return expired.count
        }
        logger.info("finance nightly run", metadata: [
            "day": "\(day)", "loans": "\(outcome.loans)", "accruals": "\(outcome.accrualRows)", "pledges": "\(outcome.pledges)",
            "events": "\(outcome.events)", "expired_calls": "\(outcome.expiredCalls)",
        ])
        return outcome
    }
}
