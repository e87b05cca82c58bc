@testable import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// A node's connection pool through its database going away and coming back, on a cluster of
/// its own (stopped and started again by the test).
@Suite("Connection pool through a failover", .enabled(if: TestDatabase.isAvailable), .serialized)
struct PoolRecoveryTests {
    /// While the database is away, PostgresNIO's pool retries one connection and gives up the
    /// others; once that one connects it holds a single connection and grows with demand. A pool
    /// told to keep more connections open than it then has stops the process (a failed
    /// precondition in its state machine) at a lease that finds none idle: a node crashed that
    /// way in 3 of 14 failover drills (`deploy/drills`). Sized as `serve` sizes it, the pool
    /// serves bursts again through an outage. (This outage alone did not make the pool crash with
    /// the old sizing; the drill did.)
    @Test func aNodesPoolServesAgainAfterItsDatabaseCameBack() async throws {
        let logger = TestDatabase.logger
        try await TestDatabase.withOwnCluster("pool", database: "pool") { location, root in
            var configuration = location.clientConfiguration()
            var options = Node.Options()
            options.roles = [.api]
            options.size(&configuration)
            let quiet = TestDatabase.quiet
            let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
            let database = location.makeDatabase(client)

            /// `count` statements at once, each holding its connection a moment; how many were answered.
            @Sendable func burst(_ count: Int) async -> Int {
                await withTaskGroup(of: Bool.self) { group in
                    for _ in 0..<count {
                        group.addTask {
                            (try? await database.withoutTransaction(logger: quiet) { tx in try await tx.execute("SELECT pg_sleep(0.02)") }) != nil
                        }
                    }
                    return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
            }

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                #expect(await burst(40) == 40, "the pool serves a burst")
                // The database goes away (every session ends, new ones are refused) while requests
                // keep coming; then it is back.
                try await offThread { try ManagedCluster(root: root).stop(mode: "immediate") { _ in } }
                var waiting: [Task<Int, Never>] = []
                for _ in 0..<15 {
                    waiting.append(Task { await burst(4) })
                    try await Task.sleep(for: .milliseconds(200))
                }
                try await offThread { try location.startIfManaged(logger: logger) }
                // Until the pool's next attempt connects (its backoff), requests may still wait or fail.
                for request in waiting { _ = await request.value }
                let giveUp = ContinuousClock.now + .seconds(60)
                while await burst(1) == 0, ContinuousClock.now < giveUp { try await Task.sleep(for: .milliseconds(200)) }
                // Bursts again, more than one connection's worth at once.
                for round in 1...3 {
                    #expect(await burst(40) == 40, "round \(round) after the outage: every statement answered")
                }
            }
        }
    }
}
