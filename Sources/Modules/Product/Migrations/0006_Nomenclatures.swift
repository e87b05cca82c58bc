import ChainstoreCore

extension Migration {
    /// Barcode nomenclatures, with the group's default for Chinese scales (gs1-epc.md §3).
    static let nomenclatures = Migration("0006_nomenclatures", sql: #"""
        CREATE TABLE barcode_nomenclature (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX barcode_nomenclature_company_id ON barcode_nomenclature (company_id);
        CREATE TABLE barcode_rule (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            barcode_nomenclature_id bigint NOT NULL REFERENCES barcode_nomenclature (id) ON DELETE CASCADE,
            sequence integer NOT NULL DEFAULT 90,
            type text NOT NULL DEFAULT 'product',
            encoding text NOT NULL DEFAULT 'ean13',
            pattern text NOT NULL DEFAULT '.*',
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX barcode_rule_barcode_nomenclature_id ON barcode_rule (barcode_nomenclature_id);
        INSERT INTO barcode_nomenclature (id, name, company_id, create_date, write_date) VALUES (1, 'Default Nomenclature (China)', 1, now(), now());
        SELECT setval('barcode_nomenclature_id_seq', 1);
        INSERT INTO barcode_rule (name, barcode_nomenclature_id, sequence, type, encoding, pattern, create_date, write_date) VALUES
            ('Weighed item (21)', 1, 10, 'weight', 'ean13', '21.....{NNDDD}', now(), now()),
            ('Priced item (23)', 1, 20, 'price', 'ean13', '23.....{NNNDD}', now(), now()),
            ('Chinese scale, weight (20)', 1, 30, 'weight', 'ean13', '20.....{NNDDD}', now(), now());
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date) VALUES
            ('barcodes', 'default_barcode_nomenclature', 'barcode.nomenclature', 1, true, now(), now());
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false FROM unnest(ARRAY['barcode.nomenclature', 'barcode.rule']) m
            UNION ALL
            SELECT m || ' catalogue manager', m, g.id, true, true, true, true FROM unnest(ARRAY['barcode.nomenclature', 'barcode.rule']) m,
                res_groups g WHERE g.xmlid IN ('product.group_catalogue_manager', 'base.group_system');
        CREATE TRIGGER barcode_nomenclature_notice AFTER INSERT OR UPDATE OR DELETE ON barcode_nomenclature
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_catalogue_notice();
        CREATE TRIGGER barcode_rule_notice AFTER INSERT OR UPDATE OR DELETE ON barcode_rule
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_catalogue_notice();
        """#)
}
