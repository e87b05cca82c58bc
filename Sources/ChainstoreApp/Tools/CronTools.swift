import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// `chainstore cron …`: the scheduled jobs of a database, and running one now through the cron
/// nodes' own claim.
public enum CronTools {
    /// One line per job: what it runs, when, where it runs now, how it went last.
    public static func list(_ db: Database, logger: Logger) async throws -> String {
        let rows = try await db.transaction(logger: logger) { tx in
            try await tx.query(SQLBuilder("""
                SELECT code, name, active, interval_number || ' ' || interval_type, to_char(nextcall AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                       coalesce(to_char(lastcall AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-'),
                       CASE WHEN lease_until > now() THEN lease_owner ELSE '-' END, failure_count,
                       coalesce(progress_done::text || '/' || (progress_done + progress_remaining)::text, '-'), coalesce(last_error, '')
                FROM ir_cron ORDER BY code, id
                """)).map { try $0.decode((String, String, Bool, String, String, String, String, Int, String, String).self) }
        }
        var out = "job                        every        next (UTC)           last (UTC)           running on             failures  progress  \n"
        for r in rows {
            let line = [r.0.padded(27), r.3.padded(13), r.4.padded(21), r.5.padded(21), r.6.padded(23), String(r.7).padded(10), r.8.padded(10)]
            out += line.joined() + (r.2 ? "" : "inactive ") + (r.9.isEmpty ? "" : "error: " + r.9.prefix(120)) + "\n"
        }
        return out
    }

    /// Makes `job` due now and waits (up to `wait`) until a cron node has run it; the run's
    /// outcome, or why it did not happen.
    public static func run(_ db: Database, job: String, wait: Duration, logger: Logger) async throws -> (ok: Bool, message: String) {
        let asked = Date()
        let scheduler = Scheduler(database: db, node: "cli")
        guard try await scheduler.trigger(job, logger: logger) != nil else {
            throw ChainstoreError.userError("No scheduled job named \(job) (see `chainstore cron list`).")
        }
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            let run = try await db.transaction(logger: logger) { tx in
                try await tx.query("""
                    SELECT lastcall >= to_timestamp(\(asked.timeIntervalSince1970)), failure_count, coalesce(last_error, ''),
                           CASE WHEN lease_until > now() THEN lease_owner END
                    FROM ir_cron WHERE code = \(job) ORDER BY id LIMIT 1
                    """).first?.decode((Bool?, Int, String, String?).self)
            }
            guard let run else { break }
            if run.0 == true {
                return run.1 == 0 ? (true, "\(job) ran") : (false, "\(job) failed: \(run.2)")
            }
        }
        return (false, "\(job) is due, but no cron node ran it within \(wait) (start one: chainstore serve --role cron)")
    }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
