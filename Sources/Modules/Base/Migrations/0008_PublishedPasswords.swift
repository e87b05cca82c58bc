import ChainstoreCore

extension Migration {
    /// Passwords the world knows (the demo's) are marked: they are accepted only from this
    /// machine, and a node refuses to listen on a public address while any active user has one.
    static let publishedPasswords = Migration("0008_published_passwords", sql: #"""
        ALTER TABLE res_users ADD COLUMN password_published boolean NOT NULL DEFAULT false;
        CREATE INDEX res_users_password_published ON res_users (id) WHERE password_published AND active;
        """#)
}
