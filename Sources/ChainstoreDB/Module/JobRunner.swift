import Logging
import ServiceLifecycle

/// Runs the modules' jobs for every migrated tenant database, each on its own schedule, until
/// the node shuts down. New tenants are picked up within a minute (the node's own database as
/// soon as it is migrated). A job that fails is logged
/// and tried again at its next turn; one tenant's trouble never holds up another's.
///
/// Every node with the `cron` role runs this; jobs are written to be safe on several nodes at
/// once (leases, `SKIP LOCKED`, advisory locks), so nothing here coordinates nodes.
public struct JobRunner: Service {
    let node: NodeContext
    let jobs: [Job]

    public init(node: NodeContext, jobs: [Job]) {
        self.node = node
        self.jobs = jobs
    }

    public func run() async throws {
        let (node, jobs) = (self.node, self.jobs)
        guard !jobs.isEmpty else { return }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                var running = Set<String>()
                while !Task.isCancelled {
                    do {
                        for tenant in try await node.databases.tenants() where running.insert(tenant.name).inserted {
                            node.logger.info("background jobs started", metadata: ["database": "\(tenant.name)", "jobs": "\(jobs.count)"])
                            for job in jobs { group.addTask { await Self.loop(job, tenant, node) } }
                        }
                    } catch {
                        node.logger.warning("tenant databases not listed", metadata: ["error": "\(error)"])
                    }
                    // Until the node's own database is migrated (at start), look again soon.
                    try? await Task.sleep(for: running.contains(node.main.name) ? .seconds(60) : .seconds(1))
                }
            }
        }
    }

    static func loop(_ job: Job, _ database: Database, _ node: NodeContext) async {
        var logger = node.logger
        logger[metadataKey: "job"] = "\(job.name)"
        logger[metadataKey: "database"] = "\(database.name)"
        while !Task.isCancelled {
            do {
                try await job.run(JobContext(database: database, node: node, logger: logger))
            } catch let error where !Task.isCancelled {
                logger.warning("job failed", metadata: ["error": "\(error)"])
            } catch {}
            try? await Task.sleep(for: job.every)
        }
    }
}
