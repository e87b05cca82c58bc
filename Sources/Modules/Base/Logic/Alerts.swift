import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// The scheduler's alerting (`base.alerts`, every minute): each module's probes are measured,
/// each against its rule (made with the probe's default threshold the first time); a value above
/// the threshold opens an alert — or keeps the open one current —, one at or below it resolves
/// the open one. Each opening and resolution is a bus notification on the administrators'
/// channel (`["db","chainstore.alert/all"]`, type `chainstore.alert/firing` or `/resolved`).
enum Alerts {
    static let channel = "chainstore.alert/all"

    /// The base module's own probes: scheduled jobs failing, a replica lagging (as the cron node
    /// running the check sees it), the share of error lines in the logs database.
    static let probes: [AlertProbe] = [
        AlertProbe(kind: "base.cron_failures", name: "Scheduled actions failing", threshold: 0) { job in
            try await job.database.withoutTransaction(logger: job.logger) { tx in
                try await Double(tx.one("SELECT count(*) FROM ir_cron WHERE active AND failure_count > 0").decode(Int64.self))
            }
        },
        AlertProbe(kind: "base.replica_lag", name: "Replica lag (seconds)", threshold: 5) { job in
            guard let replicas = job.database.replicas ?? job.node.main.replicas else { return nil }
            // A replica that is down counts as lagging without end.
            return replicas.snapshot.map { $0.up ? $0.lagSeconds : 86_400 }.max()
        },
        AlertProbe(kind: "base.error_rate", name: "Error lines in the last 5 minutes (share)", threshold: 0.01) { job in
            guard let shipper = LogOutput.shared.sink as? LogShipper else { return nil }
            return try await shipper.errorShare(within: .seconds(300))
        },
    ]

    static let job = Job("base.alerts", "Alerts: measure and notify", every: .seconds(60)) { job in
        try await evaluate(job, probes: job.node.registry.alerts)
    }

    /// One round: every active rule measured and its alert opened, kept or resolved.
    static func evaluate(_ job: JobContext, probes: [AlertProbe]) async throws {
        for probe in probes {
            let value: Double?
            do {
                value = try await probe.measure(job)
            } catch {
                job.logger.warning("alert probe failed", metadata: ["kind": "\(probe.kind)", "error": "\(error)"])
                continue
            }
            let database = job.database.name
            try await job.database.transaction(logger: job.logger) { tx in
                try await job.lease?.fence(tx)
                let rule = try await tx.one("""
                    INSERT INTO chainstore_alert_rule (kind, name, threshold) VALUES (\(probe.kind), \(probe.name), \(probe.threshold))
                    ON CONFLICT (kind) DO UPDATE SET name = EXCLUDED.name RETURNING id, threshold, active
                    """)
                let (ruleId, threshold, active) = try rule.decode((Int64, Double, Bool).self)
                let firing = active && (value.map { $0 > threshold } ?? false)
                var notes: [Bus.Notification] = []
                if firing, let value {
                    let opened = try await tx.query("""
                        INSERT INTO chainstore_alert (rule_id, kind, state, value, threshold) VALUES (\(ruleId), \(probe.kind), 'firing', \(value), \(threshold))
                        ON CONFLICT (rule_id) WHERE state = 'firing'
                        DO UPDATE SET value = EXCLUDED.value, threshold = EXCLUDED.threshold, last_seen = now(), write_date = now()
                        RETURNING id, (xmax = 0)
                        """)
                    if let (id, inserted) = try opened.first?.decode((Int64, Bool).self), inserted {
                        notes.append(notice(database, "firing", id: id, kind: probe.kind, name: probe.name, value: value, threshold: threshold))
                    }
                } else {
                    for row in try await tx.query("""
                        UPDATE chainstore_alert SET state = 'resolved', resolved_at = now(), last_seen = now(), write_date = now(),
                            value = coalesce(\(value.map(SQLBind.double) ?? .null, cast: "float8"), value)
                        WHERE rule_id = \(ruleId) AND state = 'firing' RETURNING id, value
                        """) {
                        let (id, last) = try row.decode((Int64, Double).self)
                        notes.append(notice(database, "resolved", id: id, kind: probe.kind, name: probe.name, value: last, threshold: threshold))
                    }
                }
                try await Bus.send(tx, notes)
            }
        }
    }

    static func notice(_ database: String, _ state: String, id: Int64, kind: String, name: String, value: Double, threshold: Double) -> Bus.Notification {
        Bus.Notification(
            channel: Bus.channel(database, channel), type: "chainstore.alert/" + state,
            payload: ["id": .int(id), "kind": .string(kind), "name": .string(name), "value": .double(value), "threshold": .double(threshold)])
    }

    /// Administrators (and the system) may listen to the alerts' channel.
    static let busChannel = BusChannel(prefix: "chainstore.alert") { env, _ in env.isSystem || env.groups.contains(Base.Group.system) }
}
