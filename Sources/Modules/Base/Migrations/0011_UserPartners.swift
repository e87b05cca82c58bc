import ChainstoreCore

extension Migration {
    /// Every user has its own partner (`res.users.partner_id`, as in Odoo): its name, email,
    /// language and time zone, in the user's company. Existing users get theirs here; new users
    /// get one when they are created (`UserPartners`).
    static let userPartners = Migration("0011_user_partners", sql: #"""
        ALTER TABLE res_users ADD COLUMN partner_id bigint REFERENCES res_partner (id) ON DELETE RESTRICT;
        CREATE TEMP TABLE user_partner ON COMMIT DROP AS
            SELECT u.id AS uid, nextval(pg_get_serial_sequence('res_partner', 'id')) AS pid FROM res_users u;
        INSERT INTO res_partner (id, name, email, company_id, lang, tz, active, type, customer_rank, supplier_rank, is_company,
                                 create_uid, create_date, write_uid, write_date)
            SELECT m.pid, u.name, u.email, u.company_id, u.lang, u.tz, u.active, 'contact', 0, 0, false, 1, now(), 1, now()
            FROM user_partner m JOIN res_users u ON u.id = m.uid;
        UPDATE res_users u SET partner_id = m.pid FROM user_partner m WHERE m.uid = u.id;
        CREATE INDEX res_users_partner_id ON res_users (partner_id);
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'base', 'partner_admin', 'res.partner', partner_id, true, now(), now() FROM res_users WHERE id = 2
            UNION ALL SELECT 'base', 'partner_root', 'res.partner', partner_id, true, now(), now() FROM res_users WHERE id = 1;
        """#)
}
