import ChainstoreCore

extension Migration {
    static let createModelCatalog = Migration("0005_create_model_catalog", sql: #"""
        CREATE TABLE ir_model (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            model text NOT NULL UNIQUE,
            info text,
            state text DEFAULT 'base',
            transient boolean NOT NULL DEFAULT false,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE TABLE ir_model_fields (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            model text NOT NULL,
            model_id bigint NOT NULL REFERENCES ir_model (id) ON DELETE CASCADE,
            field_description text NOT NULL,
            ttype text NOT NULL,
            relation text,
            relation_field text,
            required boolean NOT NULL DEFAULT false,
            readonly boolean NOT NULL DEFAULT false,
            store boolean NOT NULL DEFAULT true,
            index boolean NOT NULL DEFAULT false,
            state text DEFAULT 'base',
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            UNIQUE (model, name)
        );
        CREATE INDEX ir_model_fields_model_id ON ir_model_fields (model_id);
        INSERT INTO ir_model_access (name, model, group_id, perm_read) VALUES
            ('ir.model user', 'ir.model', 1, true), ('ir.model.fields user', 'ir.model.fields', 1, true);
        """#)
}
