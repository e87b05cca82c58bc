import ChainstoreCore

extension Migration {
    /// Catalogue versions and change notices.
    ///
    /// Every variant carries `catalogue_version`, taken from one sequence whenever anything a
    /// till shows about it changes: the variant, its template, its taxes, its cases, or a price
    /// rule that reaches it. A POS downloads the catalogue once, then asks only for variants
    /// above the version it has.
    ///
    /// Slow-changing data that nodes cache (price lists and rules, taxes, categories, units,
    /// the company tree) announce changes on the channel `chainstore_catalogue`, with the table
    /// name as payload, so every node drops what it cached.
    static let catalogueVersions = Migration("0004_catalogue_versions", sql: #"""
        CREATE SEQUENCE catalogue_version_seq;
        ALTER TABLE product_product ADD COLUMN catalogue_version bigint NOT NULL DEFAULT 0;
        UPDATE product_product SET catalogue_version = nextval('catalogue_version_seq');
        CREATE INDEX product_product_catalogue_version ON product_product (catalogue_version);

        CREATE FUNCTION chainstore_variant_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            NEW.catalogue_version := nextval('catalogue_version_seq');
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER product_product_version BEFORE INSERT OR UPDATE ON product_product
            FOR EACH ROW EXECUTE FUNCTION chainstore_variant_version();

        -- Moves the version of the variants a change reaches (the trigger above numbers them).
        CREATE FUNCTION chainstore_bump_variants(variant_ids bigint[]) RETURNS void LANGUAGE sql AS $fn$
            UPDATE product_product SET catalogue_version = 0 WHERE id = ANY(variant_ids)
        $fn$;

        CREATE FUNCTION chainstore_template_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM chainstore_bump_variants(ARRAY(SELECT v.id FROM product_product v JOIN changed c ON c.id = v.product_tmpl_id));
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_template_version AFTER UPDATE ON product_template
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_template_version();

        CREATE FUNCTION chainstore_taxes_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM chainstore_bump_variants(ARRAY(SELECT v.id FROM product_product v JOIN changed c ON c.prod_id = v.product_tmpl_id));
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_taxes_rel_added AFTER INSERT ON product_taxes_rel
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_taxes_version();
        CREATE TRIGGER product_taxes_rel_removed AFTER DELETE ON product_taxes_rel
            REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_taxes_version();

        CREATE FUNCTION chainstore_packaging_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM chainstore_bump_variants(ARRAY(SELECT DISTINCT product_id FROM changed));
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_packaging_added AFTER INSERT ON product_packaging
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_packaging_version();
        CREATE TRIGGER product_packaging_changed AFTER UPDATE ON product_packaging
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_packaging_version();
        CREATE TRIGGER product_packaging_removed AFTER DELETE ON product_packaging
            REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_packaging_version();

        -- A price rule reaches its variant, its template's variants, its category's subtree or everything.
        CREATE FUNCTION chainstore_rule_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM chainstore_bump_variants(ARRAY(
                SELECT i.product_id FROM changed i WHERE i.applied_on = '0_product_variant'
                UNION SELECT v.id FROM changed i JOIN product_product v ON v.product_tmpl_id = i.product_tmpl_id WHERE i.applied_on = '1_product'
                UNION SELECT v.id FROM changed i JOIN product_category ic ON ic.id = i.categ_id
                    JOIN product_category c ON c.parent_path LIKE ic.parent_path || '%'
                    JOIN product_template t ON t.categ_id = c.id JOIN product_product v ON v.product_tmpl_id = t.id
                    WHERE i.applied_on = '2_product_category'
                UNION SELECT v.id FROM product_product v WHERE EXISTS (SELECT 1 FROM changed i WHERE i.applied_on = '3_global')));
            PERFORM pg_notify('chainstore_catalogue', 'product_pricelist_item');
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_pricelist_item_added AFTER INSERT ON product_pricelist_item
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_rule_version();
        CREATE TRIGGER product_pricelist_item_changed_before AFTER UPDATE ON product_pricelist_item
            REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_rule_version();
        CREATE TRIGGER product_pricelist_item_changed_after AFTER UPDATE ON product_pricelist_item
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_rule_version();
        CREATE TRIGGER product_pricelist_item_removed AFTER DELETE ON product_pricelist_item
            REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_rule_version();

        -- A list switched on or off, or moved to another company, changes every price it sets.
        CREATE FUNCTION chainstore_pricelist_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'UPDATE' AND (NEW.active IS DISTINCT FROM OLD.active OR NEW.company_id IS DISTINCT FROM OLD.company_id) THEN
                UPDATE product_pricelist_item SET min_quantity = min_quantity WHERE pricelist_id = NEW.id;
            END IF;
            PERFORM pg_notify('chainstore_catalogue', 'product_pricelist');
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_pricelist_notice AFTER INSERT OR UPDATE OR DELETE ON product_pricelist
            FOR EACH ROW EXECUTE FUNCTION chainstore_pricelist_version();

        -- Taxes: their rate changes every variant that carries them.
        CREATE FUNCTION chainstore_tax_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM chainstore_bump_variants(ARRAY(SELECT v.id FROM product_product v JOIN product_taxes_rel r ON r.prod_id = v.product_tmpl_id
                JOIN changed c ON c.id = r.tax_id));
            PERFORM pg_notify('chainstore_catalogue', 'account_tax');
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER account_tax_changed AFTER UPDATE ON account_tax
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_tax_version();

        CREATE FUNCTION chainstore_catalogue_notice() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM pg_notify('chainstore_catalogue', TG_TABLE_NAME);
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER account_tax_notice AFTER INSERT OR DELETE ON account_tax
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_catalogue_notice();
        CREATE TRIGGER product_category_notice AFTER INSERT OR UPDATE OR DELETE ON product_category
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_catalogue_notice();
        CREATE TRIGGER uom_uom_notice AFTER INSERT OR UPDATE OR DELETE ON uom_uom
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_catalogue_notice();
        CREATE TRIGGER res_company_notice AFTER INSERT OR UPDATE OF parent_id, active OR DELETE ON res_company
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_catalogue_notice();
        """#)
}
