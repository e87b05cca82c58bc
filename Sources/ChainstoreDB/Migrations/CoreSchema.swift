import ChainstoreCore

/// The schema the core itself owns: the audit trail and its seal, the scheduler's jobs.
enum CoreSchema {
    static let manifest = ModuleManifest(name: "core", models: [], migrations: [createAuditLog, createScheduler, createBus, auditSealBlocks, monthlyPartition, monthlyPartitionsAhead])

    static let createAuditLog = Migration("0001_create_audit_log", sql: """
        -- Creates the monthly partitions of a table partitioned by time, from this month to
        -- `months_ahead` months ahead. Called by migrations and, regularly, by the cron role.
        CREATE FUNCTION chainstore_ensure_monthly_partitions(parent text, months_ahead integer) RETURNS integer
        LANGUAGE plpgsql AS $fn$
        DECLARE
            month_start date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
            created integer := 0;
            partition_name text;
        BEGIN
            FOR i IN 0..months_ahead LOOP
                partition_name := parent || '_p' || to_char(month_start + make_interval(months => i), 'YYYYMM');
                IF to_regclass(partition_name) IS NULL THEN
                    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', partition_name, parent,
                        (month_start + make_interval(months => i))::timestamptz, (month_start + make_interval(months => i + 1))::timestamptz);
                    created := created + 1;
                END IF;
            END LOOP;
            RETURN created;
        END
        $fn$;

        -- Append-only, partitioned by month: old months can be archived by detaching a partition.
        CREATE TABLE audit_log (
            id bigserial NOT NULL,
            at timestamptz NOT NULL DEFAULT now(),
            uid bigint,
            company_id bigint,
            model text NOT NULL,
            record_id bigint NOT NULL,
            operation text NOT NULL CHECK (operation IN ('create', 'write', 'unlink')),
            old_values jsonb,
            new_values jsonb,
            seal_seq bigint,
            hash bytea,
            PRIMARY KEY (id, at)
        ) PARTITION BY RANGE (at);
        CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
        SELECT chainstore_ensure_monthly_partitions('audit_log', 3);
        CREATE INDEX audit_log_record ON audit_log (model, record_id);
        CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seal_seq IS NULL;
        CREATE INDEX audit_log_seal ON audit_log (seal_seq) WHERE seal_seq IS NOT NULL;
        CREATE TABLE audit_seal (
            id integer PRIMARY KEY CHECK (id = 1),
            last_seq bigint NOT NULL,
            last_hash bytea NOT NULL,
            sealed_at timestamptz NOT NULL DEFAULT now()
        );
        INSERT INTO audit_seal (id, last_seq, last_hash) VALUES (1, 0, '\\x0000000000000000000000000000000000000000000000000000000000000000');
        CREATE VIEW audit_log_field AS
            SELECT a.id AS audit_id, a.at, a.uid, a.company_id, a.model, a.record_id, a.operation,
                   f.key AS field, a.old_values -> f.key AS old_value, a.new_values -> f.key AS new_value
            FROM audit_log a
            CROSS JOIN LATERAL jsonb_object_keys(coalesce(a.new_values, a.old_values)) AS f(key);
        """)

    /// `ir.cron` with Odoo 17's fields (`code` is the name of a job a module registers), the
    /// lease a node holds while it runs a job (`lease_token` fences its commits), progress and
    /// failures; `ir_cron_run` keeps what each run did. Served to RPC by the base module.
    static let createScheduler = Migration("0002_create_scheduler", sql: """
        CREATE TABLE ir_cron (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            code text NOT NULL,
            model_id bigint,
            user_id bigint,
            active boolean NOT NULL DEFAULT true,
            interval_number integer NOT NULL DEFAULT 1 CHECK (interval_number > 0),
            interval_type text NOT NULL DEFAULT 'months'
                CHECK (interval_type IN ('seconds', 'minutes', 'hours', 'days', 'weeks', 'months')),
            numbercall integer NOT NULL DEFAULT -1,
            doall boolean NOT NULL DEFAULT false,
            nextcall timestamptz NOT NULL DEFAULT now(),
            lastcall timestamptz,
            priority integer NOT NULL DEFAULT 5,
            failure_count integer NOT NULL DEFAULT 0,
            first_failure_date timestamptz,
            last_error text,
            progress_done bigint,
            progress_remaining bigint,
            lease_owner text,
            lease_until timestamptz,
            lease_token bigint NOT NULL DEFAULT 0,
            create_uid bigint, create_date timestamptz DEFAULT now(), write_uid bigint, write_date timestamptz DEFAULT now()
        );
        CREATE INDEX ir_cron_due ON ir_cron (nextcall) WHERE active;
        CREATE INDEX ir_cron_code ON ir_cron (code);
        CREATE TABLE ir_cron_run (
            id bigserial PRIMARY KEY,
            cron_id bigint NOT NULL REFERENCES ir_cron (id) ON DELETE CASCADE,
            node text NOT NULL,
            lease_token bigint NOT NULL,
            started_at timestamptz NOT NULL,
            ended_at timestamptz NOT NULL DEFAULT now(),
            done bigint,
            remaining bigint,
            status text NOT NULL CHECK (status IN ('done', 'partial', 'failed', 'lease_lost')),
            error text,
            create_uid bigint, create_date timestamptz DEFAULT now(), write_uid bigint, write_date timestamptz DEFAULT now()
        );
        CREATE INDEX ir_cron_run_cron ON ir_cron_run (cron_id, id DESC);
        CREATE INDEX ir_cron_run_ended ON ir_cron_run (ended_at);
        -- The next occurrence after now, in whole intervals from the last planned one (the phase of
        -- a daily job is kept); one occurrence only, however many were missed.
        CREATE FUNCTION chainstore_cron_step(n integer, unit text) RETURNS interval
        LANGUAGE sql IMMUTABLE AS $fn$
            SELECT CASE unit WHEN 'seconds' THEN make_interval(secs => n) WHEN 'minutes' THEN make_interval(mins => n)
                WHEN 'hours' THEN make_interval(hours => n) WHEN 'days' THEN make_interval(days => n)
                WHEN 'weeks' THEN make_interval(weeks => n) ELSE make_interval(months => n) END
        $fn$;
        CREATE FUNCTION chainstore_cron_next(planned timestamptz, n integer, unit text) RETURNS timestamptz
        LANGUAGE plpgsql STABLE AS $fn$
        DECLARE
            step interval := chainstore_cron_step(n, unit);
            due timestamptz := planned + step;
        BEGIN
            IF unit <> 'months' AND due <= now() THEN
                due := due + step * ceil(extract(epoch FROM now() - due) / extract(epoch FROM step));
            END IF;
            WHILE due <= now() LOOP due := due + step; END LOOP;
            RETURN due;
        END
        $fn$;
        """)

    /// `bus.bus` as Odoo names it: a notification is a row written in the transaction that causes
    /// it, with that transaction's id (`txid`), so readers can take rows by commit, not by id.
    static let createBus = Migration("0003_create_bus", sql: """
        CREATE TABLE bus_bus (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            channel text NOT NULL,
            message text NOT NULL,
            txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
            create_date timestamptz NOT NULL DEFAULT now(),
            create_uid bigint, write_uid bigint, write_date timestamptz DEFAULT now()
        );
        CREATE INDEX bus_bus_txid ON bus_bus (txid);
        CREATE INDEX bus_bus_channel ON bus_bus (channel, id);
        CREATE INDEX bus_bus_create_date ON bus_bus (create_date);
        """)

    /// Sealing without rewriting the audit rows: each row keeps the transaction that wrote it
    /// (`txid`), and the sealer chains the rows of finished transactions in (transaction, id)
    /// order into blocks (`audit_seal_block`: the rows' ids and, for each, the chain's hash after
    /// it), so a row is written once and never updated. Rows sealed before keep their `seal_seq`
    /// and `hash`, and the blocks continue their chain; rows not sealed yet are sealed first.
    static let auditSealBlocks = Migration("0004_audit_seal_blocks", sql: """
        ALTER TABLE audit_log ADD COLUMN txid xid8;
        ALTER TABLE audit_log ALTER COLUMN txid SET DEFAULT pg_current_xact_id();
        UPDATE audit_log SET txid = '0'::xid8 WHERE seal_seq IS NULL;
        ALTER TABLE audit_log ADD CONSTRAINT audit_log_sealable CHECK (txid IS NOT NULL OR seal_seq IS NOT NULL) NOT VALID;
        CREATE INDEX audit_log_txid ON audit_log (txid, id) WHERE txid IS NOT NULL;
        DROP INDEX audit_log_unsealed;
        CREATE TABLE audit_seal_block (
            block bigint PRIMARY KEY CHECK (block > 0),
            first_seq bigint NOT NULL,
            ids bigint[] NOT NULL,
            hashes bytea NOT NULL CHECK (length(hashes) = 32 * cardinality(ids)),
            after_txid xid8 NOT NULL,
            after_id bigint NOT NULL,
            last_txid xid8 NOT NULL,
            last_id bigint NOT NULL,
            sealed_at timestamptz NOT NULL DEFAULT now()
        );
        ALTER TABLE audit_seal ADD COLUMN last_block bigint NOT NULL DEFAULT 0,
            ADD COLUMN last_txid xid8 NOT NULL DEFAULT '0', ADD COLUMN last_id bigint NOT NULL DEFAULT 0,
            ADD COLUMN legacy_seq bigint NOT NULL DEFAULT 0;
        UPDATE audit_seal SET legacy_seq = last_seq;
        """)

    /// One month's partition of a time-partitioned table (`<parent>_pYYYYMM`), made when missing:
    /// for tables that take rows of past months too (an import, orders moved into monthly
    /// partitions); `chainstore_ensure_monthly_partitions` makes this month and those ahead.
    static let monthlyPartition = Migration("0005_monthly_partition", sql: """
        CREATE FUNCTION chainstore_monthly_partition(parent text, month date) RETURNS boolean
        LANGUAGE plpgsql AS $fn$
        DECLARE
            first date := date_trunc('month', month)::date;
            partition_name text := parent || '_p' || to_char(date_trunc('month', month), 'YYYYMM');
        BEGIN
            IF to_regclass(partition_name) IS NOT NULL THEN RETURN false; END IF;
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', partition_name, parent,
                first::timestamptz, (first + interval '1 month')::date::timestamptz);
            RETURN true;
        END
        $fn$;
        """)

    /// This month's and the next months' partitions are drawn by `chainstore_monthly_partition`
    /// too, so one function names every monthly partition and sets its bounds.
    static let monthlyPartitionsAhead = Migration("0006_monthly_partitions_ahead", sql: """
        CREATE OR REPLACE FUNCTION chainstore_ensure_monthly_partitions(parent text, months_ahead integer) RETURNS integer
        LANGUAGE sql AS $fn$
            SELECT count(*) FILTER (WHERE chainstore_monthly_partition(parent,
                (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date))::integer
            FROM generate_series(0, months_ahead) i
        $fn$;
        """)
}
