import ChainstoreCore

extension Migration {
    /// Passwords that age and are not reused: when each was set, the hashes of the last ones (a
    /// new password may not be one of them), and a sign-in that waits for a new password (an
    /// expired one) beside those that wait for a second factor.
    static let passwordHistory = Migration("0016_password_history", sql: """
        ALTER TABLE res_users ADD COLUMN password_set_at timestamptz;
        CREATE TABLE res_users_password_history (
            id bigserial PRIMARY KEY,
            uid bigint NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
            password text NOT NULL,
            replaced_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX res_users_password_history_uid ON res_users_password_history (uid, id DESC);
        ALTER TABLE web_session DROP CONSTRAINT web_session_pending_check;
        ALTER TABLE web_session ADD CONSTRAINT web_session_pending_check CHECK (pending IN ('totp', 'enrol', 'password'));
        """)
}
