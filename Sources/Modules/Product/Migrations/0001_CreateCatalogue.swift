import ChainstoreCore

extension Migration {
    /// Units, categories, taxes, products and variants, packagings, supplier prices.
    static let createCatalogue = Migration("0001_create_catalogue", sql: #"""
        CREATE TABLE uom_category (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        -- factor: units of this unit per reference unit (g: 1000 per kg); factor_inv its inverse
        -- (a case of 24: 24 units). The one given is exact; the trigger derives the other.
        CREATE TABLE uom_uom (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            category_id bigint NOT NULL REFERENCES uom_category (id) ON DELETE RESTRICT,
            uom_type text NOT NULL DEFAULT 'reference',
            factor numeric NOT NULL DEFAULT 1 CHECK (factor > 0),
            factor_inv numeric NOT NULL DEFAULT 1 CHECK (factor_inv > 0),
            rounding numeric NOT NULL DEFAULT 0.01 CHECK (rounding > 0),
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX uom_uom_category_id ON uom_uom (category_id);
        CREATE UNIQUE INDEX uom_uom_one_reference ON uom_uom (category_id) WHERE uom_type = 'reference' AND active;
        CREATE FUNCTION chainstore_uom_factors() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF NEW.uom_type = 'reference' THEN
                NEW.factor := 1; NEW.factor_inv := 1;
            ELSIF NEW.uom_type = 'bigger' THEN
                NEW.factor := round(1 / NEW.factor_inv, 12);
            ELSE
                NEW.factor_inv := round(1 / NEW.factor, 12);
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER uom_uom_factors BEFORE INSERT OR UPDATE ON uom_uom FOR EACH ROW EXECUTE FUNCTION chainstore_uom_factors();
        -- Quantity in `from_uom` expressed in `to_uom` (same category), exact for bigger units.
        CREATE FUNCTION chainstore_uom_convert(qty numeric, from_uom bigint, to_uom bigint) RETURNS numeric
        LANGUAGE sql STABLE AS $fn$
            SELECT CASE WHEN from_uom = to_uom THEN qty ELSE
                qty * (CASE WHEN f.uom_type = 'bigger' THEN f.factor_inv ELSE 1 / f.factor END)
                    / (CASE WHEN t.uom_type = 'bigger' THEN t.factor_inv ELSE 1 / t.factor END) END
            FROM uom_uom f, uom_uom t WHERE f.id = from_uom AND t.id = to_uom
        $fn$;

        -- complete_name "All / Saleable / Drinks", kept with the tree like parent_path.
        CREATE FUNCTION chainstore_complete_name() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            parent_name text;
        BEGIN
            IF NEW.parent_id IS NULL THEN
                NEW.complete_name := NEW.name;
            ELSE
                EXECUTE format('SELECT complete_name FROM %I WHERE id = $1', TG_TABLE_NAME) INTO parent_name USING NEW.parent_id;
                NEW.complete_name := parent_name || ' / ' || NEW.name;
            END IF;
            IF TG_OP = 'UPDATE' AND NEW.complete_name IS DISTINCT FROM OLD.complete_name THEN
                EXECUTE format('UPDATE %I SET complete_name = $1 || substr(complete_name, length($2) + 1) WHERE parent_path LIKE $3 || ''%%'' AND id <> $4', TG_TABLE_NAME)
                    USING NEW.complete_name, OLD.complete_name, OLD.parent_path, NEW.id;
            END IF;
            RETURN NEW;
        END
        $fn$;

        CREATE TABLE product_category (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            complete_name text,
            parent_id bigint REFERENCES product_category (id) ON DELETE CASCADE,
            parent_path text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX product_category_parent_id ON product_category (parent_id);
        CREATE INDEX product_category_parent_path ON product_category (parent_path text_pattern_ops);
        CREATE INDEX product_category_complete_name ON product_category (complete_name);
        CREATE INDEX product_category_name ON product_category (name);
        CREATE TRIGGER product_category_parent_path BEFORE INSERT OR UPDATE OF parent_id ON product_category
            FOR EACH ROW EXECUTE FUNCTION chainstore_parent_path();
        CREATE TRIGGER product_category_complete_name BEFORE INSERT OR UPDATE OF name, parent_id ON product_category
            FOR EACH ROW EXECUTE FUNCTION chainstore_complete_name();

        CREATE TABLE account_tax (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            description text,
            sequence integer NOT NULL DEFAULT 1,
            amount numeric(16, 4) NOT NULL DEFAULT 0,
            amount_type text NOT NULL DEFAULT 'percent',
            type_tax_use text NOT NULL DEFAULT 'sale',
            price_include boolean NOT NULL DEFAULT false,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX account_tax_company_id ON account_tax (company_id);

        CREATE TABLE product_template (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            sequence integer NOT NULL DEFAULT 1,
            description text, description_sale text, description_purchase text,
            detailed_type text NOT NULL DEFAULT 'consu',
            type text NOT NULL DEFAULT 'consu',
            categ_id bigint NOT NULL REFERENCES product_category (id) ON DELETE RESTRICT,
            list_price numeric(16, 2) NOT NULL DEFAULT 1,
            standard_price numeric(16, 4) NOT NULL DEFAULT 0,
            uom_id bigint NOT NULL REFERENCES uom_uom (id) ON DELETE RESTRICT,
            uom_po_id bigint NOT NULL REFERENCES uom_uom (id) ON DELETE RESTRICT,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            sale_ok boolean NOT NULL DEFAULT true,
            purchase_ok boolean NOT NULL DEFAULT true,
            available_in_pos boolean NOT NULL DEFAULT true,
            to_weight boolean NOT NULL DEFAULT false,
            priority text NOT NULL DEFAULT '0',
            weight numeric(16, 3), volume numeric(16, 4),
            tracking text NOT NULL DEFAULT 'none',
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX product_template_name ON product_template (name);
        CREATE INDEX product_template_categ_id ON product_template (categ_id);
        CREATE INDEX product_template_company_id ON product_template (company_id);
        CREATE INDEX product_template_uom_id ON product_template (uom_id);
        CREATE INDEX product_template_uom_po_id ON product_template (uom_po_id);
        CREATE TABLE product_taxes_rel (
            prod_id bigint NOT NULL REFERENCES product_template (id) ON DELETE CASCADE,
            tax_id bigint NOT NULL REFERENCES account_tax (id) ON DELETE CASCADE,
            PRIMARY KEY (prod_id, tax_id)
        );
        CREATE INDEX product_taxes_rel_tax ON product_taxes_rel (tax_id);
        CREATE TABLE product_supplier_taxes_rel (
            prod_id bigint NOT NULL REFERENCES product_template (id) ON DELETE CASCADE,
            tax_id bigint NOT NULL REFERENCES account_tax (id) ON DELETE CASCADE,
            PRIMARY KEY (prod_id, tax_id)
        );
        CREATE INDEX product_supplier_taxes_rel_tax ON product_supplier_taxes_rel (tax_id);

        CREATE TABLE product_attribute (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            sequence integer NOT NULL DEFAULT 20,
            display_type text NOT NULL DEFAULT 'radio',
            create_variant text NOT NULL DEFAULT 'always',
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE TABLE product_attribute_value (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            attribute_id bigint NOT NULL REFERENCES product_attribute (id) ON DELETE CASCADE,
            sequence integer NOT NULL DEFAULT 10,
            html_color text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT product_attribute_value_value_company_uniq UNIQUE (attribute_id, name)
        );
        CREATE TABLE product_template_attribute_line (
            id bigserial PRIMARY KEY,
            product_tmpl_id bigint NOT NULL REFERENCES product_template (id) ON DELETE CASCADE,
            attribute_id bigint NOT NULL REFERENCES product_attribute (id) ON DELETE RESTRICT,
            sequence integer NOT NULL DEFAULT 10,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT product_template_attribute_line_unique UNIQUE (product_tmpl_id, attribute_id)
        );
        CREATE INDEX product_template_attribute_line_attribute_id ON product_template_attribute_line (attribute_id);
        CREATE TABLE product_attribute_value_product_template_attribute_line_rel (
            product_template_attribute_line_id bigint NOT NULL REFERENCES product_template_attribute_line (id) ON DELETE CASCADE,
            product_attribute_value_id bigint NOT NULL REFERENCES product_attribute_value (id) ON DELETE CASCADE,
            PRIMARY KEY (product_template_attribute_line_id, product_attribute_value_id)
        );
        CREATE INDEX product_attribute_value_line_rel_value ON product_attribute_value_product_template_attribute_line_rel (product_attribute_value_id);
        CREATE TABLE product_template_attribute_value (
            id bigserial PRIMARY KEY,
            product_attribute_value_id bigint NOT NULL REFERENCES product_attribute_value (id) ON DELETE CASCADE,
            attribute_line_id bigint NOT NULL REFERENCES product_template_attribute_line (id) ON DELETE CASCADE,
            product_tmpl_id bigint NOT NULL REFERENCES product_template (id) ON DELETE CASCADE,
            attribute_id bigint NOT NULL REFERENCES product_attribute (id) ON DELETE CASCADE,
            price_extra numeric(16, 2) NOT NULL DEFAULT 0,
            ptav_active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT product_template_attribute_value_unique UNIQUE (attribute_line_id, product_attribute_value_id)
        );
        CREATE INDEX product_template_attribute_value_product_tmpl_id ON product_template_attribute_value (product_tmpl_id);
        CREATE INDEX product_template_attribute_value_value ON product_template_attribute_value (product_attribute_value_id);
        CREATE INDEX product_template_attribute_value_attribute_id ON product_template_attribute_value (attribute_id);

        -- Barcodes are unique within the group; gtin14 is the scanned GTIN's canonical form.
        CREATE TABLE product_product (
            id bigserial PRIMARY KEY,
            product_tmpl_id bigint NOT NULL REFERENCES product_template (id) ON DELETE CASCADE,
            default_code text,
            barcode text,
            combination_indices text NOT NULL DEFAULT '',
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX product_product_product_tmpl_id ON product_product (product_tmpl_id);
        CREATE UNIQUE INDEX product_product_barcode ON product_product (barcode);
        CREATE INDEX product_product_default_code ON product_product (default_code text_pattern_ops);
        CREATE UNIQUE INDEX product_product_combination_unique ON product_product (product_tmpl_id, combination_indices) WHERE active;
        CREATE TABLE product_variant_combination (
            product_product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE CASCADE,
            product_template_attribute_value_id bigint NOT NULL REFERENCES product_template_attribute_value (id) ON DELETE RESTRICT,
            PRIMARY KEY (product_product_id, product_template_attribute_value_id)
        );
        CREATE INDEX product_variant_combination_value ON product_variant_combination (product_template_attribute_value_id);

        CREATE TABLE product_packaging (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            sequence integer NOT NULL DEFAULT 1,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE CASCADE,
            qty numeric(16, 3) NOT NULL CHECK (qty > 0),
            barcode text,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX product_packaging_product_id ON product_packaging (product_id);
        CREATE UNIQUE INDEX product_packaging_barcode ON product_packaging (barcode);
        CREATE INDEX product_packaging_company_id ON product_packaging (company_id);

        CREATE TABLE product_supplierinfo (
            id bigserial PRIMARY KEY,
            partner_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE CASCADE,
            product_name text, product_code text,
            sequence integer NOT NULL DEFAULT 1,
            product_tmpl_id bigint REFERENCES product_template (id) ON DELETE CASCADE,
            product_id bigint REFERENCES product_product (id) ON DELETE CASCADE,
            min_qty numeric(16, 3) NOT NULL DEFAULT 0,
            price numeric(16, 4) NOT NULL DEFAULT 0,
            delay integer NOT NULL DEFAULT 1,
            date_start date, date_end date,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX product_supplierinfo_partner_id ON product_supplierinfo (partner_id);
        CREATE INDEX product_supplierinfo_product_tmpl_id ON product_supplierinfo (product_tmpl_id);
        CREATE INDEX product_supplierinfo_product_id ON product_supplierinfo (product_id);
        CREATE INDEX product_supplierinfo_company_id ON product_supplierinfo (company_id);
        """#)
}
