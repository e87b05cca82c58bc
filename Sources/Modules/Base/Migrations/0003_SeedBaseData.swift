import ChainstoreCore

extension Migration {
    /// The root company, the system account (uid 1, never logs in), `admin` (uid 2, no password
    /// until `serve --demo` or `user passwd` sets one), the base groups and their access rights.
    static let seedBaseData = Migration("0003_seed_base_data", sql: #"""
        INSERT INTO res_company (id, name, create_date, write_date) VALUES (1, 'Chainstore Group', now(), now());
        SELECT setval('res_company_id_seq', 1);
        INSERT INTO res_groups (id, name, xmlid) VALUES
            (1, 'Internal User', 'base.group_user'),
            (2, 'Administration / Settings', 'base.group_system');
        SELECT setval('res_groups_id_seq', 2);
        INSERT INTO res_users (id, name, login, company_id, active, create_date, write_date) VALUES
            (1, 'System', '__system__', 1, false, now(), now()),
            (2, 'Administrator', 'admin', 1, true, now(), now());
        SELECT setval('res_users_id_seq', 2);
        INSERT INTO res_company_users_rel (user_id, cid) VALUES (1, 1), (2, 1);
        INSERT INTO res_groups_users_rel (gid, uid) VALUES (1, 2), (2, 2);
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('res.company user', 'res.company', 1, true, false, false, false),
            ('res.company admin', 'res.company', 2, true, true, true, true),
            ('res.partner user', 'res.partner', 1, true, true, true, true),
            ('res.partner.category user', 'res.partner.category', 1, true, true, true, true),
            ('res.users user', 'res.users', 1, true, false, false, false),
            ('res.users admin', 'res.users', 2, true, true, true, true),
            ('res.groups user', 'res.groups', 1, true, false, false, false),
            ('res.groups admin', 'res.groups', 2, true, true, true, true),
            ('ir.model.access user', 'ir.model.access', 1, true, false, false, false),
            ('ir.model.access admin', 'ir.model.access', 2, true, true, true, true);
        """#)
}
