import ChainstoreCore

extension Migration {
    /// The franchise organisation: what kind each company is, its legal entity and address;
    /// partners' registration codes and ranks; banks and bank accounts; external ids.
    static let organisation = Migration("0007_organisation", sql: #"""
        ALTER TABLE res_partner
            ADD COLUMN company_registry text,
            ADD COLUMN mobile text,
            ADD COLUMN barcode text,
            ADD COLUMN customer_rank integer NOT NULL DEFAULT 0,
            ADD COLUMN supplier_rank integer NOT NULL DEFAULT 0;
        CREATE INDEX res_partner_company_registry ON res_partner (company_registry);
        CREATE INDEX res_partner_supplier_rank ON res_partner (supplier_rank) WHERE supplier_rank > 0;

        ALTER TABLE res_company
            ADD COLUMN company_kind text NOT NULL DEFAULT 'group',
            ADD COLUMN code text,
            ADD COLUMN partner_id bigint REFERENCES res_partner (id) ON DELETE RESTRICT,
            ADD COLUMN company_registry text,
            ADD COLUMN street text,
            ADD COLUMN city text,
            ADD COLUMN zip text;
        CREATE UNIQUE INDEX res_company_code ON res_company (code);
        CREATE INDEX res_company_partner_id ON res_company (partner_id);
        CREATE INDEX res_company_kind ON res_company (company_kind);

        CREATE TABLE res_bank (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            bic text,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE TABLE res_partner_bank (
            id bigserial PRIMARY KEY,
            acc_number text NOT NULL,
            acc_holder_name text,
            partner_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE CASCADE,
            bank_id bigint REFERENCES res_bank (id) ON DELETE SET NULL,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT res_partner_bank_unique_number UNIQUE (acc_number, partner_id)
        );
        CREATE INDEX res_partner_bank_partner_id ON res_partner_bank (partner_id);
        CREATE INDEX res_partner_bank_bank_id ON res_partner_bank (bank_id);
        CREATE INDEX res_partner_bank_company_id ON res_partner_bank (company_id);

        -- External ids ("module.name"): what imports match on, so importing again updates.
        CREATE TABLE ir_model_data (
            id bigserial PRIMARY KEY,
            module text NOT NULL,
            name text NOT NULL,
            model text NOT NULL,
            res_id bigint NOT NULL,
            noupdate boolean NOT NULL DEFAULT false,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT ir_model_data_module_name_uniq UNIQUE (module, name)
        );
        CREATE INDEX ir_model_data_model_res_id ON ir_model_data (model, res_id);
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date) VALUES
            ('base', 'main_company', 'res.company', 1, true, now(), now()),
            ('base', 'user_root', 'res.users', 1, true, now(), now()),
            ('base', 'user_admin', 'res.users', 2, true, now(), now()),
            ('base', 'group_user', 'res.groups', 1, true, now(), now()),
            ('base', 'group_system', 'res.groups', 2, true, now(), now());

        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('res.bank user', 'res.bank', 1, true, false, false, false),
            ('res.bank admin', 'res.bank', 2, true, true, true, true),
            ('res.partner.bank user', 'res.partner.bank', 1, true, true, true, true),
            ('ir.model.data user', 'ir.model.data', 1, true, false, false, false),
            ('ir.model.data admin', 'ir.model.data', 2, true, true, true, true);
        """#)
}
