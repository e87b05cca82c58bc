import ChainstoreCore

/// The schema the core itself owns: the audit trail and its seal.
enum CoreSchema {
    static let manifest = ModuleManifest(name: "core", models: [], migrations: [createAuditLog])

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
}
