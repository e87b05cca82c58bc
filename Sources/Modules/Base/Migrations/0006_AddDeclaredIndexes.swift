import ChainstoreCore

extension Migration {
    /// Indexes the declarations ask for that the first migrations left out (found by the schema check).
    static let addDeclaredIndexes = Migration("0006_add_declared_indexes", sql: #"""
        CREATE INDEX res_company_name ON res_company (name);
        CREATE INDEX res_partner_category_parent_id ON res_partner_category (parent_id);
        CREATE INDEX ir_model_access_group_id ON ir_model_access (group_id);
        CREATE INDEX ir_model_fields_name ON ir_model_fields (name);
        """#)
}
