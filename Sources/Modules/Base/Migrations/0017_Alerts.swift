import ChainstoreCore

extension Migration {
    /// Operational alerts evaluated by the scheduler (`base.alerts`): one rule per thing measured
    /// (made by the job from the modules' probes), and the alerts they fired — one open at a time
    /// per rule. Administrators read both and tune the rules.
    static let alerts = Migration("0017_alerts", sql: #"""
        CREATE TABLE chainstore_alert_rule (
            id bigserial PRIMARY KEY,
            kind text NOT NULL UNIQUE,
            name text NOT NULL,
            threshold double precision NOT NULL,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz DEFAULT now(), write_uid bigint, write_date timestamptz DEFAULT now()
        );
        CREATE INDEX chainstore_alert_rule_order ON chainstore_alert_rule (name, id);
        CREATE TABLE chainstore_alert (
            id bigserial PRIMARY KEY,
            rule_id bigint NOT NULL REFERENCES chainstore_alert_rule (id) ON DELETE CASCADE,
            kind text NOT NULL,
            state text NOT NULL CHECK (state IN ('firing', 'resolved')),
            value double precision NOT NULL,
            threshold double precision NOT NULL,
            fired_at timestamptz NOT NULL DEFAULT now(),
            last_seen timestamptz NOT NULL DEFAULT now(),
            resolved_at timestamptz,
            create_uid bigint, create_date timestamptz DEFAULT now(), write_uid bigint, write_date timestamptz DEFAULT now()
        );
        CREATE UNIQUE INDEX chainstore_alert_open ON chainstore_alert (rule_id) WHERE state = 'firing';
        CREATE INDEX chainstore_alert_rule_id ON chainstore_alert (rule_id);
        CREATE INDEX chainstore_alert_order ON chainstore_alert (fired_at DESC, id DESC);
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('chainstore.alert.rule admin', 'chainstore.alert.rule', 2, true, true, false, false),
            ('chainstore.alert admin', 'chainstore.alert', 2, true, false, false, false);
        """#)
}
