import ChainstoreCore

extension Migration {
    /// Store assortments. Adding or removing a product, a store or the whole assortment moves
    /// the catalogue version of the products concerned, so tills receive the change as a delta.
    static let assortments = Migration("0007_assortments", sql: #"""
        CREATE TABLE product_assortment (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX product_assortment_company_id ON product_assortment (company_id);
        CREATE TABLE product_assortment_template_rel (
            assortment_id bigint NOT NULL REFERENCES product_assortment (id) ON DELETE CASCADE,
            template_id bigint NOT NULL REFERENCES product_template (id) ON DELETE CASCADE,
            PRIMARY KEY (assortment_id, template_id)
        );
        CREATE INDEX product_assortment_template_rel_template ON product_assortment_template_rel (template_id);
        CREATE TABLE product_assortment_company_rel (
            assortment_id bigint NOT NULL REFERENCES product_assortment (id) ON DELETE CASCADE,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
            PRIMARY KEY (assortment_id, company_id)
        );
        CREATE INDEX product_assortment_company_rel_company ON product_assortment_company_rel (company_id);

        CREATE FUNCTION chainstore_assortment_products_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM chainstore_bump_variants(ARRAY(SELECT v.id FROM product_product v JOIN changed c ON c.template_id = v.product_tmpl_id));
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_assortment_template_added AFTER INSERT ON product_assortment_template_rel
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_assortment_products_version();
        CREATE TRIGGER product_assortment_template_removed AFTER DELETE ON product_assortment_template_rel
            REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_assortment_products_version();

        -- A store joining or leaving an assortment (or the assortment switched on or off)
        -- changes that store's whole catalogue, not any product's: it is logged per store, and
        -- a till asking for changes since an older version is told to download again.
        CREATE TABLE product_assortment_store_change (
            company_id bigint NOT NULL,
            version bigint NOT NULL DEFAULT nextval('catalogue_version_seq')
        );
        CREATE INDEX product_assortment_store_change_company ON product_assortment_store_change (company_id, version);
        CREATE FUNCTION chainstore_assortment_store_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_TABLE_NAME = 'product_assortment' THEN
                INSERT INTO product_assortment_store_change (company_id)
                    SELECT r.company_id FROM product_assortment_company_rel r WHERE r.assortment_id = NEW.id;
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO product_assortment_store_change (company_id) VALUES (OLD.company_id);
            ELSE
                INSERT INTO product_assortment_store_change (company_id) VALUES (NEW.company_id);
            END IF;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_assortment_company_changed AFTER INSERT OR DELETE ON product_assortment_company_rel
            FOR EACH ROW EXECUTE FUNCTION chainstore_assortment_store_change();
        CREATE TRIGGER product_assortment_switched AFTER UPDATE OF active ON product_assortment
            FOR EACH ROW WHEN (OLD.active IS DISTINCT FROM NEW.active) EXECUTE FUNCTION chainstore_assortment_store_change();

        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT 'product.assortment user', 'product.assortment', 1, true, false, false, false
            UNION ALL
            SELECT 'product.assortment catalogue manager', 'product.assortment', g.id, true, true, true, true
                FROM res_groups g WHERE g.xmlid IN ('product.group_catalogue_manager', 'base.group_system');
        """#)
}
