import Base
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import Synchronization

/// `chainstore bench cron` and `chainstore bench bus`: the scheduler's claims across two cron
/// nodes, and the bus's fan-out from commit to subscriber, on this machine. Prints figures;
/// never pass/fail.
public enum RuntimeBenchmark {
    /// The one database both "nodes" serve.
    struct OneDatabase: DatabaseProvider {
        let main: Database
        func database(named name: String, host: String?) async throws -> Database { main }
        func names(host: String?) async throws -> [String] { [main.name] }
        func tenants() async throws -> [Database] { [main] }
    }

    /// A job that records each run, fenced by its lease, so duplicates would show.
    static let probe = Job("bench.probe", every: .seconds(3600)) { job in
        guard let lease = job.lease else { return }
        try await job.database.transaction(logger: job.logger) { tx in
            try await lease.fence(tx)
            try await tx.query("INSERT INTO bench_cron_runs (cron_id, node) VALUES (\(lease.claim.cron), \(lease.node))")
        }
    }

    /// `jobs` one-shot jobs claimed and run by two cron nodes (four workers each), `repeats` times.
    public static func cron(_ database: Database, jobs: Int, repeats: Int, logger: Logger, print: @Sendable (String) -> Void) async throws {
        let registry = try Modules.registry()
        print("Chainstore scheduler: \(jobs) one-shot jobs, 2 cron nodes × 4 workers, claims through ir_cron (median of \(repeats) runs)")
        var rates: [Double] = [], duplicates: [Int64] = [], shares: [Double] = []
        for _ in 0..<repeats {
            try await database.transaction(logger: logger) { tx in
                try await tx.query("DROP TABLE IF EXISTS bench_cron_runs")
                try await tx.query("CREATE TABLE bench_cron_runs (cron_id bigint NOT NULL, node text NOT NULL)")
                try await tx.query("DELETE FROM ir_cron WHERE code = 'bench.probe'")
                try await tx.query("""
                    INSERT INTO ir_cron (name, code, interval_type, numbercall, nextcall)
                    SELECT 'bench ' || i, 'bench.probe', 'hours', 1, now() FROM generate_series(1, \(jobs)) i
                    """)
            }
            let node = NodeContext(registry: registry, databases: OneDatabase(main: database), identity: BaseIdentity(), roles: [.cron], logger: logger)
            let runners = ["node-a", "node-b"].map { name in
                var runner = JobRunner(node: node, jobs: [probe], name: name)
                runner.poll = .milliseconds(20)
                return runner
            }
            let clock = ContinuousClock(), started = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for runner in runners { group.addTask { try await runner.run() } }
                while try await database.withoutTransaction(logger: logger, { tx in
                    try await tx.query("SELECT count(*) FROM ir_cron WHERE code = 'bench.probe' AND active")[0].decode(Int64.self)
                }) > 0 {
                    try await Task.sleep(for: .milliseconds(20))
                }
                group.cancelAll()
            }
            let seconds = Double((clock.now - started).components.attoseconds) / 1e18 + Double((clock.now - started).components.seconds)
            let (runs, distinct, first) = try await database.withoutTransaction(logger: logger) { tx in
                try await tx.query("SELECT count(*), count(DISTINCT cron_id), count(*) FILTER (WHERE node = 'node-a') FROM bench_cron_runs")[0]
                    .decode((Int64, Int64, Int64).self)
            }
            rates.append(Double(jobs) / seconds)
            duplicates.append(runs - distinct)
            shares.append(Double(first) / Double(max(runs, 1)))
        }
        print(String(format: "  jobs claimed and run: %8.0f jobs/s   duplicates: %lld   node-a's share: %.0f%%",
                     CoreBenchmark.median(rates), duplicates.max() ?? 0, 100 * CoreBenchmark.median(shares)))
    }

    /// Notifications committed one per transaction, each to `subscribers` subscriptions of one
    /// channel: commit-to-delivery latency per subscriber, and notifications per second end to end.
    public static func bus(_ database: Database, subscribers counts: [Int], messages: Int, logger: Logger, print: @Sendable (String) -> Void) async throws {
        print("Chainstore bus: one channel, notifications committed one per transaction, read once per wake-up and fanned out in memory")
        for subscribers in counts {
            let dispatcher = BusDispatcher(buffer: 4096, logger: logger)
            let channel = Bus.channel(database.name, "bench")
            let subscriptions = (0..<subscribers).map { _ in dispatcher.subscribe(database, channels: [channel]) }
            try await Task.sleep(for: .milliseconds(500))
            let latencies = Samples()
            let clock = ContinuousClock()
            let origin = clock.now
            @Sendable func now() -> Double {
                let d = clock.now - origin
                return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            }
            let received = try await withThrowingTaskGroup(of: Int.self) { group in
                for subscription in subscriptions {
                    group.addTask {
                        var count = 0
                        for await batch in subscription.rows {
                            let at = now()
                            var mine: [Double] = []
                            for row in batch {
                                if let sent = row.message.split(separator: "\"sent\":").last.flatMap({ Double($0.prefix { "0123456789.".contains($0) }) }) {
                                    mine.append(at - sent)
                                }
                            }
                            count += batch.count
                            latencies.values.withLock { $0 += mine }
                            if count >= messages { break }
                        }
                        return count
                    }
                }
                let sendStart = now()
                for _ in 0..<messages {
                    try await database.transaction(logger: logger) { tx in
                        try await Bus.send(tx, [Bus.Notification(channel: channel, type: "bench/tick", payload: .dict(["sent": .double(now())]))])
                    }
                }
                let sendEnd = now()
                var total = 0
                for try await count in group { total += count }
                let deliveredEnd = now()
                print(String(format: "  %6d subscribers: commit→delivery p50 %6.1f ms  p99 %6.1f ms   %5.0f notifications/s committed, %8.0f deliveries/s (%d delivered, %.1f s)",
                             subscribers, 1000 * percentile(latencies.values.withLock { $0 }, 0.5), 1000 * percentile(latencies.values.withLock { $0 }, 0.99),
                             Double(messages) / (sendEnd - sendStart), Double(total) / (deliveredEnd - sendStart), total, deliveredEnd - sendStart))
                return total
            }
            _ = received
            for subscription in subscriptions { dispatcher.cancel(subscription) }
            _ = try await database.transaction(logger: logger) { tx in try await tx.query("DELETE FROM bus_bus WHERE channel = \(channel)") }
        }
    }

    /// Latencies gathered by many subscriber tasks.
    final class Samples: Sendable {
        let values = Mutex<[Double]>([])
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }
}
