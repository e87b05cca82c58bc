import Base
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

@Suite("Schema check", .enabled(if: TestDatabase.isAvailable))
struct SchemaCheckTests {
    static func problems(_ db: Database, _ registry: Registry) async throws -> [String] {
        try await db.transaction(logger: TestDatabase.logger) { tx in try await SchemaCheck.problems(tx, registry: registry) }
    }

    @Test func declaredModelsMatchTheMigratedSchema() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let problems = try await db.transaction(logger: TestDatabase.logger) { tx in try await SchemaCheck.problems(tx, registry: registry) }
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func aFieldWithoutItsColumnIsReported() async throws {
        try await TestDatabase.withFreshDatabase { db, _ in
            let extended = ModelSpec(name: "res.partner.category", label: "Tags", fields: [
                .char("name", "Name", required: true), .integer("color", "Color"), .date("birthday", "Birthday"),
                .boolean("active", "Active"), .many2one("parent_id", "Parent", to: "res.partner.category", onDelete: .cascade),
            ])
            let models = Base.manifest.models.map { $0.name == extended.name ? extended : $0 }
            let registry = try Registry(modules: [ModuleManifest(name: "base", models: models, migrations: [])])
            let problems = try await db.transaction(logger: TestDatabase.logger) { tx in try await SchemaCheck.problems(tx, registry: registry) }
            #expect(problems == ["res.partner.category.birthday: column res_partner_category.birthday is missing"])
        }
    }

    /// A many2one sorted by a name kept on the row must have an index for the order, up to the
    /// first many2one sorted through its record; without a kept name nothing is asked for.
    @Test func anOrderThroughAKeptNameWithoutItsIndexIsReported() async throws {
        try await TestDatabase.withFreshDatabase { db, _ in
            func problems(order: String, keptName: Bool) async throws -> [String] {
                let parent = FieldSpec.many2one("parent_id", "Parent", to: "res.partner.category", onDelete: .cascade)
                let tags = ModelSpec(name: "res.partner.category", label: "Tags", fields: [
                    .char("name", "Name", required: true), .integer("color", "Color"), .boolean("active", "Active"),
                    keptName ? parent.sorted(byColumn: "parent_name") : parent,
                ], order: order)
                let models = Base.manifest.models.map { $0.name == tags.name ? tags : $0 }
                let registry = try Registry(modules: [ModuleManifest(name: "base", models: models, migrations: [])])
                return try await db.transaction(logger: TestDatabase.logger) { tx in try await SchemaCheck.problems(tx, registry: registry) }
            }
            let unkept = try await problems(order: "parent_id, name", keptName: false)
            // The kept name follows the linked model's order (here the tags' own: color first, ascending).
            let kept = try await problems(order: "color, parent_id desc, name", keptName: true)
            let unkeptAfterColor = try await problems(order: "color, parent_id", keptName: false)
            #expect(unkept.isEmpty)
            #expect(kept == [
                "res.partner.category: no index serves its default order \"color, parent_id desc, name\" (wanted: color, -parent_name, -parent_id, name, id)",
            ])
            #expect(unkeptAfterColor == ["res.partner.category: no index serves its default order \"color, parent_id\" (wanted: color)"])
        }
    }
}
