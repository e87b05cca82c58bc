import ChainstoreCore

extension Migration {
    /// Price lists and their rules. A company's lists apply to it and to every company under it;
    /// the nearest company's list wins (a store's over its city's over the group's).
    static let createPricelists = Migration("0002_create_pricelists", sql: #"""
        CREATE TABLE product_pricelist (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            sequence integer NOT NULL DEFAULT 16,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX product_pricelist_company_id ON product_pricelist (company_id);

        CREATE TABLE product_pricelist_item (
            id bigserial PRIMARY KEY,
            pricelist_id bigint NOT NULL REFERENCES product_pricelist (id) ON DELETE CASCADE,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            applied_on text NOT NULL DEFAULT '3_global',
            categ_id bigint REFERENCES product_category (id) ON DELETE CASCADE,
            product_tmpl_id bigint REFERENCES product_template (id) ON DELETE CASCADE,
            product_id bigint REFERENCES product_product (id) ON DELETE CASCADE,
            min_quantity numeric(16, 3) NOT NULL DEFAULT 0,
            date_start timestamptz, date_end timestamptz,
            compute_price text NOT NULL DEFAULT 'fixed',
            fixed_price numeric(16, 2) NOT NULL DEFAULT 0,
            percent_price numeric(8, 4) NOT NULL DEFAULT 0,
            base text NOT NULL DEFAULT 'list_price',
            base_pricelist_id bigint REFERENCES product_pricelist (id) ON DELETE RESTRICT,
            price_discount numeric(8, 4) NOT NULL DEFAULT 0,
            price_surcharge numeric(16, 2) NOT NULL DEFAULT 0,
            price_round numeric(16, 4) NOT NULL DEFAULT 0,
            price_min_margin numeric(16, 2) NOT NULL DEFAULT 0,
            price_max_margin numeric(16, 2) NOT NULL DEFAULT 0,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT product_pricelist_item_target CHECK (
                (applied_on <> '0_product_variant' OR product_id IS NOT NULL)
                AND (applied_on <> '1_product' OR product_tmpl_id IS NOT NULL)
                AND (applied_on <> '2_product_category' OR categ_id IS NOT NULL)),
            CONSTRAINT product_pricelist_item_formula_base CHECK (base <> 'pricelist' OR compute_price <> 'formula' OR base_pricelist_id IS NOT NULL),
            CONSTRAINT product_pricelist_item_dates CHECK (date_start IS NULL OR date_end IS NULL OR date_start <= date_end)
        );
        CREATE INDEX product_pricelist_item_pricelist_id ON product_pricelist_item (pricelist_id);
        CREATE INDEX product_pricelist_item_company_id ON product_pricelist_item (company_id);
        CREATE INDEX product_pricelist_item_product_id ON product_pricelist_item (product_id) WHERE product_id IS NOT NULL;
        CREATE INDEX product_pricelist_item_product_tmpl_id ON product_pricelist_item (product_tmpl_id) WHERE product_tmpl_id IS NOT NULL;
        CREATE INDEX product_pricelist_item_categ_id ON product_pricelist_item (categ_id) WHERE categ_id IS NOT NULL;
        CREATE INDEX product_pricelist_item_base_pricelist_id ON product_pricelist_item (base_pricelist_id) WHERE base_pricelist_id IS NOT NULL;
        -- An item belongs to its list's company: the company rules apply to it unchanged.
        CREATE FUNCTION chainstore_pricelist_item_company() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            SELECT company_id INTO NEW.company_id FROM product_pricelist WHERE id = NEW.pricelist_id;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER product_pricelist_item_company BEFORE INSERT OR UPDATE OF pricelist_id ON product_pricelist_item
            FOR EACH ROW EXECUTE FUNCTION chainstore_pricelist_item_company();
        CREATE FUNCTION chainstore_pricelist_company() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            UPDATE product_pricelist_item SET company_id = NEW.company_id WHERE pricelist_id = NEW.id;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER product_pricelist_company AFTER UPDATE OF company_id ON product_pricelist
            FOR EACH ROW EXECUTE FUNCTION chainstore_pricelist_company();
        """#)

    /// Units, the root category, China's VAT rates, access rights and the catalogue groups.
    static let seedCatalogue = Migration("0003_seed_catalogue", sql: #"""
        INSERT INTO uom_category (id, name, create_date, write_date) VALUES (1, 'Unit', now(), now()), (2, 'Weight', now(), now());
        SELECT setval('uom_category_id_seq', 2);
        INSERT INTO uom_uom (id, name, category_id, uom_type, factor, factor_inv, rounding, create_date, write_date) VALUES
            (1, 'Units', 1, 'reference', 1, 1, 1, now(), now()),
            (2, 'Case of 24', 1, 'bigger', 1, 24, 1, now(), now()),
            (3, 'kg', 2, 'reference', 1, 1, 0.001, now(), now()),
            (4, 'g', 2, 'smaller', 1000, 1, 1, now(), now());
        SELECT setval('uom_uom_id_seq', 4);
        INSERT INTO product_category (id, name, create_date, write_date) VALUES (1, 'All', now(), now());
        SELECT setval('product_category_id_seq', 1);
        INSERT INTO account_tax (id, name, description, amount, type_tax_use, price_include, company_id, create_date, write_date) VALUES
            (1, 'VAT 13% (incl.)', '13%', 13, 'sale', true, 1, now(), now()),
            (2, 'VAT 9% (incl.)', '9%', 9, 'sale', true, 1, now(), now()),
            (3, 'VAT 6% (incl.)', '6%', 6, 'sale', true, 1, now(), now()),
            (4, 'VAT 0%', '0%', 0, 'sale', true, 1, now(), now()),
            (5, 'Input VAT 13%', '13%', 13, 'purchase', false, 1, now(), now()),
            (6, 'Input VAT 9%', '9%', 9, 'purchase', false, 1, now(), now());
        SELECT setval('account_tax_id_seq', 6);
        INSERT INTO product_pricelist (id, name, sequence, company_id, create_date, write_date) VALUES (1, 'Group Prices', 1, 1, now(), now());
        SELECT setval('product_pricelist_id_seq', 1);
        INSERT INTO res_groups (name, xmlid) VALUES
            ('Catalogue / Manager', 'product.group_catalogue_manager'),
            ('Pricing / Manager', 'product.group_pricing_manager');
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date) VALUES
            ('uom', 'product_uom_categ_unit', 'uom.category', 1, true, now(), now()),
            ('uom', 'product_uom_categ_kgm', 'uom.category', 2, true, now(), now()),
            ('uom', 'product_uom_unit', 'uom.uom', 1, true, now(), now()),
            ('uom', 'product_uom_case24', 'uom.uom', 2, true, now(), now()),
            ('uom', 'product_uom_kgm', 'uom.uom', 3, true, now(), now()),
            ('uom', 'product_uom_gram', 'uom.uom', 4, true, now(), now()),
            ('product', 'product_category_all', 'product.category', 1, true, now(), now()),
            ('product', 'list0', 'product.pricelist', 1, true, now(), now()),
            ('account', 'tax_vat_13_incl', 'account.tax', 1, true, now(), now()),
            ('account', 'tax_vat_9_incl', 'account.tax', 2, true, now(), now()),
            ('account', 'tax_vat_6_incl', 'account.tax', 3, true, now(), now()),
            ('account', 'tax_vat_0', 'account.tax', 4, true, now(), now());
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'product', substr(xmlid, 9), 'res.groups', id, true, now(), now() FROM res_groups WHERE xmlid LIKE 'product.%';
        -- Everyone reads the catalogue; catalogue managers change it; pricing managers change
        -- price lists (their own company's, by the company rules).
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false FROM unnest(ARRAY['uom.category', 'uom.uom', 'product.category', 'account.tax',
                'product.template', 'product.product', 'product.attribute', 'product.attribute.value', 'product.template.attribute.line',
                'product.template.attribute.value', 'product.packaging', 'product.supplierinfo', 'product.pricelist', 'product.pricelist.item']) m
            UNION ALL
            SELECT m || ' catalogue manager', m, g.id, true, true, true, true FROM unnest(ARRAY['uom.category', 'uom.uom', 'product.category',
                'account.tax', 'product.template', 'product.product', 'product.attribute', 'product.attribute.value',
                'product.template.attribute.line', 'product.template.attribute.value', 'product.packaging', 'product.supplierinfo']) m,
                res_groups g WHERE g.xmlid IN ('product.group_catalogue_manager', 'base.group_system')
            UNION ALL
            SELECT m || ' pricing manager', m, g.id, true, true, true, true FROM unnest(ARRAY['product.pricelist', 'product.pricelist.item']) m,
                res_groups g WHERE g.xmlid IN ('product.group_pricing_manager', 'base.group_system');
        """#)
}
