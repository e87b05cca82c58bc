import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// Two nodes taking the first breach of a rule by a device at the same moment: the second
    /// insert of the open alert is skipped (`ON CONFLICT DO NOTHING`) instead of failing, which
    /// rolled back that node's whole batch of samples.
    static let firstBreachOnce = Migration("0005_first_breach_once", sql: #"""
        CREATE OR REPLACE FUNCTION iot_alerts_observe(p_uids text[], p_metrics text[], p_ts timestamptz[], p_values float8[])
        RETURNS TABLE (alert bigint, site bigint, device bigint, device_uid text, rule text, severity text, state text, value float8)
        LANGUAGE plpgsql AS $fn$
        #variable_conflict use_column
        DECLARE
            h record;
            a record;
        BEGIN
            FOR h IN
                SELECT r.id AS rule_id, r.name AS rule_name, r.severity AS rule_severity, r.for_s, r.keep_firing_for_s,
                    d.id AS device_id, d.company_id, d.uid AS uid, s.ts, s.v,
                    CASE r.op WHEN '>' THEN s.v > r.threshold WHEN '>=' THEN s.v >= r.threshold WHEN '<' THEN s.v < r.threshold
                        WHEN '<=' THEN s.v <= r.threshold ELSE s.v = r.threshold END AS breach,
                    CASE r.op WHEN '>' THEN s.v <= coalesce(r.clear_threshold, r.threshold) WHEN '>=' THEN s.v < coalesce(r.clear_threshold, r.threshold)
                        WHEN '<' THEN s.v >= coalesce(r.clear_threshold, r.threshold) WHEN '<=' THEN s.v > coalesce(r.clear_threshold, r.threshold)
                        ELSE s.v <> r.threshold END AS cleared
                FROM (SELECT DISTINCT ON (x.u, x.m) x.u, x.m, x.t AS ts, x.v FROM unnest(p_uids, p_metrics, p_ts, p_values) AS x(u, m, t, v)
                      WHERE x.v IS NOT NULL AND x.m IN (SELECT r.metric FROM iot_alert_rule r WHERE r.active AND r.kind = 'threshold')
                      ORDER BY x.u, x.m, x.t DESC) s
                JOIN iot_device d ON d.uid = s.u AND d.state <> 'retired'
                JOIN iot_alert_rule r ON r.active AND r.kind = 'threshold' AND r.metric = s.m
                    AND (r.device_type_id IS NULL OR r.device_type_id = d.device_type_id) AND (r.device_id IS NULL OR r.device_id = d.id)
                    AND (r.company_id IS NULL OR r.company_id = d.company_id
                         OR (SELECT c.parent_path FROM res_company c WHERE c.id = d.company_id)
                            LIKE (SELECT c.parent_path FROM res_company c WHERE c.id = r.company_id) || '%')
                ORDER BY r.id, d.id
            LOOP
                SELECT * INTO a FROM iot_alert x WHERE x.rule_id = h.rule_id AND x.device_id = h.device_id AND x.state IN ('pending', 'firing')
                    FOR UPDATE;
                IF NOT FOUND THEN
                    CONTINUE WHEN NOT h.breach;
                    INSERT INTO iot_alert (rule_id, device_id, company_id, kind, state, pending_since, firing_since, last_value, create_date, write_date)
                        VALUES (h.rule_id, h.device_id, h.company_id, 'threshold', CASE WHEN h.for_s = 0 THEN 'firing' ELSE 'pending' END, h.ts,
                                CASE WHEN h.for_s = 0 THEN h.ts END, h.v, now(), now())
                        ON CONFLICT (rule_id, device_id) WHERE state IN ('pending', 'firing') DO NOTHING
                        RETURNING id INTO alert;
                    CONTINUE WHEN NOT FOUND OR h.for_s > 0;
                    state := 'firing';
                ELSIF a.state = 'pending' THEN
                    IF NOT h.breach THEN
                        UPDATE iot_alert x SET state = 'inactive', resolved_at = h.ts, last_value = h.v, write_date = now() WHERE x.id = a.id;
                        CONTINUE;
                    ELSIF h.ts < a.pending_since + make_interval(secs => h.for_s) THEN
                        UPDATE iot_alert x SET last_value = h.v, write_date = now() WHERE x.id = a.id;
                        CONTINUE;
                    END IF;
                    UPDATE iot_alert x SET state = 'firing', firing_since = h.ts, last_value = h.v, write_date = now() WHERE x.id = a.id;
                    alert := a.id;
                    state := 'firing';
                ELSIF NOT h.cleared THEN
                    UPDATE iot_alert x SET clearing_since = NULL, last_value = h.v, write_date = now() WHERE x.id = a.id;
                    CONTINUE;
                ELSIF h.keep_firing_for_s > 0 AND (a.clearing_since IS NULL OR h.ts < a.clearing_since + make_interval(secs => h.keep_firing_for_s)) THEN
                    UPDATE iot_alert x SET clearing_since = coalesce(a.clearing_since, h.ts), last_value = h.v, write_date = now() WHERE x.id = a.id;
                    CONTINUE;
                ELSE
                    UPDATE iot_alert x SET state = 'resolved', resolved_at = h.ts, last_value = h.v, write_date = now() WHERE x.id = a.id;
                    alert := a.id;
                    state := 'resolved';
                END IF;
                site := h.company_id; device := h.device_id; device_uid := h.uid; rule := h.rule_name; severity := h.rule_severity; value := h.v;
                RETURN NEXT;
            END LOOP;
        END $fn$;
        """#)
}
