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
            // (A transaction that ended between the snapshot and the look at the others may hold it a moment.)
            var first = 0
            for _ in 0..<600 where first == 0 {
                first = try await AuditChain.sealPending(db, logger: TestDatabase.logger, batch: 3)
                if first == 0 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(first == 3)
            try await AuditChain.sealAll(db, logger: TestDatabase.logger)
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

    /// A database sealed row by row (the first sealer's way: `seal_seq` and `hash` on each row)
    /// goes on in blocks from the same chain; a row altered among the old seals, and a row slipped
    /// into a sealed block's range, are both named.
    @Test func blocksContinueTheChainOfRowsSealedOneByOne() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                for i in 0..<3 { _ = try await store.create("res.partner", [["name": .string("Old \(i)")]]) }
            }
            // The rows so far sealed as the first sealer did, by PostgreSQL's own SHA-256.
            let legacy = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.execute("""
                    DO $$
                    DECLARE r record; h bytea := '\\x' || repeat('00', 32); n bigint := 0;
                    BEGIN
                        FOR r IN SELECT a.id, \(AuditChain.canonical) AS text FROM audit_log a ORDER BY a.id LOOP
                            n := n + 1;
                            h := sha256(h || convert_to(r.text, 'UTF8'));
                            UPDATE audit_log SET seal_seq = n, hash = h, txid = NULL WHERE id = r.id;
                        END LOOP;
                        UPDATE audit_seal SET last_seq = n, legacy_seq = n, last_hash = h;
                    END $$
                    """)
                return try await tx.query("SELECT legacy_seq FROM audit_seal").first!.decode(Int64.self)
            }
            #expect(legacy > 3)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                for i in 0..<3 { _ = try await store.create("res.partner", [["name": .string("New \(i)")]]) }
            }
            try await AuditChain.sealAll(db, logger: TestDatabase.logger)
            var report = try await AuditChain.verify(db, logger: TestDatabase.logger)
            #expect(report.isIntact, "\(report)")
            #expect(report.checked > legacy && report.unsealed == 0)

            // A row slipped into a sealed block's range (before the last transaction's rows).
            try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.execute("""
                    INSERT INTO audit_log (model, record_id, operation, txid, id)
                    SELECT 'res.partner', 1, 'create', last_txid, -1 FROM audit_seal
                    """)
            }
            report = try await AuditChain.verify(db, logger: TestDatabase.logger)
            #expect(report.problems.first?.contains("was added among sealed rows") == true, "\(report)")

            // A row altered among the old seals.
            let old = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query("SELECT id FROM audit_log WHERE seal_seq = 2").first!.decode(Int64.self)
            }
            try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                _ = try await tx.query("UPDATE audit_log SET new_values = '{\"name\": \"forged\"}' WHERE id = \(old)")
            }
            report = try await AuditChain.verify(db, logger: TestDatabase.logger)
            #expect(report.problems == ["audit row \(old) (seal 2) was altered"])
        }
    }
}

extension AuditTrailTests {
    /// A transaction left open holds an xid until it is cancelled.
    static func holdOpen(_ db: Database, tag: String) -> Task<Void, Never> {
        Task {
            _ = try? await db.transaction(logger: TestDatabase.logger) { tx in
                _ = try await tx.query("SELECT pg_current_xact_id()")
                _ = try await tx.query(SQLBuilder("SELECT pg_sleep(120) AS \(unsafeRaw: tag)"))
            }
        }
    }

    /// The backend of a held transaction once it has its xid, waited for a minute at most (nil:
    /// it never came, and the test fails instead of waiting for ever).
    static func waitForHolder(_ db: Database, tag: String) async throws -> Int32? {
        let giveUp = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < giveUp {
            try await Task.sleep(for: .milliseconds(20))
            if let pid = try await holder(db, tag: tag) { return pid }
        }
        Issue.record("the held transaction '\(tag)' never started")
        return nil
    }

    /// The backend of a held transaction, once it has its xid (nil when it ended).
    static func holder(_ db: Database, tag: String) async throws -> Int32? {
        try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
            try await tx.query(SQLBuilder("""
                SELECT pid FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND query LIKE '%AS \(unsafeRaw: tag)%' AND pid <> pg_backend_pid()
                """)).first?.decode(Int32.self)
        }
    }

    static func cancel(_ db: Database, _ pid: Int32?) async throws {
        guard let pid else { return }
        try await db.withoutTransaction(logger: TestDatabase.logger) { tx in _ = try await tx.query("SELECT pg_cancel_backend(\(Int64(pid))::int)") }
    }

    /// A long transaction in another database of the cluster (another tenant, another test)
    /// does not hold this database's seal back; one in this database holds back the rows of
    /// transactions that began after it, and they are sealed once it ends.
    @Test func onlyThisDatabasesOwnTransactionsHoldTheSealBack() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            try await TestDatabase.withFreshDatabase { other, _ in
                let fx = try await GroupFixture.make(db, registry)
                try await AuditChain.sealAll(db, logger: TestDatabase.logger)
                let elsewhere = Self.holdOpen(other, tag: "held_elsewhere")
                var pid = try await Self.waitForHolder(other, tag: "held_elsewhere")
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    _ = try await store.create("res.partner", [["name": "After the other database's transaction"]])
                }
                var sealed = 0
                for _ in 0..<20 where sealed == 0 { sealed = try await AuditChain.sealPending(db, logger: TestDatabase.logger) }
                #expect(sealed > 0, "another database's open transaction held the seal back")
                #expect(try await Self.holder(other, tag: "held_elsewhere") == pid, "the other transaction ended before the check")
                try await Self.cancel(db, pid)
                await elsewhere.value

                let here = Self.holdOpen(db, tag: "held_here")
                pid = try await Self.waitForHolder(db, tag: "held_here")
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    _ = try await store.create("res.partner", [["name": "After this database's transaction"]])
                }
                #expect(try await AuditChain.sealPending(db, logger: TestDatabase.logger) == 0)
                #expect(try await db.withoutTransaction(logger: TestDatabase.logger) { tx in try await AuditChain.unsealedCount(tx) } > 0)
                try await Self.cancel(db, pid)
                await here.value
                try await AuditChain.sealAll(db, logger: TestDatabase.logger)
                let report = try await AuditChain.verify(db, logger: TestDatabase.logger)
                #expect(report.isIntact && report.unsealed == 0, "\(report)")
            }
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
            try await AuditChain.sealAll(db, logger: TestDatabase.logger)
            #expect(try await AuditChain.verify(db, logger: TestDatabase.logger).isIntact)
        }
    }
}
