import ChainstoreCore

extension Migration {
    /// Odoo's portal group (`base.group_portal`): outside users — a supplier's staff — who sign
    /// in to their own pages and reach only what a module grants the group, under its rules.
    static let portalGroup = Migration("0014_portal_group", sql: """
        INSERT INTO res_groups (name, xmlid) VALUES ('Portal', 'base.group_portal');
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'base', 'group_portal', 'res.groups', id, true, now(), now() FROM res_groups WHERE xmlid = 'base.group_portal';
        """)
}
