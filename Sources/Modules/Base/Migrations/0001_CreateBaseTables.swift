import ChainstoreCore

extension Migration {
    static let createBaseTables = Migration("0001_create_base_tables", sql: #"""
        -- Keeps parent_path ("1/4/17/") for tables with a parent_id, refuses cycles, and moves
        -- a whole subtree when its root changes parent.
        CREATE FUNCTION chainstore_parent_path() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            parent_path_value text;
        BEGIN
            IF NEW.parent_id IS NULL THEN
                NEW.parent_path := NEW.id || '/';
            ELSE
                EXECUTE format('SELECT parent_path FROM %I WHERE id = $1', TG_TABLE_NAME) INTO parent_path_value USING NEW.parent_id;
                IF parent_path_value IS NULL THEN
                    RAISE foreign_key_violation USING MESSAGE = 'parent does not exist', CONSTRAINT = TG_TABLE_NAME || '_parent_id_fkey';
                END IF;
                IF TG_OP = 'UPDATE' AND parent_path_value LIKE OLD.parent_path || '%' THEN
                    RAISE check_violation USING MESSAGE = 'recursive hierarchy', CONSTRAINT = TG_TABLE_NAME || '_no_recursion';
                END IF;
                NEW.parent_path := parent_path_value || NEW.id || '/';
            END IF;
            IF TG_OP = 'UPDATE' AND NEW.parent_path IS DISTINCT FROM OLD.parent_path THEN
                EXECUTE format('UPDATE %I SET parent_path = $1 || substr(parent_path, length($2) + 1) WHERE parent_path LIKE $2 || ''%%'' AND id <> $3', TG_TABLE_NAME)
                    USING NEW.parent_path, OLD.parent_path, NEW.id;
            END IF;
            RETURN NEW;
        END
        $fn$;

        CREATE TABLE res_company (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            parent_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            parent_path text,
            sequence integer DEFAULT 10,
            email text, phone text, vat text,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX res_company_parent_path ON res_company (parent_path text_pattern_ops);
        CREATE INDEX res_company_parent_id ON res_company (parent_id);
        CREATE TRIGGER res_company_parent_path BEFORE INSERT OR UPDATE OF parent_id ON res_company
            FOR EACH ROW EXECUTE FUNCTION chainstore_parent_path();

        CREATE TABLE res_partner_category (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            color integer,
            parent_id bigint REFERENCES res_partner_category (id) ON DELETE CASCADE,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );

        CREATE TABLE res_partner (
            id bigserial PRIMARY KEY,
            name text,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            parent_id bigint REFERENCES res_partner (id) ON DELETE SET NULL,
            is_company boolean NOT NULL DEFAULT false,
            ref text, email text, phone text, street text, city text, zip text, vat text,
            comment text,
            date date,
            credit_limit numeric(16, 2),
            type text,
            image_1920 bytea,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX res_partner_company_id ON res_partner (company_id);
        CREATE INDEX res_partner_parent_id ON res_partner (parent_id);
        CREATE INDEX res_partner_name ON res_partner (name);
        CREATE INDEX res_partner_ref ON res_partner (ref);

        CREATE TABLE res_partner_res_partner_category_rel (
            partner_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE CASCADE,
            category_id bigint NOT NULL REFERENCES res_partner_category (id) ON DELETE CASCADE,
            PRIMARY KEY (partner_id, category_id)
        );
        CREATE INDEX res_partner_res_partner_category_rel_category ON res_partner_res_partner_category_rel (category_id);

        CREATE TABLE res_groups (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            xmlid text NOT NULL UNIQUE,
            comment text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );

        CREATE TABLE res_users (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            login text NOT NULL,
            password text,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            email text,
            lang text, tz text,
            share boolean NOT NULL DEFAULT false,
            login_date timestamptz,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT res_users_login_key UNIQUE (login)
        );
        CREATE INDEX res_users_company_id ON res_users (company_id);

        CREATE TABLE res_company_users_rel (
            user_id bigint NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
            cid bigint NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
            PRIMARY KEY (user_id, cid)
        );
        CREATE TABLE res_groups_users_rel (
            gid bigint NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
            uid bigint NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
            PRIMARY KEY (gid, uid)
        );
        CREATE INDEX res_groups_users_rel_uid ON res_groups_users_rel (uid);

        CREATE TABLE ir_model_access (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            model text NOT NULL,
            group_id bigint REFERENCES res_groups (id) ON DELETE CASCADE,
            perm_read boolean NOT NULL DEFAULT false,
            perm_write boolean NOT NULL DEFAULT false,
            perm_create boolean NOT NULL DEFAULT false,
            perm_unlink boolean NOT NULL DEFAULT false,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX ir_model_access_model ON ir_model_access (model);
        """#)
}
