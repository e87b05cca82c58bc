import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// The alert timers take the alerts they change in id order and skip those a batch of samples
    /// holds at that moment (taken at the next tick), so the timers and the ingestion never
    /// deadlock on the same alerts.
    static let alertTimersSkipLocked = Migration("0004_alert_timers_skip_locked", sql: #"""
        CREATE OR REPLACE FUNCTION iot_alerts_tick() RETURNS TABLE (alert bigint, site bigint, device bigint, device_uid text, rule text, severity text,
                                                         state text, value float8)
        LANGUAGE sql AS $fn$
            WITH due AS (
                SELECT x.id FROM iot_alert x JOIN iot_alert_rule r ON r.id = x.rule_id
                WHERE (x.state = 'pending' AND x.pending_since + make_interval(secs => r.for_s) <= now())
                    OR (x.state = 'firing' AND x.kind = 'threshold' AND x.clearing_since IS NOT NULL
                        AND x.clearing_since + make_interval(secs => r.keep_firing_for_s) <= now())
                ORDER BY x.id FOR UPDATE OF x SKIP LOCKED),
            fired AS (
                UPDATE iot_alert x SET state = 'firing', firing_since = now(), write_date = now()
                FROM iot_alert_rule r, due WHERE due.id = x.id AND r.id = x.rule_id AND x.state = 'pending'
                RETURNING x.id, x.company_id, x.device_id, r.name, r.severity, 'firing'::text AS state, x.last_value),
            cleared AS (
                UPDATE iot_alert x SET state = 'resolved', resolved_at = now(), write_date = now()
                FROM iot_alert_rule r, due WHERE due.id = x.id AND r.id = x.rule_id AND x.state = 'firing'
                RETURNING x.id, x.company_id, x.device_id, r.name, r.severity, 'resolved'::text AS state, x.last_value),
            returned AS (
                SELECT x.id FROM iot_alert x JOIN iot_device d ON d.id = x.device_id
                WHERE x.kind = 'offline' AND x.state IN ('pending', 'firing') AND (d.online OR d.state <> 'active')
                ORDER BY x.id FOR UPDATE OF x SKIP LOCKED),
            back AS (
                UPDATE iot_alert x SET state = 'resolved', resolved_at = coalesce(d.last_seen_at, now()), write_date = now()
                FROM iot_device d, iot_alert_rule r, returned
                WHERE returned.id = x.id AND d.id = x.device_id AND r.id = x.rule_id
                RETURNING x.id, x.company_id, x.device_id, r.name, r.severity, 'resolved'::text AS state, x.last_value),
            down AS (
                INSERT INTO iot_alert (rule_id, device_id, company_id, kind, state, pending_since, firing_since, create_date, write_date)
                SELECT r.id, d.id, d.company_id, 'offline', 'firing', d.offline_since, now(), now(), now()
                FROM iot_device d JOIN iot_device_type t ON t.id = d.device_type_id
                JOIN iot_alert_rule r ON r.active AND r.kind = 'offline'
                    AND (r.device_type_id IS NULL OR r.device_type_id = d.device_type_id) AND (r.device_id IS NULL OR r.device_id = d.id)
                    AND (r.company_id IS NULL OR r.company_id = d.company_id
                         OR (SELECT c.parent_path FROM res_company c WHERE c.id = d.company_id)
                            LIKE (SELECT c.parent_path FROM res_company c WHERE c.id = r.company_id) || '%')
                WHERE NOT d.online AND d.state = 'active' AND d.offline_since IS NOT NULL
                    AND d.offline_since + make_interval(secs => coalesce(d.offline_grace_s, t.offline_grace_s)) <= now()
                    AND NOT EXISTS (SELECT 1 FROM iot_alert o WHERE o.rule_id = r.id AND o.device_id = d.id AND o.state IN ('pending', 'firing'))
                ON CONFLICT DO NOTHING
                RETURNING id, company_id, device_id, (SELECT name FROM iot_alert_rule WHERE id = rule_id),
                    (SELECT severity FROM iot_alert_rule WHERE id = rule_id), 'firing'::text, last_value),
            changed (id, company_id, device_id, name, severity, state, last_value) AS (
                SELECT * FROM fired UNION ALL SELECT * FROM cleared UNION ALL SELECT * FROM back UNION ALL SELECT * FROM down)
            SELECT c.id, c.company_id, c.device_id, d.uid, c.name, c.severity, c.state, c.last_value
            FROM changed c JOIN iot_device d ON d.id = c.device_id
        $fn$;
        """#)
}
