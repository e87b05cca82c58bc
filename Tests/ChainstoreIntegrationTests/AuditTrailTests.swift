import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

@Suite("Audit trail", .enabled(if: TestDatabase.isAvailable))
struct AuditTrailTests {
    @Test func everyChangeIsRecordedWithOldAndNewValues() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let id = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let id = try await store.create("res.partner", [["name": "Audited", "ref": "A"]])[0]
                try await store.write("res.partner", ids: [id], ["ref": "B", "name": "Audited"])
                try await store.unlink("res.partner", ids: [id])
                return id
            }
            let rows = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                var sql = SQLBuilder("SELECT operation, field, coalesce(old_value::text, ''), coalesce(new_value::text, ''), uid FROM audit_log_field WHERE model = 'res.partner' AND record_id = ")
                sql.bind(.int(id))
                sql += " AND field IN ('ref', 'name') ORDER BY audit_id, field"
                return try await tx.query(sql).map { try $0.decode((String, String, String, String, Int64).self) }
            }
            #expect(rows.map(\.0) == ["create", "create", "write", "unlink", "unlink"])
            #expect(rows[2].1 == "ref" && rows[2].2 == "\"A\"" && rows[2].3 == "\"B\"")
            #expect(rows.allSatisfy { $0.4 == fx.storeUser1 })
        }
    }

    @Test func verifyNamesAnAlteredAndARemovedRow() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                for i in 0..<5 { _ = try await store.create("res.partner", [["name": .string("P\(i)")]]) }
            }
            #expect(try await AuditChain.sealPending(db, logger: TestDatabase.logger, batch: 3) == 3)
            while try await AuditChain.sealPending(db, logger: TestDatabase.logger) > 0 {}
            var report = try await AuditChain.verify(db, logger: TestDatabase.logger)
            #expect(report.isIntact, "\(report)")
            #expect(report.checked > 5)
            let rows = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT id FROM audit_log ORDER BY txid, id")).map { try $0.decode(Int64.self) }
            }
            let original = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                var read = SQLBuilder("SELECT new_values::text FROM audit_log WHERE id = ")
                read.bind(.int(rows[4]))
                return try await tx.query(read).first!.decode(String.self)
            }
            try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                var edit = SQLBuilder("UPDATE audit_log SET new_values = jsonb_set(new_values, '{name}', '\"forged\"') WHERE id = ")
                edit.bind(.int(rows[4]))
                try await tx.query(edit)
            }
            report = try await AuditChain.verify(db, logger: TestDatabase.logger)
            #expect(report.problems == ["audit row \(rows[4]) (seal 5) was altered"])

            try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                var restore = SQLBuilder("UPDATE audit_log SET new_values = ")
                restore.bind(.text(original), cast: "jsonb")
                restore += " WHERE id = "
                restore.bind(.int(rows[4]))
                try await tx.query(restore)
                var delete = SQLBuilder("DELETE FROM audit_log WHERE id = ")
                delete.bind(.int(rows[7]))
                try await tx.query(delete)
            }
            report = try await AuditChain.verify(db, logger: TestDatabase.logger)
            #expect(report.problems.count == 1)
            #expect(report.problems.first?.contains("sealed rows 8…8 were removed") == true, "\(report)")

            try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                _ = try await tx.query("DELETE FROM audit_log WHERE id = ANY(\(Array(rows[7...])))")
            }
            report = try await AuditChain.verify(db, logger: TestDatabase.logger)
            #expect(report.problems.first?.contains("were removed (after audit row") == true, "\(report)")
        }
    }
}

@Suite("Audit trail for hot paths and partitions", .enabled(if: TestDatabase.isAvailable))
struct AuditHotPathTests {
    @Test func hotPathRowsJoinTheSameChainAndLandInMonthlyPartitions() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                let env = try await EnvLoader.load(tx, uid: fx.storeUser1, logger: TestDatabase.logger)
                try await AuditTrail.record(tx, env: env, model: "pos.order", [
                    .init(recordId: 77, companyId: fx.store1, operation: .create, newValues: ["amount_total": 12.5, "name": "Order \"77\""]),
                    .init(recordId: 77, companyId: fx.store1, operation: .write, oldValues: ["state": "draft"], newValues: ["state": "paid"]),
                ])
            }
            #expect(try await Partitions.ensure(db, logger: TestDatabase.logger) == 0, "the migration already created this month and three ahead")
            let (fields, inDefault) = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                let fields = try await tx.query(SQLBuilder("SELECT field || '=' || coalesce(new_value::text, '') FROM audit_log_field WHERE model = 'pos.order' ORDER BY audit_id, field")).map { try $0.decode(String.self) }
                let inDefault = try await tx.query(SQLBuilder("SELECT count(*) FROM audit_log_default")).first!.decode(Int64.self)
                return (fields, inDefault)
            }
            #expect(fields == ["amount_total=12.5", #"name="Order \"77\"""#, #"state="paid""#])
            #expect(inDefault == 0)
            while try await AuditChain.sealPending(db, logger: TestDatabase.logger) > 0 {}
            #expect(try await AuditChain.verify(db, logger: TestDatabase.logger).isIntact)
        }
    }
}
