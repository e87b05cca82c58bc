import ChainstoreApp
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import HTTPTypes
import Testing

/// `chainstore pg-role-agent` answers HAProxy's checks as Patroni's REST API does.
@Suite("PostgreSQL role agent", .enabled(if: TestDatabase.isAvailable))
struct RoleAgentTests {
    @Test func answersForAPrimaryAndForANodeThatIsGone() async throws {
        try await TestDatabase.withFreshDatabase { db, _ in
            let logger = TestDatabase.logger
            // The test cluster is a primary; a peer on the same timeline does not make it an old one.
            // (A generous limit: other tests keep the machine busy.)
            let agent = RoleAgent(node: db, peers: [db], limit: .seconds(20), logger: logger)
            #expect(await agent.check("/primary") == (.ok, "primary"))
            #expect(await agent.check("/replica").status == .serviceUnavailable)
            #expect(await agent.check("/health") == (.ok, "primary"))
            #expect(await agent.check("/master").status == .notFound)

            // Nothing listens on port 9: unreachable, and said so after the limit (a second).
            let (client, gone) = try RoleAgent.client(url: "postgres://postgres@127.0.0.1:9/postgres", logger: logger)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                let dead = RoleAgent(node: gone, peers: [], logger: logger)
                for path in ["/primary", "/replica", "/health"] {
                    let started = ContinuousClock.now
                    #expect(await dead.check(path) == (.serviceUnavailable, "unreachable"))
                    #expect(ContinuousClock.now - started < .seconds(5))
                }
                // A primary whose peer cannot be reached is still the primary (the peer is down).
                let alone = RoleAgent(node: db, peers: [gone], limit: .seconds(3), logger: logger)
                #expect(await alone.check("/primary") == (.ok, "primary"))
                group.cancelAll()
            }
        }
    }
}
