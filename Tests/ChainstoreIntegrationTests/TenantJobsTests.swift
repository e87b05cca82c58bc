import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

/// Every migrated tenant gets the modules' background work, not only the node's own database.
@Suite("Background jobs in every tenant", .enabled(if: TestDatabase.isAvailable))
struct TenantJobsTests {
    /// Two real tenant databases, as a node's directory lists them.
    struct Tenants: DatabaseProvider {
        let main: Database
        let all: [Database]
        func database(named name: String, host: String?) async throws -> Database {
            guard let found = all.first(where: { $0.name == name }) else { throw ChainstoreError.accessError("Database not found.") }
            return found
        }
        func names(host: String?) async throws -> [String] { all.map(\.name) }
        func tenants() async throws -> [Database] { all }
    }

    @Test func aSecondTenantIsSealedAndKeepsItsPartitionsAhead() async throws {
        try await TestDatabase.withFreshDatabase { main, registry in
            try await TestDatabase.withFreshDatabase { tenant, _ in
                let log = TestDatabase.logger
                _ = try await GroupFixture.make(tenant, registry)
                let lastMonth = "audit_log_p' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months', 'YYYYMM') || '"
                try await tenant.transaction(logger: log) { tx in
                    try await tx.execute("DO $$ BEGIN EXECUTE 'DROP TABLE ' || '\(lastMonth)'; END $$")
                }
                func state() async throws -> (unsealed: Int64, partition: Bool) {
                    try await tenant.withoutTransaction(logger: log) { tx in
                        try await tx.query(SQLBuilder("""
                            SELECT (SELECT count(*) FROM audit_log a, audit_seal s WHERE \(unsafeRaw: AuditChain.unsealed)),
                                   to_regclass('\(unsafeRaw: lastMonth)') IS NOT NULL
                            """))[0].decode((Int64, Bool).self)
                    }
                }
                #expect(try await state().unsealed > 0)
                #expect(try await state().partition == false)
                let node = NodeContext(registry: registry, databases: Tenants(main: main, all: [main, tenant]), identity: BaseIdentity(), logger: log)
                let runner = JobRunner(node: node, jobs: registry.jobs.filter { $0.name.hasPrefix("base.") })
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await runner.run() }
                    let deadline = ContinuousClock.now + .seconds(30)
                    var current = try await state()
                    while (current.unsealed > 0 || !current.partition) && ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(200))
                        current = try await state()
                    }
                    group.cancelAll()
                    #expect(current.unsealed == 0)
                    #expect(current.partition)
                }
                #expect(try await AuditChain.verify(tenant, logger: log).isIntact)
            }
        }
    }
}
