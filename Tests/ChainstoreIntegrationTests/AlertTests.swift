@testable import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

/// The scheduler's alerts: a failing job fires the cron rule once (one bus notification), stays
/// one open alert while it keeps failing, and resolves when it recovers; a rule switched off or
/// raised does not fire; every module's probe answers on the migrated schema.
@Suite("Alerts", .enabled(if: TestDatabase.isAvailable))
struct AlertTests {
    @Test func aFailingJobFiresOnceAndResolves() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let logger = TestDatabase.logger
            let node = NodeContext(registry: registry, databases: TenantJobsTests.Tenants(main: db, all: [db]), identity: BaseIdentity(), logger: logger)
            let job = JobContext(database: db, node: node, logger: logger)
            try await db.withoutTransaction(logger: logger) { tx in
                try await tx.execute("INSERT INTO ir_cron (name, code, interval_type) VALUES ('probe', 'test.probe', 'minutes')")
            }
            func state() async throws -> (alerts: [String], notices: [String]) {
                try await db.withoutTransaction(logger: logger) { tx in
                    let alerts = try await tx.query("SELECT state || ':' || value::int FROM chainstore_alert WHERE kind = 'base.cron_failures' ORDER BY id")
                        .map { try $0.decode(String.self) }
                    let notices = try await tx.query("""
                        SELECT message::jsonb->>'type' FROM bus_bus WHERE channel = \(Bus.channel(db.name, "chainstore.alert/all")) ORDER BY id
                        """).map { try $0.decode(String.self) }
                    return (alerts, notices)
                }
            }
            // Every probe of every module measures on the migrated schema (nil where nothing applies).
            try await Alerts.evaluate(job, probes: registry.alerts)
            #expect(Set(registry.alerts.map(\.kind)).isSuperset(of: ["base.cron_failures", "base.replica_lag", "base.error_rate",
                                                                      "iot.devices_offline", "payment.reconciliation"]))
            #expect(try await state().alerts.isEmpty)

            try await db.withoutTransaction(logger: logger) { tx in try await tx.execute("UPDATE ir_cron SET failure_count = 2 WHERE code = 'test.probe'") }
            try await Alerts.evaluate(job, probes: registry.alerts)
            try await Alerts.evaluate(job, probes: registry.alerts)
            #expect(try await state().alerts == ["firing:1"])
            #expect(try await state().notices == ["chainstore.alert/firing"], "one notification, however many rounds")

            try await db.withoutTransaction(logger: logger) { tx in try await tx.execute("UPDATE ir_cron SET failure_count = 0 WHERE code = 'test.probe'") }
            try await Alerts.evaluate(job, probes: registry.alerts)
            #expect(try await state().alerts == ["resolved:0"])
            #expect(try await state().notices == ["chainstore.alert/firing", "chainstore.alert/resolved"])

            // A raised threshold, or a rule switched off, keeps it quiet.
            try await db.withoutTransaction(logger: logger) { tx in
                try await tx.execute("UPDATE ir_cron SET failure_count = 3 WHERE code = 'test.probe'")
                try await tx.execute("UPDATE chainstore_alert_rule SET threshold = 5 WHERE kind = 'base.cron_failures'")
            }
            try await Alerts.evaluate(job, probes: registry.alerts)
            #expect(try await state().alerts == ["resolved:0"])
            try await db.withoutTransaction(logger: logger) { tx in
                try await tx.execute("UPDATE chainstore_alert_rule SET threshold = 0, active = false WHERE kind = 'base.cron_failures'")
            }
            try await Alerts.evaluate(job, probes: registry.alerts)
            #expect(try await state().alerts == ["resolved:0"])
        }
    }
}
