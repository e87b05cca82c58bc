import ChainstoreCore

extension Migration {
    /// Web sessions (`/web/session/authenticate`): shared by every node, found by the digest of
    /// the cookie's token.
    static let createWebSessions = Migration("0004_create_web_sessions", sql: #"""
        CREATE TABLE web_session (
            token_digest text PRIMARY KEY,
            uid bigint NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_seen timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL
        );
        CREATE INDEX web_session_expires ON web_session (expires_at);
        """#)
}
