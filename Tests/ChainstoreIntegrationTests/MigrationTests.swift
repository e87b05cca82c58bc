import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

@Suite("Migrations", .enabled(if: TestDatabase.isAvailable))
struct MigrationTests {
    @Test func twoConcurrentRunsApplyEachStepOnce() async throws {
        let location = try await TestDatabase.location(database: "migrate_race")
        try await location.createDatabaseIfMissing(logger: TestDatabase.logger)
        let registry = try Modules.registry()
        let migrator = Migrator(manifests: registry.modules)
        let applied = try await location.withDatabase(logger: TestDatabase.logger) { db in
            #expect(try await migrator.pending(db, logger: TestDatabase.logger).count == migrator.steps.count)
            async let first = migrator.migrate(db, logger: TestDatabase.logger)
            async let second = migrator.migrate(db, logger: TestDatabase.logger)
            let (a, b) = try await (first, second)
            let ledger = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT count(*), count(DISTINCT (module, name)) FROM chainstore_migration")).first!.decode((Int64, Int64).self)
            }
            #expect(ledger.0 == ledger.1)
            #expect(try await migrator.pending(db, logger: TestDatabase.logger).isEmpty)
            return (a, b)
        }
        #expect(applied.0.count + applied.1.count == migrator.steps.count)
        #expect(applied.0.isEmpty || applied.1.isEmpty)
    }
}
