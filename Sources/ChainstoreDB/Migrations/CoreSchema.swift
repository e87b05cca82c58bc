import ChainstoreCore

/// The schema the core itself owns: the audit trail and its seal.
enum CoreSchema {
    static let manifest = ModuleManifest(name: "core", models: [], migrations: [createAuditLog])

    static let createAuditLog = Migration("0001_create_audit_log", sql: """
        CREATE TABLE audit_log (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            uid bigint,
            company_id bigint,
            model text NOT NULL,
            record_id bigint NOT NULL,
            operation text NOT NULL CHECK (operation IN ('create', 'write', 'unlink')),
            old_values jsonb,
            new_values jsonb,
            seal_seq bigint UNIQUE,
            hash bytea
        );
        CREATE INDEX audit_log_record ON audit_log (model, record_id);
        CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seal_seq IS NULL;
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
