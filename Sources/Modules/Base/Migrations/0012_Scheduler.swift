import ChainstoreCore

extension Migration {
    /// `ir.cron` and its runs over RPC (the tables are the core's): their links, the order index,
    /// and access for administrators only (runs are read-only).
    static let scheduler = Migration("0012_scheduler", sql: #"""
        ALTER TABLE ir_cron ADD CONSTRAINT ir_cron_model_id_fkey FOREIGN KEY (model_id) REFERENCES ir_model (id) ON DELETE SET NULL;
        ALTER TABLE ir_cron ADD CONSTRAINT ir_cron_user_id_fkey FOREIGN KEY (user_id) REFERENCES res_users (id) ON DELETE SET NULL;
        CREATE INDEX ir_cron_model_id ON ir_cron (model_id);
        CREATE INDEX ir_cron_user_id ON ir_cron (user_id);
        CREATE INDEX ir_cron_order ON ir_cron (name, id);
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('ir.cron admin', 'ir.cron', 2, true, true, false, true),
            ('ir.cron.run admin', 'ir.cron.run', 2, true, false, false, false);
        """#)
}
