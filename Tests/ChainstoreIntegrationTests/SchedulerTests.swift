import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

/// `ir.cron` claimed with leases: several cron nodes never run one job twice, a dead node's job
/// is taken over after its lease, a failing job is retried with its error kept.
@Suite("Scheduler: leases, takeover, retries", .enabled(if: TestDatabase.isAvailable))
struct SchedulerTests {
    static let log = TestDatabase.logger

    /// A job that records which cron row ran on which node (the lease names both).
    static let probe = Job("test.probe", every: .seconds(3600)) { job in
        guard let claim = job.lease?.claim else { return }
        try await job.database.transaction(logger: job.logger) { tx in
            try await job.lease?.fence(tx)
            try await tx.query("INSERT INTO cron_probe (cron_id, token) VALUES (\(claim.cron), \(claim.token))")
        }
    }

    static func prepare(_ db: Database, jobs: Int, code: String = "test.probe") async throws {
        try await db.transaction(logger: log) { tx in
            try await tx.query("CREATE TABLE cron_probe (cron_id bigint NOT NULL, token bigint NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())")
            try await tx.query("""
                INSERT INTO ir_cron (name, code, interval_type, numbercall, nextcall)
                SELECT 'probe ' || i, \(code), 'hours', 1, now() FROM generate_series(1, \(jobs)) i
                """)
        }
    }

    static func count(_ db: Database, _ sql: SQLBuilder) async throws -> Int64 {
        try await db.withoutTransaction(logger: log) { tx in try await tx.query(sql)[0].decode(Int64.self) }
    }

    static func runner(_ db: Database, _ registry: Registry, name: String, jobs: [Job], lease: Duration = .seconds(90)) -> JobRunner {
        let node = NodeContext(registry: registry, databases: TenantJobsTests.Tenants(main: db, all: [db]), identity: BaseIdentity(), logger: log)
        var runner = JobRunner(node: node, jobs: jobs, name: name)
        runner.poll = .milliseconds(50)
        runner.lease = lease
        return runner
    }

    /// Runs `runners` until `done` holds (or 180 s pass: a thousand jobs took over 60 s beside
    /// the rest of the parallel suite), then stops them.
    static func run(_ runners: [JobRunner], until done: @escaping @Sendable () async throws -> Bool) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for runner in runners { group.addTask { try await runner.run() } }
            let deadline = ContinuousClock.now + .seconds(180)
            while try await !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            group.cancelAll()
        }
    }

    @Test func twoCronNodesRunAThousandJobsEachExactlyOnce() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            try await Self.prepare(db, jobs: 1000)
            let nodes = [Self.runner(db, registry, name: "node-a", jobs: [Self.probe]), Self.runner(db, registry, name: "node-b", jobs: [Self.probe])]
            try await Self.run(nodes) { try await Self.count(db, "SELECT count(*) FROM ir_cron WHERE code = 'test.probe' AND active") == 0 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await Self.count(db, "SELECT count(*) FROM cron_probe") == 1000)
            #expect(try await Self.count(db, "SELECT count(DISTINCT cron_id) FROM cron_probe") == 1000)
            // Both nodes took a share; every row was claimed once (token 1) and counted down.
            #expect(try await Self.count(db, "SELECT count(*) FROM cron_probe WHERE token <> 1") == 0)
            #expect(try await Self.count(db, "SELECT count(*) FROM ir_cron WHERE code = 'test.probe' AND (numbercall <> 0 OR lastcall IS NULL)") == 0)
        }
    }

    @Test func aDeadNodesJobIsTakenOverAfterItsLeaseAndItCanNoLongerCommit() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            try await Self.prepare(db, jobs: 1)
            // A node claims the job and dies at once (no heartbeat, no finish): kill -9.
            var dying = Scheduler(database: db, node: "dead-node")
            dying.lease = .seconds(2)
            let dead = dying
            let claimedAt = ContinuousClock.now
            let orphan = try #require(try await dead.claim(among: ["test.probe"], logger: Self.log))
            let survivor = Self.runner(db, registry, name: "live-node", jobs: [Self.probe], lease: .seconds(2))
            try await Self.run([survivor]) { try await Self.count(db, "SELECT count(*) FROM cron_probe") > 0 }
            #expect(ContinuousClock.now - claimedAt >= .seconds(2))
            #expect(try await Self.count(db, "SELECT count(*) FROM cron_probe WHERE token = 2") == 1)
            // The dead node, back from the grave, is fenced off.
            await #expect(throws: LeaseLost.self) {
                try await db.transaction(logger: Self.log) { tx in try await JobLease(scheduler: dead, claim: orphan).fence(tx) }
            }
            try await dead.finish(orphan, started: Date(), outcome: .done, logger: Self.log)
            #expect(try await Self.count(db, "SELECT count(*) FROM ir_cron_run WHERE node = 'dead-node' AND status = 'lease_lost'") == 1)
            #expect(try await Self.count(db, "SELECT count(*) FROM ir_cron WHERE lease_owner = 'dead-node'") == 0)
        }
    }

    @Test func aFailingJobIsRetriedWithBackoffAndItsErrorKept() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            _ = try await db.transaction(logger: Self.log) { tx in try await tx.query("CREATE TABLE cron_attempts (at timestamptz NOT NULL DEFAULT clock_timestamp())") }
            struct Boom: Error, CustomStringConvertible { var description: String { "boom: the first attempt fails" } }
            let flaky = Job("test.flaky", every: .seconds(1)) { job in
                let attempts = try await job.database.transaction(logger: job.logger) { tx in
                    try await tx.query("INSERT INTO cron_attempts DEFAULT VALUES")
                    return try await tx.query("SELECT count(*) FROM cron_attempts")[0].decode(Int64.self)
                }
                if attempts == 1 { throw Boom() }
            }
            let node = Self.runner(db, registry, name: "node-a", jobs: [flaky])
            // Until the second run has ended and its end is written (the runner then stops).
            try await Self.run([node]) {
                let attempts = try await Self.count(db, "SELECT count(*) FROM cron_attempts")
                let cleared = try await Self.count(db, "SELECT count(*) FROM ir_cron WHERE code = 'test.flaky' AND failure_count = 0 AND last_error IS NULL")
                return attempts >= 2 && cleared == 1
            }
            let failed = try await db.withoutTransaction(logger: Self.log) { tx in
                // A run cut short when the runner stops at the end is kept as `partial`: not counted.
                try await tx.query("SELECT status, error FROM ir_cron_run r JOIN ir_cron c ON c.id = r.cron_id WHERE c.code = 'test.flaky' AND r.status NOT IN ('done', 'partial')")
                    .map { try $0.decode((String, String?).self) }
            }
            #expect(failed.count == 1 && failed.first?.0 == "failed" && failed.first?.1?.contains("boom") == true, "\(failed)")
            // Retried after twice the interval, and the second run cleared the failure.
            let gap = try await db.withoutTransaction(logger: Self.log) { tx in
                try await tx.query("SELECT extract(epoch FROM max(at) - min(at))::float8 FROM cron_attempts")[0].decode(Double.self)
            }
            #expect(gap >= 1.9)
            #expect(try await Self.count(db, "SELECT count(*) FROM ir_cron WHERE code = 'test.flaky' AND failure_count = 0 AND last_error IS NULL") == 1)
        }
    }

    /// A failover stops jobs through no fault of theirs: such a run is kept with its error but
    /// neither counted as a failure nor backed off (a one-second job is not pushed back by minutes).
    @Test func aJobStoppedByTheDatabaseIsDueAgainAtItsNextRunWithoutBackoff() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            _ = try await db.transaction(logger: Self.log) { tx in
                try await tx.query("""
                    INSERT INTO ir_cron (name, code, interval_type, interval_number, numbercall, nextcall, failure_count, first_failure_date)
                    VALUES ('failover probe', 'test.failover', 'seconds', 5, -1, now(), 3, now())
                    """)
            }
            let node = NodeContext(registry: registry, databases: TenantJobsTests.Tenants(main: db, all: [db]), identity: BaseIdentity(), logger: Self.log)
            let scheduler = Scheduler(database: db, node: "node-a")
            for error in [
                ChainstoreError(.unavailable, "The database could not be reached (a failover may be in progress)"),
                ChainstoreError(.commitUnknown, "The connection to the database was lost while saving"),
            ] {
                _ = try await db.transaction(logger: Self.log) { tx in try await tx.query("UPDATE ir_cron SET nextcall = now() WHERE code = 'test.failover'") }
                let claim = try #require(try await scheduler.claim(among: ["test.failover"], logger: Self.log))
                let job = Job("test.failover", every: .seconds(5)) { _ in throw error }
                #expect(await scheduler.run(claim, job: job, node: node, logger: Self.log))
                let (failures, lastError, wait, owner) = try await db.withoutTransaction(logger: Self.log) { tx in
                    try await tx.query("""
                        SELECT failure_count, last_error, extract(epoch FROM nextcall - lastcall)::float8, lease_owner
                        FROM ir_cron WHERE code = 'test.failover'
                        """)[0].decode((Int32, String?, Double, String?).self)
                }
                #expect(failures == 3, "a failover is not the job's failure")
                #expect(lastError?.contains(error.message) == true, "\(String(describing: lastError))")
                // From the run's start (not from now: on a busy machine the next occurrence may
                // already be due when it is read); a backoff after three failures would be 80 s.
                #expect(wait > 0 && wait <= 20, "due again at its next occurrence, not backed off: \(wait) s")
                #expect(owner == nil)
            }
            #expect(try await Self.count(db, "SELECT count(*) FROM ir_cron_run r JOIN ir_cron c ON c.id = r.cron_id WHERE c.code = 'test.failover' AND r.status = 'failed'") == 2)
            // An error of the job's own still backs off and counts.
            _ = try await db.transaction(logger: Self.log) { tx in try await tx.query("UPDATE ir_cron SET nextcall = now() WHERE code = 'test.failover'") }
            let claim = try #require(try await scheduler.claim(among: ["test.failover"], logger: Self.log))
            struct Boom: Error {}
            #expect(await scheduler.run(claim, job: Job("test.failover", every: .seconds(5)) { _ in throw Boom() }, node: node, logger: Self.log))
            #expect(try await Self.count(db, "SELECT count(*) FROM ir_cron WHERE code = 'test.failover' AND failure_count = 4 AND nextcall > now() + interval '60 seconds'") == 1)
        }
    }

    @Test func nextRunsKeepTheirPhaseAndRunOnceAfterDowntime() async throws {
        try await TestDatabase.withFreshDatabase { db, _ in
            let next = try await db.withoutTransaction(logger: Self.log) { tx in
                try await tx.query("""
                    SELECT chainstore_cron_next(date_trunc('day', now()) - interval '10 days' + interval '30 minutes', 1, 'days')
                               = date_trunc('day', now()) + interval '30 minutes' + CASE WHEN date_trunc('day', now()) + interval '30 minutes' <= now() THEN interval '1 day' ELSE interval '0' END,
                           chainstore_cron_next(now() + interval '1 hour', 1, 'months') > now() + interval '27 days',
                           chainstore_cron_next(now() - interval '1 day', 5, 'seconds') BETWEEN now() AND now() + interval '5 seconds'
                    """)[0].decode((Bool, Bool, Bool).self)
            }
            #expect(next.0 && next.1 && next.2)
        }
    }
}
