import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// Sales orders and their lines with Odoo 17's columns; a delivery's moves name the sale line
    /// they deliver.
    static let createSale = Migration("0001_create_sale", sql: [#"""
        CREATE SEQUENCE sale_order_name_seq;
        CREATE TABLE sale_order (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'S' || lpad(nextval('sale_order_name_seq')::text, 5, '0'),
            partner_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
            client_order_ref text,
            origin text,
            state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'sent', 'sale', 'cancel')),
            date_order timestamptz NOT NULL DEFAULT now(),
            commitment_date timestamptz,
            user_id bigint REFERENCES res_users (id) ON DELETE SET NULL,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            currency_id bigint REFERENCES res_currency (id) ON DELETE RESTRICT,
            warehouse_id bigint REFERENCES stock_warehouse (id) ON DELETE RESTRICT,
            note text,
            auto_generated boolean NOT NULL DEFAULT false,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX sale_order_name ON sale_order (name);
        CREATE INDEX sale_order_state ON sale_order (state);
        CREATE INDEX sale_order_partner_id ON sale_order (partner_id);
        CREATE INDEX sale_order_user_id ON sale_order (user_id);
        CREATE INDEX sale_order_company_id ON sale_order (company_id);
        CREATE INDEX sale_order_currency_id ON sale_order (currency_id);
        CREATE INDEX sale_order_warehouse_id ON sale_order (warehouse_id);
        CREATE INDEX sale_order_order ON sale_order (date_order DESC, id DESC);

        CREATE TABLE sale_order_line (
            id bigserial PRIMARY KEY,
            order_id bigint NOT NULL REFERENCES sale_order (id) ON DELETE CASCADE,
            sequence integer NOT NULL DEFAULT 10,
            name text,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            product_uom_qty numeric(16, 3) NOT NULL DEFAULT 1 CHECK (product_uom_qty >= 0),
            product_uom bigint REFERENCES uom_uom (id) ON DELETE RESTRICT,
            price_unit numeric(16, 4) NOT NULL DEFAULT 0,
            discount numeric(6, 2) NOT NULL DEFAULT 0 CHECK (discount BETWEEN 0 AND 100),
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX sale_order_line_order_id ON sale_order_line (order_id, sequence, id);
        CREATE INDEX sale_order_line_product_id ON sale_order_line (product_id);
        CREATE INDEX sale_order_line_product_uom ON sale_order_line (product_uom);
        CREATE INDEX sale_order_line_company_id ON sale_order_line (company_id);
        CREATE TABLE account_tax_sale_order_line_rel (
            sale_order_line_id bigint NOT NULL REFERENCES sale_order_line (id) ON DELETE CASCADE,
            account_tax_id bigint NOT NULL REFERENCES account_tax (id) ON DELETE RESTRICT,
            PRIMARY KEY (sale_order_line_id, account_tax_id)
        );
        CREATE INDEX account_tax_sale_order_line_rel_tax ON account_tax_sale_order_line_rel (account_tax_id);

        CREATE FUNCTION sale_line_fill() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            SELECT o.company_id INTO NEW.company_id FROM sale_order o WHERE o.id = NEW.order_id;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER sale_order_line_fill BEFORE INSERT OR UPDATE OF order_id, company_id ON sale_order_line
            FOR EACH ROW EXECUTE FUNCTION sale_line_fill();
        CREATE FUNCTION sale_order_company_follows() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            UPDATE sale_order_line SET company_id = NEW.company_id WHERE order_id = NEW.id;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER sale_order_company_follows AFTER UPDATE OF company_id ON sale_order
            FOR EACH ROW WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id) EXECUTE FUNCTION sale_order_company_follows();

        ALTER TABLE stock_move ADD COLUMN sale_line_id bigint REFERENCES sale_order_line (id) ON DELETE SET NULL;
        CREATE INDEX stock_move_sale_line_id ON stock_move (sale_line_id);
        ALTER TABLE stock_picking ADD COLUMN sale_id bigint REFERENCES sale_order (id) ON DELETE SET NULL;
        CREATE INDEX stock_picking_sale_id ON stock_picking (sale_id);

        CREATE FUNCTION sale_line_amounts(line bigint) RETURNS TABLE (subtotal numeric, tax numeric, total numeric)
        LANGUAGE sql STABLE AS $fn$
            SELECT a.* FROM sale_order_line l,
                account_tax_amounts(l.product_uom_qty * l.price_unit * (1 - l.discount / 100), l.product_uom_qty,
                    ARRAY(SELECT x.account_tax_id FROM account_tax_sale_order_line_rel x WHERE x.sale_order_line_id = l.id)) a
            WHERE l.id = line
        $fn$;

        -- What has left for a line, in its unit: done deliveries less what came back.
        CREATE FUNCTION sale_line_delivered(line bigint) RETURNS numeric LANGUAGE sql STABLE AS $fn$
            SELECT coalesce(round(sum(CASE WHEN d.usage IN ('internal', 'transit') AND s.usage = 'customer' THEN -1 ELSE 1 END
                                      * chainstore_uom_convert(m.quantity, m.product_uom, coalesce(l.product_uom, m.product_uom))), 3), 0)
            FROM stock_move m JOIN stock_location d ON d.id = m.location_dest_id JOIN stock_location s ON s.id = m.location_id
            JOIN sale_order_line l ON l.id = m.sale_line_id
            WHERE m.sale_line_id = line AND m.state = 'done'
        $fn$;

        CREATE FUNCTION sale_delivery_status(so bigint) RETURNS text LANGUAGE sql STABLE AS $fn$
            SELECT CASE WHEN count(*) FILTER (WHERE p.state <> 'cancel') = 0 THEN NULL
                        WHEN bool_and(p.state IN ('done', 'cancel')) THEN 'full'
                        WHEN bool_or(p.state = 'done') THEN 'partial'
                        ELSE 'pending' END
            FROM stock_picking p WHERE p.sale_id = so
        $fn$;
        """#,
        AuditTriggers.create(table: "sale_order", model: "sale.order", columns: [
            "name", "partner_id", "client_order_ref", "origin", "state", "date_order", "commitment_date", "user_id", "company_id", "currency_id",
            "warehouse_id", "note", "auto_generated",
        ], hashJoin: true),
        AuditTriggers.create(table: "sale_order_line", model: "sale.order.line", columns: [
            "order_id", "sequence", "name", "product_id", "product_uom_qty", "product_uom", "price_unit", "discount", "company_id",
        ], hashJoin: true),
        #"""
        INSERT INTO res_groups (name, xmlid) VALUES ('Sales / User: Own Documents Only', 'sales_team.group_sale_salesman'),
                                                    ('Sales / Administrator', 'sales_team.group_sale_manager');
        INSERT INTO res_groups_users_rel (gid, uid) SELECT id, 2 FROM res_groups WHERE xmlid LIKE 'sales_team.group_sale_%';
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'sales_team', split_part(xmlid, '.', 2), 'res.groups', id, true, now(), now() FROM res_groups WHERE xmlid LIKE 'sales_team.group_sale_%';
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false FROM unnest(ARRAY['sale.order', 'sale.order.line']) m
            UNION ALL
            SELECT m || ' salesman', m, g.id, true, true, true, m = 'sale.order.line'
                FROM unnest(ARRAY['sale.order', 'sale.order.line']) m, res_groups g WHERE g.xmlid = 'sales_team.group_sale_salesman'
            UNION ALL
            SELECT m || ' manager', m, g.id, true, true, true, true
                FROM unnest(ARRAY['sale.order', 'sale.order.line']) m, res_groups g
                WHERE g.xmlid IN ('sales_team.group_sale_manager', 'base.group_system');
        """#,
    ].joined(separator: "\n"))
}
