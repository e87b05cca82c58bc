import ChainstoreCore

extension Migration {
    static let createAuthTables = Migration("0002_create_auth_tables", sql: #"""
        -- API keys: the first 8 characters find the row, the whole key is kept only as a digest.
        CREATE TABLE res_users_apikeys (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            user_id bigint NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
            scope text,
            index text NOT NULL,
            key_digest text NOT NULL,
            expiration_date timestamptz,
            revoked_at timestamptz,
            create_date timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX res_users_apikeys_index ON res_users_apikeys (index);

        -- Failed logins per login and per address, shared by every node of the cluster.
        CREATE TABLE res_users_login_throttle (
            key text PRIMARY KEY,
            failures integer NOT NULL,
            first_failure timestamptz NOT NULL,
            locked_until timestamptz
        );
        """#)
}
