import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// Device credentials (the broker's password and ACL files are made from them), telemetry
    /// (daily partitions with BRIN on time, latest values, minute and hour rollups), alert rules
    /// and alerts (one open alert per rule and device), and commands (IoT spec §3, §4, §6–§8).
    static let createTelemetry = Migration("0002_create_telemetry", sql: [#"""
        ALTER TABLE iot_device
            ADD COLUMN offline_grace_s integer CHECK (offline_grace_s >= 0),
            ADD COLUMN offline_since timestamptz;
        CREATE INDEX iot_device_stale ON iot_device (last_seen_at) WHERE online;
        CREATE INDEX iot_device_down ON iot_device (offline_since) WHERE NOT online AND state = 'active';

        -- What the broker knows of devices: bumped by every change that alters its password or ACL
        -- files, so the node that writes them rewrites only when something changed.
        CREATE TABLE iot_broker_auth (id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1), serial bigint NOT NULL);
        INSERT INTO iot_broker_auth VALUES (1, 1);
        CREATE FUNCTION iot_broker_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            UPDATE iot_broker_auth SET serial = serial + 1;
            RETURN NULL;
        END $fn$;

        CREATE TABLE iot_credential (
            id bigserial PRIMARY KEY,
            device_id bigint NOT NULL REFERENCES iot_device (id) ON DELETE CASCADE,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            kind text NOT NULL DEFAULT 'token' CHECK (kind IN ('token', 'x509')),
            -- Mosquitto's own password format (PBKDF2-SHA512): never the token itself.
            token_hash text,
            cert_fingerprint_sha256 text,
            not_after timestamptz,
            state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'revoked')),
            revoked_at timestamptz,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX iot_credential_device_id ON iot_credential (device_id);
        CREATE INDEX iot_credential_company_id ON iot_credential (company_id);
        CREATE INDEX iot_credential_order ON iot_credential (id DESC);
        CREATE TRIGGER iot_credential_broker AFTER INSERT OR UPDATE OR DELETE ON iot_credential
            FOR EACH STATEMENT EXECUTE FUNCTION iot_broker_auth_changed();
        -- Only a retirement (or its undoing) and a new uid change the broker's files; a device's
        -- messages set `state` without changing it.
        CREATE TRIGGER iot_device_broker AFTER UPDATE OF uid, state ON iot_device
            FOR EACH ROW WHEN (OLD.uid IS DISTINCT FROM NEW.uid OR (OLD.state = 'retired') IS DISTINCT FROM (NEW.state = 'retired'))
            EXECUTE FUNCTION iot_broker_auth_changed();

        -- Telemetry: metric names once, samples by day.
        CREATE TABLE iot_metric (
            id smallserial PRIMARY KEY,
            name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$')
        );
        CREATE TABLE iot_telemetry (
            device_id bigint NOT NULL,
            ts timestamptz NOT NULL,
            metric smallint NOT NULL,
            value double precision,
            value_text text,
            seq bigint
        ) PARTITION BY RANGE (ts);
        CREATE INDEX iot_telemetry_ts ON iot_telemetry USING brin (ts);
        CREATE INDEX iot_telemetry_device ON iot_telemetry (device_id, ts DESC);
        -- The partition of `day` (UTC), made when missing.
        CREATE FUNCTION iot_telemetry_partition(day date) RETURNS void LANGUAGE plpgsql AS $fn$
        DECLARE
            part text := 'iot_telemetry_' || to_char(day, 'YYYYMMDD');
        BEGIN
            IF to_regclass(part) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF iot_telemetry FOR VALUES FROM (%L) TO (%L)', part,
                               day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
            END IF;
        END $fn$;
        -- Drops the partitions wholly before `day` (UTC); answers how many.
        CREATE FUNCTION iot_telemetry_drop_before(day date) RETURNS integer LANGUAGE plpgsql AS $fn$
        DECLARE
            part record;
            dropped integer := 0;
        BEGIN
            FOR part IN
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'iot_telemetry'::regclass AND c.relname ~ '^iot_telemetry_[0-9]{8}$'
                    AND to_date(right(c.relname, 8), 'YYYYMMDD') < day
            LOOP
                EXECUTE format('DROP TABLE %I', part.relname);
                dropped := dropped + 1;
            END LOOP;
            RETURN dropped;
        END $fn$;
        SELECT iot_telemetry_partition(d::date)
            FROM generate_series((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 7, interval '1 day') d;

        -- The latest value of each metric of each device (dashboards never scan history).
        CREATE TABLE iot_device_state (
            device_id bigint NOT NULL REFERENCES iot_device (id) ON DELETE CASCADE,
            metric smallint NOT NULL REFERENCES iot_metric (id),
            ts timestamptz NOT NULL,
            value double precision,
            value_text text,
            PRIMARY KEY (device_id, metric)
        );
        CREATE TABLE iot_telemetry_1m (
            device_id bigint NOT NULL,
            metric smallint NOT NULL,
            bucket timestamptz NOT NULL,
            samples integer NOT NULL,
            minimum double precision, maximum double precision, total double precision,
            PRIMARY KEY (device_id, metric, bucket)
        );
        CREATE INDEX iot_telemetry_1m_bucket ON iot_telemetry_1m USING brin (bucket);
        CREATE TABLE iot_telemetry_1h (LIKE iot_telemetry_1m INCLUDING ALL);
        -- How far each rollup has gone (samples before it are summed).
        CREATE TABLE iot_rollup (name text PRIMARY KEY, done_until timestamptz NOT NULL);
        INSERT INTO iot_rollup VALUES ('1m', date_trunc('minute', now())), ('1h', date_trunc('hour', now()));

        CREATE TABLE iot_alert_rule (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            kind text NOT NULL DEFAULT 'threshold' CHECK (kind IN ('threshold', 'offline')),
            metric text,
            op text CHECK (op IN ('>', '>=', '<', '<=', '==')),
            threshold double precision,
            clear_threshold double precision,
            for_s integer NOT NULL DEFAULT 0 CHECK (for_s >= 0),
            keep_firing_for_s integer NOT NULL DEFAULT 0 CHECK (keep_firing_for_s >= 0),
            device_type_id bigint REFERENCES iot_device_type (id) ON DELETE CASCADE,
            device_id bigint REFERENCES iot_device (id) ON DELETE CASCADE,
            company_id bigint REFERENCES res_company (id) ON DELETE CASCADE,
            severity text NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CHECK (kind = 'offline' OR (metric IS NOT NULL AND op IS NOT NULL AND threshold IS NOT NULL))
        );
        CREATE INDEX iot_alert_rule_metric ON iot_alert_rule (metric) WHERE active;
        CREATE INDEX iot_alert_rule_company_id ON iot_alert_rule (company_id);
        CREATE INDEX iot_alert_rule_device_type_id ON iot_alert_rule (device_type_id);
        CREATE INDEX iot_alert_rule_device_id ON iot_alert_rule (device_id);
        CREATE INDEX iot_alert_rule_order ON iot_alert_rule (name, id);
        INSERT INTO iot_alert_rule (name, kind, severity, create_date, write_date)
            VALUES ('Device offline', 'offline', 'warning', now(), now());

        CREATE TABLE iot_alert (
            id bigserial PRIMARY KEY,
            rule_id bigint NOT NULL REFERENCES iot_alert_rule (id) ON DELETE CASCADE,
            device_id bigint NOT NULL REFERENCES iot_device (id) ON DELETE CASCADE,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            kind text NOT NULL,
            state text NOT NULL CHECK (state IN ('pending', 'firing', 'resolved', 'inactive')),
            pending_since timestamptz NOT NULL,
            firing_since timestamptz,
            clearing_since timestamptz,
            resolved_at timestamptz,
            last_value double precision,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE UNIQUE INDEX iot_alert_open ON iot_alert (rule_id, device_id) WHERE state IN ('pending', 'firing');
        CREATE INDEX iot_alert_company_id ON iot_alert (company_id);
        CREATE INDEX iot_alert_device_id ON iot_alert (device_id);
        CREATE INDEX iot_alert_order ON iot_alert (pending_since DESC, id DESC);

        CREATE TABLE iot_command (
            id bigserial PRIMARY KEY,
            cmd_id text NOT NULL UNIQUE DEFAULT gen_random_uuid()::text CHECK (cmd_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
            device_id bigint NOT NULL REFERENCES iot_device (id) ON DELETE CASCADE,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            type text NOT NULL CHECK (type ~ '^[a-z0-9_.-]{1,64}$'),
            params text NOT NULL DEFAULT '{}',
            state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'acked', 'succeeded', 'failed', 'rejected', 'timed_out',
                                                                  'expired', 'cancelled')),
            sent_at timestamptz, ack_at timestamptz, done_at timestamptz,
            expires_at timestamptz NOT NULL,
            ack_timeout_s integer NOT NULL DEFAULT 10 CHECK (ack_timeout_s > 0),
            result_timeout_s integer NOT NULL DEFAULT 30 CHECK (result_timeout_s > 0),
            attempts integer NOT NULL DEFAULT 0,
            max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
            result text,
            error_code text,
            origin_model text, origin_id bigint,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX iot_command_live ON iot_command (state, sent_at) WHERE state IN ('queued', 'sent', 'acked');
        CREATE INDEX iot_command_device_id ON iot_command (device_id);
        CREATE INDEX iot_command_company_id ON iot_command (company_id);
        CREATE INDEX iot_command_origin ON iot_command (origin_model, origin_id);
        CREATE INDEX iot_command_order ON iot_command (id DESC);

        -- The threshold rules on new values (the latest of each device and metric in a batch):
        -- opens an alert (pending, or firing at once without `for_s`), promotes it after `for_s`,
        -- lets a pending one lapse (inactive, never announced) and resolves a firing one once the
        -- value is past the clear threshold for `keep_firing_for_s`. Answers the announced changes.
        -- Two nodes taking the same first breach at once open one alert (the second insert is
        -- skipped, its batch not rolled back).
        CREATE FUNCTION iot_alerts_observe(p_uids text[], p_metrics text[], p_ts timestamptz[], p_values float8[])
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

        -- What time alone decides: pending alerts held for `for_s` fire, firing ones clear after
        -- `keep_firing_for_s`, devices offline beyond their grace fire the offline rules and those
        -- back online resolve them. Answers the announced changes. Alerts are taken in id order,
        -- skipping those a batch of samples holds (taken at the next tick): no deadlock with it.
        CREATE FUNCTION iot_alerts_tick() RETURNS TABLE (alert bigint, site bigint, device bigint, device_uid text, rule text, severity text,
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

        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false
                FROM unnest(ARRAY['iot.alert.rule', 'iot.alert', 'iot.command', 'iot.credential']) m
            UNION ALL
            SELECT m || ' manager', m, g.id, true, m <> 'iot.command', m = 'iot.alert.rule', m = 'iot.alert.rule'
                FROM unnest(ARRAY['iot.alert.rule', 'iot.alert', 'iot.command', 'iot.credential']) m, res_groups g
                WHERE g.xmlid IN ('stock.group_stock_manager', 'base.group_system');
        """#,
        AuditTriggers.create(table: "iot_alert_rule", model: "iot.alert.rule", columns: [
            "name", "kind", "metric", "op", "threshold", "clear_threshold", "for_s", "keep_firing_for_s", "device_type_id", "device_id",
            "company_id", "severity", "active",
        ], hashJoin: true),
        AuditTriggers.create(table: "iot_credential", model: "iot.credential", columns: ["device_id", "kind", "state", "revoked_at"], hashJoin: true),
    ].joined(separator: "\n"))
}
