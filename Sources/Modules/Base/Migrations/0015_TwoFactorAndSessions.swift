import ChainstoreCore

extension Migration {
    /// Two-factor sign-in and sessions people can see and end: a user's TOTP secret (never
    /// readable through the model) and the last time step used (a code works once), recovery
    /// codes (digests, each good once), groups whose members must use a second factor, and web
    /// sessions with a number, the address they were opened from, an absolute end beside the idle one,
    /// the step they wait for (a code, or enrolment) before they are signed in, and the wrong codes
    /// given for it.
    static let twoFactorAndSessions = Migration("0015_two_factor_and_sessions", sql: """
        ALTER TABLE res_users ADD COLUMN totp_secret text, ADD COLUMN totp_last_step bigint;
        ALTER TABLE res_groups ADD COLUMN totp_required boolean NOT NULL DEFAULT false;
        CREATE TABLE res_users_recovery_code (
            uid bigint NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
            code_digest text NOT NULL,
            PRIMARY KEY (uid, code_digest)
        );
        ALTER TABLE web_session
            ADD COLUMN id bigserial,
            ADD COLUMN address text,
            ADD COLUMN pending text CHECK (pending IN ('totp', 'enrol')),
            ADD COLUMN enrol_secret text,
            ADD COLUMN attempts integer NOT NULL DEFAULT 0,
            ADD COLUMN ends_at timestamptz NOT NULL DEFAULT now() + interval '12 hours';
        CREATE UNIQUE INDEX web_session_id ON web_session (id);
        CREATE INDEX web_session_uid ON web_session (uid);
        """)
}
