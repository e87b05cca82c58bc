import ChainstoreCore
import Foundation
import Logging
import Metrics

/// The cluster-safe scheduler over `ir_cron`: each registered job is a row; a cron node claims a
/// due row with a short lease (`FOR UPDATE SKIP LOCKED` in a transaction of its own, committed at
/// once), runs the job outside any transaction while a heartbeat extends the lease, then plans
/// the next run — all guarded by the lease's token, so a node that lost its lease (paused, cut
/// off, or simply slow) can no longer record anything. Another node takes a job over once its
/// lease has run out. "Run now" (`trigger`) only makes the job due: a cron node claims it as any
/// other run, so no path runs a job twice.
public struct Scheduler: Sendable {
    public let database: Database
    /// Who claims: `host:pid:random`, shown as `ir.cron.running_on`.
    public let node: String
    /// How long a claim lasts without a heartbeat; heartbeats come every third of it.
    public var lease: Duration = Scheduler.defaultLease
    /// 15 s: a job whose node died mid-run (a payment sweep every 5 s, the audit sealer every
    /// second) is taken over by another node, or by the restarted one, within 15 s; a heartbeat
    /// every 5 s is one small UPDATE, and three missed in a row (a failover takes 1–3 s) are needed
    /// to lose it.
    public static let defaultLease: Duration = .seconds(15)

    public init(database: Database, node: String) {
        self.database = database
        self.node = node
    }

    /// A name for this process: host, pid and a few random digits.
    public static func nodeName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(String(UInt16.random(in: .min ... .max), radix: 36))"
    }

    /// A claimed run: the row, the job's name and the lease's token.
    public struct Claim: Sendable, Equatable {
        public let cron: Int64
        public let job: String
        public let token: Int64
    }

    /// Gives every registered job its `ir_cron` row (once: existing rows, with what administrators
    /// changed in them, are kept). Jobs no module registers any more are left alone (not run).
    public func register(_ jobs: [Job], logger: Logger) async throws {
        guard !jobs.isEmpty else { return }
        try await database.transaction(logger: logger) { tx in
            try await tx.query(SQLBuilder("SELECT pg_advisory_xact_lock(hashtext('ir_cron.register'))"))
            var sql = SQLBuilder("""
                INSERT INTO ir_cron (name, code, interval_number, interval_type, priority, user_id, nextcall)
                SELECT j.name, j.code, j.n, j.unit, 5, (SELECT id FROM res_users WHERE id = 1), now()
                FROM
                """)
            sql += " "
            sql.appendUnnest([
                (.textArray(jobs.map(\.label)), "text[]"), (.textArray(jobs.map(\.name)), "text[]"),
                (.intArray(jobs.map { Int64($0.interval.number) }), "bigint[]"), (.textArray(jobs.map(\.interval.unit)), "text[]"),
            ], as: "j(name, code, n, unit)")
            sql += " WHERE NOT EXISTS (SELECT 1 FROM ir_cron c WHERE c.code = j.code)"
            try await tx.query(sql)
        }
    }

    /// Claims one due job among `jobs` (or the job named `only`), most urgent first: fewest
    /// failures, then priority, then id. Nil when none is due or all due ones are leased.
    public func claim(among jobs: [String], only: String? = nil, logger: Logger) async throws -> Claim? {
        let seconds = Double(lease.components.seconds)
        return try await database.transaction(logger: logger) { tx in
            var sql: SQLBuilder = """
                UPDATE ir_cron c SET lease_owner = \(node), lease_until = now() + \(seconds) * interval '1 second',
                       lease_token = c.lease_token + 1
                WHERE c.id = (SELECT id FROM ir_cron WHERE active AND nextcall <= now() AND code = ANY(\(jobs))
                                 AND (lease_until IS NULL OR lease_until < now())
                """
            if let only { sql += " AND code = \(only)" as SQLBuilder }
            sql += " ORDER BY failure_count, priority, id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING c.id, c.code, c.lease_token"
            return try await tx.query(sql).first.map { row in
                let (cron, job, token) = try row.decode((Int64, String, Int64).self)
                return Claim(cron: cron, job: job, token: token)
            }
        }
    }

    /// Extends the lease; false when it was lost (another node holds the job now).
    public func heartbeat(_ claim: Claim, logger: Logger) async throws -> Bool {
        try await database.transaction(logger: logger) { tx in try await Self.extend(tx, claim, lease: lease) }
    }

    static func extend(_ tx: Transaction, _ claim: Claim, lease: Duration) async throws -> Bool {
        let sql: SQLBuilder = """
            UPDATE ir_cron SET lease_until = now() + \(Double(lease.components.seconds)) * interval '1 second'
            WHERE id = \(claim.cron) AND lease_token = \(claim.token) RETURNING 1
            """
        return try await !tx.query(sql).isEmpty
    }

    /// How a run ended.
    public enum Outcome: Sendable {
        case done
        case failed(String)
        /// The database was out of reach, or a commit's outcome unknown (a failover): not the
        /// job's fault. Kept with its error, due again at its next occurrence, not counted as a
        /// failure: a failover must not push a one-second job back by minutes.
        case unavailable(String)
        case leaseLost
        /// The node is stopping: the lease is given back and the job stays due, for another node.
        case interrupted
    }

    /// Records the run and plans the next: done → the next occurrence (one, however many were
    /// missed) and `numbercall` counted down (0 deactivates); failed → retried after twice the
    /// interval, doubling per failure, at most an hour, the error kept; deactivated after five
    /// failures spanning a week, as Odoo does; stopped by the database → the error kept, the next
    /// occurrence, no failure counted. Nothing is recorded on the job without the lease.
    public func finish(_ claim: Claim, started: Date, outcome: Outcome, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            var sql: SQLBuilder
            var status = "done"
            var error: String?
            switch outcome {
            case .done:
                sql = """
                    UPDATE ir_cron SET lease_owner = NULL, lease_until = NULL, lastcall = to_timestamp(\(started.timeIntervalSince1970)), failure_count = 0,
                        first_failure_date = NULL, last_error = NULL,
                        numbercall = CASE WHEN numbercall > 0 THEN numbercall - 1 ELSE numbercall END,
                        active = active AND numbercall <> 1,
                        nextcall = chainstore_cron_next(nextcall, interval_number, interval_type)
                    WHERE id = \(claim.cron) AND lease_token = \(claim.token) RETURNING progress_done, progress_remaining
                    """
            case .failed(let message):
                (status, error) = ("failed", String(message.prefix(4000)))
                sql = """
                    UPDATE ir_cron SET lease_owner = NULL, lease_until = NULL, lastcall = to_timestamp(\(started.timeIntervalSince1970)), failure_count = failure_count + 1,
                        first_failure_date = coalesce(first_failure_date, now()), last_error = \(error),
                        nextcall = now() + least(interval '1 hour', chainstore_cron_step(interval_number, interval_type) * power(2, least(failure_count + 1, 20))),
                        active = active AND NOT (failure_count + 1 >= 5 AND first_failure_date < now() - interval '7 days')
                    WHERE id = \(claim.cron) AND lease_token = \(claim.token) RETURNING progress_done, progress_remaining
                    """
            case .unavailable(let message):
                (status, error) = ("failed", String(message.prefix(4000)))
                sql = """
                    UPDATE ir_cron SET lease_owner = NULL, lease_until = NULL, lastcall = to_timestamp(\(started.timeIntervalSince1970)), last_error = \(error),
                        nextcall = chainstore_cron_next(nextcall, interval_number, interval_type)
                    WHERE id = \(claim.cron) AND lease_token = \(claim.token) RETURNING progress_done, progress_remaining
                    """
            case .leaseLost:
                status = "lease_lost"
                sql = "SELECT progress_done, progress_remaining FROM ir_cron WHERE id = \(claim.cron)"
            case .interrupted:
                (status, error) = ("partial", "interrupted: the node stopped")
                sql = """
                    UPDATE ir_cron SET lease_owner = NULL, lease_until = NULL
                    WHERE id = \(claim.cron) AND lease_token = \(claim.token) RETURNING progress_done, progress_remaining
                    """
            }
            guard let progress = try await tx.query(sql).first else {
                status = "lease_lost"
                return try await record(tx, claim, started: started, status: status, progress: (nil, nil), error: error, logger: logger)
            }
            let (done, remaining) = try progress.decode((Int64?, Int64?).self)
            if status == "done", let remaining, remaining > 0 { status = "partial" }
            try await record(tx, claim, started: started, status: status, progress: (done, remaining), error: error, logger: logger)
        }
    }

    /// Keeps the run in `ir_cron_run`, unless it did nothing worth keeping (done, under a
    /// second, no progress reported): the audit sealer runs every second.
    private func record(
        _ tx: Transaction, _ claim: Claim, started: Date, status: String, progress: (Int64?, Int64?), error: String?, logger: Logger
    ) async throws {
        if status == "lease_lost" { logger.warning("lease lost: the job was taken over", metadata: ["cron": "\(claim.cron)"]) }
        guard status != "done" || progress.0 != nil || Date().timeIntervalSince(started) >= 1 else { return }
        let sql: SQLBuilder = """
            INSERT INTO ir_cron_run (cron_id, node, lease_token, started_at, done, remaining, status, error)
            VALUES (\(claim.cron), \(node), \(claim.token), to_timestamp(\(started.timeIntervalSince1970)), \(progress.0), \(progress.1), \(status), \(error))
            """
        try await tx.query(sql)
    }

    /// Makes the job due now (`method_direct_trigger`, `chainstore cron run`): a cron node claims
    /// it within a second or two. Returns the job's row id, or nil when no such job exists.
    public func trigger(_ job: String, logger: Logger) async throws -> Int64? {
        try await database.transaction(logger: logger) { tx in
            try await tx.query("UPDATE ir_cron SET nextcall = now() WHERE code = \(job) RETURNING id").first?.decode(Int64.self)
        }
    }

    /// Runs a claimed job to its end: the heartbeat extends the lease every third of it and stops
    /// the job when the lease is lost; then the run is recorded (`finish`).
    /// Gives back the leases this node holds on jobs it is not running (`running`: the ones it
    /// is): a claim or a record whose commit outcome was unknown may have left one behind, which
    /// would keep the job from every node until the lease ran out. The jobs are due again.
    public func releaseOrphans(keeping running: [Int64], logger: Logger) async throws {
        let released = try await database.transaction(logger: logger) { tx in
            try await tx.query("""
                UPDATE ir_cron SET lease_owner = NULL, lease_until = NULL
                WHERE lease_owner = \(node) AND NOT (id = ANY(\(running))) RETURNING code
                """).map { try $0.decode(String.self) }
        }
        if !released.isEmpty { logger.warning("leases given back after an unknown commit outcome", metadata: ["jobs": "\(released)"]) }
    }

    /// Runs a claimed job and records the run; false when the record's outcome is not known
    /// (its lease may still be held: see `releaseOrphans`).
    @discardableResult
    public func run(_ claim: Claim, job: Job, node context: NodeContext, logger: Logger) async -> Bool {
        let started = Date()
        let lease = JobLease(scheduler: self, claim: claim)
        let outcome: Outcome = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    try await job.run(JobContext(database: database, node: context, logger: logger, lease: lease))
                    return .done
                } catch is LeaseLost {
                    return .leaseLost
                } catch where Task.isCancelled {
                    return nil
                } catch where CommitSafety.isTransient(error) {
                    return .unavailable("\(error)")
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.lease / 3)
                    if Task.isCancelled { return nil }
                    if (try? await self.heartbeat(claim, logger: logger)) == false { return .leaseLost }
                }
                return nil
            }
            var outcome: Outcome?
            for await result in group {
                if let result {
                    outcome = result
                    break
                }
                if Task.isCancelled { break }
            }
            group.cancelAll()
            return outcome ?? .interrupted
        }
        switch outcome {
        case .failed(let message): logger.warning("job failed", metadata: ["error": "\(message)"])
        case .unavailable(let message): logger.warning("job stopped by the database (due again at its next run)", metadata: ["error": "\(message)"])
        default: break
        }
        let kind = switch outcome {
        case .done: "done"
        case .failed: "failed"
        case .unavailable: "unavailable"
        case .leaseLost: "lease_lost"
        case .interrupted: "interrupted"
        }
        Counter(label: "chainstore_cron_runs_total", dimensions: [("job", job.name), ("outcome", kind)]).increment()
        // Recorded even when the node is stopping (a task of its own is not cancelled with this one).
        let recorded = Task { try await finish(claim, started: started, outcome: outcome, logger: logger) }
        if case .failure(let error) = await recorded.result {
            logger.warning("job run not recorded", metadata: ["error": "\(error)"])
            return false
        }
        return true
    }
}

/// The lease a scheduled run holds: jobs that commit in batches fence each batch with it and
/// report their progress through it.
public struct JobLease: Sendable {
    let scheduler: Scheduler
    public let claim: Scheduler.Claim
    /// The node holding the lease.
    public var node: String { scheduler.node }

    public init(scheduler: Scheduler, claim: Scheduler.Claim) {
        self.scheduler = scheduler
        self.claim = claim
    }

    /// Extends the lease inside `tx`, or throws `LeaseLost` (rolling the batch back) when another
    /// node holds the job now: a paused or cut-off node can never commit work after a takeover.
    public func fence(_ tx: Transaction) async throws {
        guard try await Scheduler.extend(tx, claim, lease: scheduler.lease) else { throw LeaseLost() }
    }

    /// Stores how far the run is (`ir.cron.progress_done` / `progress_remaining`).
    public func progress(done: Int64, remaining: Int64, logger: Logger) async throws {
        try await scheduler.database.transaction(logger: logger) { tx in
            let sql: SQLBuilder = """
                UPDATE ir_cron SET progress_done = \(done), progress_remaining = \(remaining)
                WHERE id = \(claim.cron) AND lease_token = \(claim.token) RETURNING 1
                """
            guard try await !tx.query(sql).isEmpty else { throw LeaseLost() }
        }
    }
}

/// The run's lease went to another node; the batch in progress is rolled back.
public struct LeaseLost: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "The job's lease was lost: another node runs it now." }
}
