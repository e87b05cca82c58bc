import ChainstoreCore

extension Migration {
    /// Currencies, countries and their states with Odoo 17's fields and external ids (`base.CNY`,
    /// `base.cn`, `base.state_cn_GD`), the address fields partners and companies share, and a
    /// company's currency and country (a new company takes its parent's, the group's is CNY and
    /// China). China and its 34 provincial divisions are seeded here with Odoo's codes; the rest
    /// of ISO 3166 and ISO 4217 is loaded from the system's iso-codes files (`Geography`).
    static let geography = Migration("0010_geography", sql: #"""
        CREATE TABLE res_currency (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            full_name text,
            symbol text NOT NULL DEFAULT '',
            iso_numeric integer,
            rounding numeric NOT NULL DEFAULT 0.01,
            decimal_places integer NOT NULL DEFAULT 2,
            position text NOT NULL DEFAULT 'before',
            currency_unit_label text,
            currency_subunit_label text,
            active boolean NOT NULL DEFAULT false,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT res_currency_unique_name UNIQUE (name),
            CONSTRAINT res_currency_rounding_gt_zero CHECK (rounding > 0),
            CONSTRAINT res_currency_position CHECK (position IN ('after', 'before'))
        );
        CREATE INDEX res_currency_order ON res_currency (active DESC, name, id);
        CREATE TABLE res_country (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            code text NOT NULL,
            phone_code integer,
            currency_id bigint REFERENCES res_currency (id) ON DELETE SET NULL,
            address_format text,
            name_position text NOT NULL DEFAULT 'before',
            vat_label text,
            zip_required boolean NOT NULL DEFAULT true,
            state_required boolean NOT NULL DEFAULT false,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT res_country_code_uniq UNIQUE (code),
            CONSTRAINT res_country_name_position CHECK (name_position IN ('before', 'after'))
        );
        CREATE INDEX res_country_order ON res_country (name, id);
        CREATE INDEX res_country_currency_id ON res_country (currency_id);
        CREATE TABLE res_country_state (
            id bigserial PRIMARY KEY,
            country_id bigint NOT NULL REFERENCES res_country (id) ON DELETE RESTRICT,
            name text NOT NULL,
            code text NOT NULL,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT res_country_state_name_code_uniq UNIQUE (country_id, code)
        );
        CREATE INDEX res_country_state_order ON res_country_state (country_id, code, id);

        ALTER TABLE res_partner
            ADD COLUMN street2 text, ADD COLUMN website text, ADD COLUMN function text, ADD COLUMN lang text, ADD COLUMN tz text,
            ADD COLUMN color integer NOT NULL DEFAULT 0,
            ADD COLUMN country_id bigint REFERENCES res_country (id) ON DELETE RESTRICT,
            ADD COLUMN state_id bigint REFERENCES res_country_state (id) ON DELETE RESTRICT,
            ADD COLUMN user_id bigint REFERENCES res_users (id) ON DELETE SET NULL;
        CREATE INDEX res_partner_country_id ON res_partner (country_id);
        CREATE INDEX res_partner_state_id ON res_partner (state_id);
        CREATE INDEX res_partner_user_id ON res_partner (user_id);
        ALTER TABLE res_company
            ADD COLUMN street2 text, ADD COLUMN website text, ADD COLUMN mobile text,
            ADD COLUMN currency_id bigint REFERENCES res_currency (id) ON DELETE RESTRICT,
            ADD COLUMN country_id bigint REFERENCES res_country (id) ON DELETE RESTRICT,
            ADD COLUMN state_id bigint REFERENCES res_country_state (id) ON DELETE RESTRICT;
        CREATE INDEX res_company_currency_id ON res_company (currency_id);
        CREATE INDEX res_company_country_id ON res_company (country_id);
        CREATE INDEX res_company_state_id ON res_company (state_id);

        INSERT INTO res_currency (name, full_name, symbol, iso_numeric, rounding, decimal_places, position, currency_unit_label,
                                  currency_subunit_label, active, create_date, write_date)
            VALUES ('CNY', 'Yuan Renminbi', '¥', 156, 0.01, 2, 'before', 'Yuan', 'Fen', true, now(), now());
        INSERT INTO res_country (name, code, phone_code, currency_id, zip_required, state_required, create_date, write_date)
            SELECT 'China', 'CN', 86, id, true, true, now(), now() FROM res_currency WHERE name = 'CNY';
        INSERT INTO res_country_state (country_id, name, code, create_date, write_date)
            SELECT c.id, s.name, s.code, now(), now() FROM res_country c, (VALUES
                ('AH', 'Anhui'), ('BJ', 'Beijing'), ('CQ', 'Chongqing'), ('FJ', 'Fujian'), ('GD', 'Guangdong'), ('GS', 'Gansu'),
                ('GX', 'Guangxi'), ('GZ', 'Guizhou'), ('HA', 'Henan'), ('HB', 'Hubei'), ('HE', 'Hebei'), ('HI', 'Hainan'),
                ('HK', 'Hong Kong'), ('HL', 'Heilongjiang'), ('HN', 'Hunan'), ('JL', 'Jilin'), ('JS', 'Jiangsu'), ('JX', 'Jiangxi'),
                ('LN', 'Liaoning'), ('MO', 'Macao'), ('NM', 'Inner Mongolia'), ('NX', 'Ningxia'), ('QH', 'Qinghai'), ('SC', 'Sichuan'),
                ('SD', 'Shandong'), ('SH', 'Shanghai'), ('SN', 'Shaanxi'), ('SX', 'Shanxi'), ('TJ', 'Tianjin'), ('TW', 'Taiwan'),
                ('XJ', 'Xinjiang'), ('XZ', 'Tibet'), ('YN', 'Yunnan'), ('ZJ', 'Zhejiang')) s(code, name)
            WHERE c.code = 'CN';
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'base', 'CNY', 'res.currency', id, true, now(), now() FROM res_currency WHERE name = 'CNY'
            UNION ALL SELECT 'base', 'cn', 'res.country', id, true, now(), now() FROM res_country WHERE code = 'CN'
            UNION ALL SELECT 'base', 'state_cn_' || code, 'res.country.state', id, true, now(), now() FROM res_country_state;

        -- The group trades in yuan, in Guangdong; a company takes its parent's currency and country
        -- unless it is given its own.
        UPDATE res_company SET currency_id = (SELECT id FROM res_currency WHERE name = 'CNY'),
            country_id = (SELECT id FROM res_country WHERE code = 'CN'),
            state_id = (SELECT s.id FROM res_country_state s JOIN res_country c ON c.id = s.country_id WHERE c.code = 'CN' AND s.code = 'GD');
        CREATE FUNCTION chainstore_company_currency() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF NEW.currency_id IS NULL THEN
                NEW.currency_id := coalesce((SELECT p.currency_id FROM res_company p WHERE p.id = NEW.parent_id),
                                            (SELECT id FROM res_currency WHERE name = 'CNY'));
            END IF;
            IF NEW.country_id IS NULL AND TG_OP = 'INSERT' THEN
                NEW.country_id := (SELECT p.country_id FROM res_company p WHERE p.id = NEW.parent_id);
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER res_company_currency BEFORE INSERT OR UPDATE OF currency_id ON res_company
            FOR EACH ROW EXECUTE FUNCTION chainstore_company_currency();

        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('res.currency user', 'res.currency', 1, true, false, false, false),
            ('res.currency admin', 'res.currency', 2, true, true, true, true),
            ('res.country user', 'res.country', 1, true, false, false, false),
            ('res.country admin', 'res.country', 2, true, true, true, true),
            ('res.country.state user', 'res.country.state', 1, true, false, false, false),
            ('res.country.state admin', 'res.country.state', 2, true, true, true, true);
        """#)
}
