import ChainstoreCore

extension Migration {
    /// Tills, sessions, orders, lines, payments and payment methods with Odoo 17's columns. One
    /// session not closed per till (a partial unique index, as Odoo's `_check_pos_config`); an
    /// order's key unique per company (the till's UUID: one order per key, whatever is resent).
    static let createPOS = Migration("0001_create_pos", sql: #"""
        CREATE TABLE pos_payment_method (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            sequence integer NOT NULL DEFAULT 10,
            active boolean NOT NULL DEFAULT true,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            type text NOT NULL DEFAULT 'bank' CHECK (type IN ('cash', 'bank', 'pay_later')),
            payment_channel text CHECK (payment_channel IN ('wechat', 'alipay')),
            split_transactions boolean NOT NULL DEFAULT false,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX pos_payment_method_company_id ON pos_payment_method (company_id);
        CREATE INDEX pos_payment_method_order ON pos_payment_method (sequence, id);

        CREATE TABLE pos_config (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            active boolean NOT NULL DEFAULT true,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            warehouse_id bigint REFERENCES stock_warehouse (id) ON DELETE RESTRICT,
            picking_type_id bigint REFERENCES stock_picking_type (id) ON DELETE RESTRICT,
            pricelist_id bigint REFERENCES product_pricelist (id) ON DELETE RESTRICT,
            receipt_header text,
            receipt_footer text,
            iface_tax_included text NOT NULL DEFAULT 'total' CHECK (iface_tax_included IN ('subtotal', 'total')),
            manual_discount boolean NOT NULL DEFAULT true,
            self_ordering_mode text NOT NULL DEFAULT 'nothing' CHECK (self_ordering_mode IN ('nothing', 'consultation', 'mobile', 'kiosk')),
            uuid text NOT NULL DEFAULT gen_random_uuid()::text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX pos_config_company_id ON pos_config (company_id);
        CREATE INDEX pos_config_warehouse_id ON pos_config (warehouse_id);
        CREATE INDEX pos_config_picking_type_id ON pos_config (picking_type_id);
        CREATE INDEX pos_config_pricelist_id ON pos_config (pricelist_id);
        CREATE TABLE pos_config_pos_payment_method_rel (
            pos_config_id bigint NOT NULL REFERENCES pos_config (id) ON DELETE CASCADE,
            pos_payment_method_id bigint NOT NULL REFERENCES pos_payment_method (id) ON DELETE CASCADE,
            PRIMARY KEY (pos_config_id, pos_payment_method_id)
        );
        CREATE INDEX pos_config_pos_payment_method_rel_method ON pos_config_pos_payment_method_rel (pos_payment_method_id);

        CREATE SEQUENCE pos_session_name_seq;
        CREATE TABLE pos_session (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'POS/' || lpad(nextval('pos_session_name_seq')::text, 5, '0'),
            config_id bigint NOT NULL REFERENCES pos_config (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            user_id bigint REFERENCES res_users (id) ON DELETE RESTRICT,
            state text NOT NULL DEFAULT 'opening_control' CHECK (state IN ('opening_control', 'opened', 'closing_control', 'closed')),
            start_at timestamptz,
            stop_at timestamptz,
            sequence_number integer NOT NULL DEFAULT 1,
            login_number integer NOT NULL DEFAULT 0,
            opening_notes text,
            closing_notes text,
            cash_register_balance_start numeric NOT NULL DEFAULT 0,
            cash_register_balance_end_real numeric,
            rescue boolean NOT NULL DEFAULT false,
            currency_id bigint REFERENCES res_currency (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT pos_session_uniq_name UNIQUE (name)
        );
        CREATE UNIQUE INDEX pos_session_one_open_per_config ON pos_session (config_id) WHERE state <> 'closed' AND NOT rescue;
        CREATE INDEX pos_session_config_id ON pos_session (config_id);
        CREATE INDEX pos_session_company_id ON pos_session (company_id);
        CREATE INDEX pos_session_user_id ON pos_session (user_id);
        CREATE INDEX pos_session_currency_id ON pos_session (currency_id);

        CREATE TABLE pos_order (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT '/',
            pos_reference text,
            uid text,
            access_token text,
            session_id bigint NOT NULL REFERENCES pos_session (id) ON DELETE RESTRICT,
            config_id bigint REFERENCES pos_config (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            user_id bigint REFERENCES res_users (id) ON DELETE RESTRICT,
            partner_id bigint REFERENCES res_partner (id) ON DELETE RESTRICT,
            pricelist_id bigint REFERENCES product_pricelist (id) ON DELETE RESTRICT,
            date_order timestamptz NOT NULL DEFAULT now(),
            sequence_number integer,
            amount_total numeric NOT NULL DEFAULT 0,
            amount_tax numeric NOT NULL DEFAULT 0,
            amount_paid numeric NOT NULL DEFAULT 0,
            amount_return numeric NOT NULL DEFAULT 0,
            currency_id bigint REFERENCES res_currency (id) ON DELETE RESTRICT,
            state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'cancel', 'paid', 'done', 'invoiced')),
            note text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE UNIQUE INDEX pos_order_key ON pos_order (company_id, access_token) WHERE access_token IS NOT NULL;
        CREATE INDEX pos_order_pos_reference ON pos_order (pos_reference);
        CREATE INDEX pos_order_date_order ON pos_order (date_order);
        CREATE INDEX pos_order_order ON pos_order (date_order DESC, name DESC, id DESC);
        CREATE INDEX pos_order_session_id ON pos_order (session_id);
        CREATE INDEX pos_order_config_id ON pos_order (config_id);
        CREATE INDEX pos_order_company_id ON pos_order (company_id);
        CREATE INDEX pos_order_user_id ON pos_order (user_id);
        CREATE INDEX pos_order_partner_id ON pos_order (partner_id);
        CREATE INDEX pos_order_pricelist_id ON pos_order (pricelist_id);
        CREATE INDEX pos_order_currency_id ON pos_order (currency_id);

        CREATE TABLE pos_order_line (
            id bigserial PRIMARY KEY,
            order_id bigint NOT NULL REFERENCES pos_order (id) ON DELETE CASCADE,
            name text,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            full_product_name text,
            qty numeric NOT NULL DEFAULT 1,
            price_unit numeric NOT NULL DEFAULT 0,
            discount numeric NOT NULL DEFAULT 0,
            price_subtotal numeric NOT NULL DEFAULT 0,
            price_subtotal_incl numeric NOT NULL DEFAULT 0,
            refunded_orderline_id bigint REFERENCES pos_order_line (id) ON DELETE RESTRICT,
            uuid text,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX pos_order_line_order_id ON pos_order_line (order_id);
        CREATE INDEX pos_order_line_product_id ON pos_order_line (product_id);
        CREATE INDEX pos_order_line_refunded_orderline_id ON pos_order_line (refunded_orderline_id);
        CREATE INDEX pos_order_line_company_id ON pos_order_line (company_id);

        CREATE TABLE pos_payment (
            id bigserial PRIMARY KEY,
            pos_order_id bigint NOT NULL REFERENCES pos_order (id) ON DELETE CASCADE,
            payment_method_id bigint NOT NULL REFERENCES pos_payment_method (id) ON DELETE RESTRICT,
            amount numeric NOT NULL,
            payment_date timestamptz NOT NULL DEFAULT now(),
            name text,
            is_change boolean NOT NULL DEFAULT false,
            card_type text,
            transaction_id text,
            payment_status text,
            session_id bigint REFERENCES pos_session (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX pos_payment_pos_order_id ON pos_payment (pos_order_id);
        CREATE INDEX pos_payment_payment_method_id ON pos_payment (payment_method_id);
        CREATE INDEX pos_payment_session_id ON pos_payment (session_id);
        CREATE INDEX pos_payment_company_id ON pos_payment (company_id);

        -- What a record's company (and till, session) is follows from its parent, as Odoo's
        -- related fields: filled here, so every way in (RPC, sync, import) agrees.
        CREATE FUNCTION pos_fill_from_parent() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_TABLE_NAME = 'pos_session' THEN
                SELECT c.company_id INTO NEW.company_id FROM pos_config c WHERE c.id = NEW.config_id;
                NEW.currency_id := coalesce(NEW.currency_id, (SELECT currency_id FROM res_company WHERE id = NEW.company_id));
                NEW.user_id := coalesce(NEW.user_id, NULLIF(current_setting('chainstore.uid', true), '')::bigint);
            ELSIF TG_TABLE_NAME = 'pos_order' THEN
                SELECT s.company_id, s.config_id, coalesce(NEW.currency_id, s.currency_id) INTO NEW.company_id, NEW.config_id, NEW.currency_id
                FROM pos_session s WHERE s.id = NEW.session_id;
            ELSIF TG_TABLE_NAME = 'pos_order_line' THEN
                SELECT o.company_id INTO NEW.company_id FROM pos_order o WHERE o.id = NEW.order_id;
            ELSIF TG_TABLE_NAME = 'pos_payment' THEN
                SELECT o.company_id, o.session_id INTO NEW.company_id, NEW.session_id FROM pos_order o WHERE o.id = NEW.pos_order_id;
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER pos_session_fill BEFORE INSERT OR UPDATE OF config_id ON pos_session FOR EACH ROW EXECUTE FUNCTION pos_fill_from_parent();
        CREATE TRIGGER pos_order_fill BEFORE INSERT OR UPDATE OF session_id ON pos_order FOR EACH ROW EXECUTE FUNCTION pos_fill_from_parent();
        CREATE TRIGGER pos_order_line_fill BEFORE INSERT OR UPDATE OF order_id ON pos_order_line FOR EACH ROW EXECUTE FUNCTION pos_fill_from_parent();
        CREATE TRIGGER pos_payment_fill BEFORE INSERT OR UPDATE OF pos_order_id ON pos_payment FOR EACH ROW EXECUTE FUNCTION pos_fill_from_parent();

        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('pos.payment.method user', 'pos.payment.method', 1, true, false, false, false),
            ('pos.payment.method admin', 'pos.payment.method', 2, true, true, true, true),
            ('pos.config user', 'pos.config', 1, true, false, false, false),
            ('pos.config admin', 'pos.config', 2, true, true, true, true),
            ('pos.session user', 'pos.session', 1, true, true, true, false),
            ('pos.session admin', 'pos.session', 2, true, true, true, true),
            ('pos.order user', 'pos.order', 1, true, true, true, false),
            ('pos.order.line user', 'pos.order.line', 1, true, true, true, false),
            ('pos.payment user', 'pos.payment', 1, true, true, true, false);
        """#)
}
