import ChainstoreCore

extension Migration {
    /// Orders and their lines in monthly partitions, by the time the server recorded them
    /// (`create_date`: set once, by the server, never by a till's clock, and the same for an order
    /// and the lines written with it), so the months being written stay small and old months can
    /// be archived by detaching them.
    ///
    /// PostgreSQL keeps a unique index per partition only, so what must be unique over all the
    /// months lives in a narrow register, `pos_order_register`, one row per order kept by triggers
    /// whatever way the order arrives: the order's id (the target of the lines', payments' and
    /// kept orders' foreign keys), its key per company (exactly-once sync) and its receipt number
    /// per session. A refund's link to the sold line is checked by a trigger (no foreign key can
    /// point into a partitioned table by id alone). Payments stay one table: a payment attempt pays
    /// for one order only, over all time.
    static let monthlyOrders = Migration("0012_monthly_orders", sql: #"""
        CREATE TABLE pos_order_register (
            order_id bigint PRIMARY KEY,
            create_date timestamptz NOT NULL,
            company_id bigint NOT NULL,
            access_token text,
            session_id bigint NOT NULL,
            session_seq integer
        );
        UPDATE pos_order SET create_date = coalesce(received_at, date_order) WHERE create_date IS NULL;
        UPDATE pos_order_line l SET create_date = o.create_date FROM pos_order o WHERE o.id = l.order_id AND l.create_date IS NULL;
        INSERT INTO pos_order_register (order_id, create_date, company_id, access_token, session_id, session_seq)
            SELECT id, create_date, company_id, access_token, session_id, session_seq FROM pos_order;
        CREATE UNIQUE INDEX pos_order_register_key ON pos_order_register (company_id, access_token) WHERE access_token IS NOT NULL;
        CREATE UNIQUE INDEX pos_order_register_session_seq ON pos_order_register (session_id, session_seq);

        ALTER TABLE pos_payment DROP CONSTRAINT pos_payment_pos_order_id_fkey;
        ALTER TABLE pos_order_conflict DROP CONSTRAINT pos_order_conflict_order_id_fkey;
        ALTER TABLE pos_order RENAME TO pos_order_unpartitioned;
        ALTER TABLE pos_order_line RENAME TO pos_order_line_unpartitioned;
        ALTER SEQUENCE pos_order_id_seq OWNED BY NONE;
        ALTER SEQUENCE pos_order_line_id_seq OWNED BY NONE;

        CREATE TABLE pos_order (LIKE pos_order_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (create_date);
        CREATE TABLE pos_order_line (LIKE pos_order_line_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (create_date);
        ALTER TABLE pos_order ALTER COLUMN create_date SET DEFAULT now(), ALTER COLUMN create_date SET NOT NULL;
        ALTER TABLE pos_order_line ALTER COLUMN create_date SET DEFAULT now(), ALTER COLUMN create_date SET NOT NULL;
        CREATE TABLE pos_order_default PARTITION OF pos_order DEFAULT;
        CREATE TABLE pos_order_line_default PARTITION OF pos_order_line DEFAULT;
        -- A partition for every month that has orders, then this month and three ahead.
        SELECT chainstore_monthly_partition(t.parent, m.month)
        FROM (SELECT DISTINCT date_trunc('month', create_date AT TIME ZONE 'UTC')::date AS month FROM pos_order_unpartitioned
              WHERE create_date < date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') m,
             (VALUES ('pos_order'), ('pos_order_line')) t(parent);
        SELECT chainstore_ensure_monthly_partitions('pos_order', 3);
        SELECT chainstore_ensure_monthly_partitions('pos_order_line', 3);
        INSERT INTO pos_order SELECT * FROM pos_order_unpartitioned;
        INSERT INTO pos_order_line SELECT * FROM pos_order_line_unpartitioned;
        DROP TABLE pos_order_line_unpartitioned, pos_order_unpartitioned;
        ALTER SEQUENCE pos_order_id_seq OWNED BY pos_order.id;
        ALTER SEQUENCE pos_order_line_id_seq OWNED BY pos_order_line.id;

        ALTER TABLE pos_order ADD CONSTRAINT pos_order_pkey PRIMARY KEY (id, create_date),
            ADD CONSTRAINT pos_order_session_id_fkey FOREIGN KEY (session_id) REFERENCES pos_session (id) ON DELETE RESTRICT,
            ADD CONSTRAINT pos_order_config_id_fkey FOREIGN KEY (config_id) REFERENCES pos_config (id) ON DELETE RESTRICT,
            ADD CONSTRAINT pos_order_company_id_fkey FOREIGN KEY (company_id) REFERENCES res_company (id) ON DELETE RESTRICT,
            ADD CONSTRAINT pos_order_user_id_fkey FOREIGN KEY (user_id) REFERENCES res_users (id) ON DELETE RESTRICT,
            ADD CONSTRAINT pos_order_partner_id_fkey FOREIGN KEY (partner_id) REFERENCES res_partner (id) ON DELETE RESTRICT,
            ADD CONSTRAINT pos_order_pricelist_id_fkey FOREIGN KEY (pricelist_id) REFERENCES product_pricelist (id) ON DELETE RESTRICT,
            ADD CONSTRAINT pos_order_currency_id_fkey FOREIGN KEY (currency_id) REFERENCES res_currency (id) ON DELETE RESTRICT,
            ADD CONSTRAINT pos_order_city_id_fkey FOREIGN KEY (city_id) REFERENCES res_company (id) ON DELETE RESTRICT;
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
        CREATE INDEX pos_order_business_day ON pos_order (business_day);
        CREATE INDEX pos_order_city_id ON pos_order (city_id, business_day);

        ALTER TABLE pos_order_line ADD CONSTRAINT pos_order_line_pkey PRIMARY KEY (id, create_date),
            ADD CONSTRAINT pos_order_line_order_id_fkey FOREIGN KEY (order_id) REFERENCES pos_order_register (order_id) ON DELETE CASCADE,
            ADD CONSTRAINT pos_order_line_product_id_fkey FOREIGN KEY (product_id) REFERENCES product_product (id) ON DELETE RESTRICT,
            ADD CONSTRAINT pos_order_line_company_id_fkey FOREIGN KEY (company_id) REFERENCES res_company (id) ON DELETE RESTRICT;
        CREATE INDEX pos_order_line_order_id ON pos_order_line (order_id);
        CREATE INDEX pos_order_line_product_id ON pos_order_line (product_id);
        CREATE INDEX pos_order_line_refunded_orderline_id ON pos_order_line (refunded_orderline_id);
        CREATE INDEX pos_order_line_company_id ON pos_order_line (company_id);
        ALTER TABLE pos_payment ADD CONSTRAINT pos_payment_pos_order_id_fkey
            FOREIGN KEY (pos_order_id) REFERENCES pos_order_register (order_id) ON DELETE CASCADE;
        ALTER TABLE pos_order_conflict ADD CONSTRAINT pos_order_conflict_order_id_fkey
            FOREIGN KEY (order_id) REFERENCES pos_order_register (order_id) ON DELETE RESTRICT;

        -- The register follows its order, whatever way the order is written.
        CREATE FUNCTION pos_order_register() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO pos_order_register (order_id, create_date, company_id, access_token, session_id, session_seq)
                VALUES (NEW.id, NEW.create_date, NEW.company_id, NEW.access_token, NEW.session_id, NEW.session_seq);
            ELSIF TG_OP = 'UPDATE' THEN
                UPDATE pos_order_register SET order_id = NEW.id, create_date = NEW.create_date, company_id = NEW.company_id,
                    access_token = NEW.access_token, session_id = NEW.session_id, session_seq = NEW.session_seq
                WHERE order_id = OLD.id;
            ELSE
                DELETE FROM pos_order_register WHERE order_id = OLD.id;
            END IF;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER pos_order_register AFTER INSERT OR DELETE ON pos_order FOR EACH ROW EXECUTE FUNCTION pos_order_register();
        CREATE TRIGGER pos_order_register_update AFTER UPDATE OF id, create_date, company_id, access_token, session_id, session_seq ON pos_order
            FOR EACH ROW EXECUTE FUNCTION pos_order_register();

        -- A refund names a sold line that exists, and a sold line with refunds is not deleted.
        CREATE FUNCTION pos_order_line_refunded() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF EXISTS (SELECT 1 FROM pos_order_line r WHERE r.refunded_orderline_id = OLD.id) THEN
                    RAISE EXCEPTION 'Order line % is refunded by another line: it cannot be deleted', OLD.id USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN OLD;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pos_order_line l WHERE l.id = NEW.refunded_orderline_id) THEN
                RAISE EXCEPTION 'Order line % does not exist', NEW.refunded_orderline_id USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER pos_order_line_refunded BEFORE INSERT OR UPDATE OF refunded_orderline_id ON pos_order_line
            FOR EACH ROW WHEN (NEW.refunded_orderline_id IS NOT NULL) EXECUTE FUNCTION pos_order_line_refunded();
        CREATE TRIGGER pos_order_line_refunded_delete BEFORE DELETE ON pos_order_line
            FOR EACH ROW EXECUTE FUNCTION pos_order_line_refunded();

        -- Lines and payments take their company (and session) from the order's register row: one
        -- probe, not one per month. A partition's trigger names its table (the argument), as
        -- TG_TABLE_NAME names the partition.
        CREATE OR REPLACE FUNCTION pos_fill_from_parent() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            company bigint; config bigint; currency bigint; session bigint;
            kind text := coalesce(TG_ARGV[0], TG_TABLE_NAME);
        BEGIN
            IF kind = 'pos_session' THEN
                SELECT c.company_id INTO company FROM pos_config c WHERE c.id = NEW.config_id;
                IF FOUND THEN NEW.company_id := company; END IF;
                NEW.currency_id := coalesce(NEW.currency_id, (SELECT currency_id FROM res_company WHERE id = NEW.company_id));
                NEW.user_id := coalesce(NEW.user_id, NULLIF(current_setting('chainstore.uid', true), '')::bigint);
            ELSIF kind = 'pos_order' THEN
                SELECT s.company_id, s.config_id, s.currency_id INTO company, config, currency FROM pos_session s WHERE s.id = NEW.session_id;
                IF FOUND THEN
                    NEW.company_id := company;
                    NEW.config_id := config;
                    NEW.currency_id := coalesce(NEW.currency_id, currency);
                END IF;
            ELSIF kind = 'pos_order_line' THEN
                SELECT r.company_id INTO company FROM pos_order_register r WHERE r.order_id = NEW.order_id;
                IF FOUND THEN NEW.company_id := company; END IF;
            ELSIF kind = 'pos_payment' THEN
                SELECT r.company_id, r.session_id INTO company, session FROM pos_order_register r WHERE r.order_id = NEW.pos_order_id;
                IF FOUND THEN
                    NEW.company_id := company;
                    NEW.session_id := session;
                END IF;
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER pos_order_fill BEFORE INSERT OR UPDATE OF session_id ON pos_order FOR EACH ROW EXECUTE FUNCTION pos_fill_from_parent('pos_order');
        CREATE TRIGGER pos_order_zday BEFORE INSERT OR UPDATE OF date_order, company_id ON pos_order FOR EACH ROW EXECUTE FUNCTION pos_order_day();
        CREATE TRIGGER pos_order_line_fill BEFORE INSERT OR UPDATE OF order_id ON pos_order_line FOR EACH ROW EXECUTE FUNCTION pos_fill_from_parent('pos_order_line');
        ANALYZE pos_order;
        ANALYZE pos_order_line;
        ANALYZE pos_order_register;
        """#)
}
