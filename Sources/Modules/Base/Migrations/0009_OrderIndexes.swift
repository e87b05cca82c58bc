import ChainstoreCore

extension Migration {
    /// Every model's default order is the start of an index, so a first page is read in order
    /// instead of sorting the whole table (a partner list at 200,000 merchants).
    static let baseOrderIndexes = Migration("0009_order_indexes", sql: """
        DROP INDEX res_partner_name;
        CREATE INDEX res_partner_order ON res_partner (name, id);
        CREATE INDEX res_company_order ON res_company (sequence, name, id);
        CREATE INDEX res_users_order ON res_users (name, login, id);
        CREATE INDEX res_groups_order ON res_groups (name, id);
        CREATE INDEX res_bank_order ON res_bank (name, id);
        CREATE INDEX res_partner_category_order ON res_partner_category (name, id);
        CREATE INDEX ir_model_order ON ir_model (model, id);
        CREATE INDEX ir_model_fields_order ON ir_model_fields (model, name, id);
        CREATE INDEX ir_model_data_order ON ir_model_data (module, name, id);
        """)
}
