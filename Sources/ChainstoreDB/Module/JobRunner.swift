import ChainstoreCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The cron role: for every migrated tenant database, registers the modules' jobs in `ir_cron`
/// and keeps `workers` loops claiming due jobs through the `Scheduler` and running them, until
/// the node shuts down. New tenants are picked up within a minute (the node's own database as
/// soon as it is migrated). Any number of cron nodes share the work: a job runs on one node at
/// a time, and is taken over by another when its node dies (after the lease).
public struct JobRunner: Service {
    let node: NodeContext
    let jobs: [Job]
    /// This node's name in `ir_cron.lease_owner`.
    public let name: String
    /// Jobs run at once per tenant.
    public var workers = 4
    /// How often an idle worker looks for a due job (plus up to a quarter of it at random).
    public var poll: Duration = .seconds(1)
    /// The scheduler's lease (see `Scheduler.lease`).
    public var lease: Duration = Scheduler.defaultLease

    public init(node: NodeContext, jobs: [Job], name: String = Scheduler.nodeName()) {
        self.node = node
        self.jobs = jobs
        self.name = name
    }

    public func run() async throws {
        guard !jobs.isEmpty else { return }
        let runner = self
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                var running = Set<String>()
                while !Task.isCancelled {
                    do {
                        for tenant in try await runner.node.databases.tenants() where running.insert(tenant.name).inserted {
                            runner.node.logger.info("scheduler started", metadata: ["database": "\(tenant.name)", "jobs": "\(runner.jobs.count)"])
                            group.addTask { await runner.serve(tenant) }
                        }
                    } catch {
                        runner.node.logger.warning("tenant databases not listed", metadata: ["error": "\(error)"])
                    }
                    // Until the node's own database is migrated (at start), look again soon.
                    try? await Task.sleep(for: running.contains(runner.node.main.name) ? .seconds(60) : .seconds(1))
                }
            }
        }
    }

    /// One tenant: register its jobs, then claim and run them in `workers` loops.
    func serve(_ database: Database) async {
        var logger = node.logger
        logger[metadataKey: "database"] = "\(database.name)"
        var scheduler = Scheduler(database: database, node: name)
        scheduler.lease = lease
        while !Task.isCancelled {
            do {
                try await scheduler.register(jobs, logger: logger)
                break
            } catch {
                logger.warning("jobs not registered", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
            }
        }
        let byName = Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Array(byName.keys)
        let (claimer, log, poll, node) = (scheduler, logger, poll, node)
        // The jobs this node's workers are running: any other lease it holds is an orphan.
        let running = RunningJobs()
        // Giving leases back is idempotent: tried again while its own outcome is unknown.
        @Sendable func releaseOrphans() async {
            for attempt in 1...5 {
                do {
                    return try await claimer.releaseOrphans(keeping: Array(running.ids.withLock { $0 }), logger: log)
                } catch {
                    if attempt == 5 { log.warning("leases not given back (they run out by themselves)", metadata: ["error": "\(error)"]) }
                    try? await Task.sleep(for: .seconds(attempt))
                }
            }
        }
        await withDiscardingTaskGroup { group in
            for _ in 0..<workers {
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            if let claim = try await claimer.claim(among: names, logger: log), let job = byName[claim.job] {
                                var jobLogger = log
                                jobLogger[metadataKey: "job"] = "\(job.name)"
                                running.ids.withLock { _ = $0.insert(claim.cron) }
                                let recorded = await claimer.run(claim, job: job, node: node, logger: jobLogger)
                                running.ids.withLock { _ = $0.remove(claim.cron) }
                                if !recorded { await releaseOrphans() }
                                continue
                            }
                        } catch where !Task.isCancelled {
                            log.warning("jobs not claimed", metadata: ["error": "\(error)"])
                            // A claim whose commit outcome is unknown may hold a lease nobody runs.
                            if (error as? ChainstoreError)?.code == .commitUnknown { await releaseOrphans() }
                        } catch {}
                        let jitter = Double.random(in: 0...0.25)
                        try? await Task.sleep(for: poll + poll * jitter)
                    }
                }
            }
        }
    }
}

/// The jobs a node's workers are running (by `ir_cron` id).
private final class RunningJobs: Sendable {
    let ids = Mutex<Set<Int64>>([])
}
