import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// Purchase orders and their lines, procurement groups, reordering rules, with Odoo 17's
    /// columns; a receipt's moves name the purchase line they receive; the company's approval
    /// threshold and lead times. One request for quotation per vendor, receiving operation and
    /// day from the reordering run (a partial unique index: two runs the same day share it).
    static let createPurchase = Migration("0001_create_purchase", sql: [#"""
        ALTER TABLE res_company
            ADD COLUMN po_double_validation text NOT NULL DEFAULT 'one_step' CHECK (po_double_validation IN ('one_step', 'two_step')),
            ADD COLUMN po_double_validation_amount numeric(16, 2) NOT NULL DEFAULT 5000 CHECK (po_double_validation_amount >= 0),
            ADD COLUMN po_lead numeric(8, 2) NOT NULL DEFAULT 0 CHECK (po_lead >= 0),
            ADD COLUMN days_to_purchase numeric(8, 2) NOT NULL DEFAULT 0 CHECK (days_to_purchase >= 0);

        CREATE TABLE procurement_group (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            move_type text NOT NULL DEFAULT 'direct' CHECK (move_type IN ('direct', 'one')),
            partner_id bigint REFERENCES res_partner (id) ON DELETE SET NULL,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX procurement_group_partner_id ON procurement_group (partner_id);
        CREATE INDEX procurement_group_order ON procurement_group (id DESC);

        CREATE SEQUENCE stock_orderpoint_name_seq;
        CREATE TABLE stock_warehouse_orderpoint (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'OP/' || lpad(nextval('stock_orderpoint_name_seq')::text, 5, '0'),
            trigger text NOT NULL DEFAULT 'auto' CHECK (trigger IN ('auto', 'manual')),
            active boolean NOT NULL DEFAULT true,
            snoozed_until date,
            warehouse_id bigint NOT NULL REFERENCES stock_warehouse (id) ON DELETE CASCADE,
            location_id bigint NOT NULL REFERENCES stock_location (id) ON DELETE CASCADE,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE CASCADE,
            product_min_qty numeric(16, 3) NOT NULL DEFAULT 0 CHECK (product_min_qty >= 0),
            product_max_qty numeric(16, 3) NOT NULL DEFAULT 0 CHECK (product_max_qty >= 0),
            qty_multiple numeric(16, 3) NOT NULL DEFAULT 1 CHECK (qty_multiple >= 0),
            visibility_days numeric(8, 2) NOT NULL DEFAULT 0 CHECK (visibility_days >= 0),
            group_id bigint REFERENCES procurement_group (id) ON DELETE SET NULL,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            supplier_id bigint REFERENCES product_supplierinfo (id) ON DELETE SET NULL,
            replenish_method text NOT NULL DEFAULT 'min_max' CHECK (replenish_method IN ('min_max', 'velocity')),
            velocity_weeks integer NOT NULL DEFAULT 4 CHECK (velocity_weeks BETWEEN 1 AND 52),
            review_days numeric(8, 2) NOT NULL DEFAULT 7 CHECK (review_days >= 0),
            service_factor numeric(6, 3) NOT NULL DEFAULT 1.65 CHECK (service_factor >= 0),
            procure_exception text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_warehouse_orderpoint_product_location_check UNIQUE (product_id, location_id, company_id)
        );
        CREATE INDEX stock_warehouse_orderpoint_name ON stock_warehouse_orderpoint (name);
        CREATE INDEX stock_warehouse_orderpoint_warehouse_id ON stock_warehouse_orderpoint (warehouse_id);
        CREATE INDEX stock_warehouse_orderpoint_company_id ON stock_warehouse_orderpoint (company_id);
        CREATE INDEX stock_warehouse_orderpoint_group_id ON stock_warehouse_orderpoint (group_id);
        CREATE INDEX stock_warehouse_orderpoint_supplier_id ON stock_warehouse_orderpoint (supplier_id);
        CREATE INDEX stock_warehouse_orderpoint_order ON stock_warehouse_orderpoint (location_id, company_id, id);
        CREATE INDEX stock_warehouse_orderpoint_exception ON stock_warehouse_orderpoint (id) WHERE procure_exception IS NOT NULL;

        -- A rule watches its warehouse's stock unless told otherwise, and belongs to the
        -- warehouse's company, in a place of that warehouse (Odoo's _check_company).
        CREATE FUNCTION stock_orderpoint_fill() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE w record;
        BEGIN
            SELECT sw.company_id, sw.lot_stock_id, v.parent_path INTO w
            FROM stock_warehouse sw LEFT JOIN stock_location v ON v.id = sw.view_location_id WHERE sw.id = NEW.warehouse_id;
            NEW.location_id := coalesce(NEW.location_id, w.lot_stock_id);
            IF NEW.company_id IS DISTINCT FROM w.company_id THEN
                RAISE check_violation USING MESSAGE = 'A reordering rule belongs to the company of its warehouse.',
                    CONSTRAINT = 'stock_warehouse_orderpoint_company';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM stock_location l WHERE l.id = NEW.location_id AND l.parent_path LIKE w.parent_path || '%') THEN
                RAISE check_violation USING MESSAGE = 'The location of a reordering rule must be in its warehouse.',
                    CONSTRAINT = 'stock_warehouse_orderpoint_location';
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER stock_orderpoint_fill BEFORE INSERT OR UPDATE OF warehouse_id, location_id, company_id ON stock_warehouse_orderpoint
            FOR EACH ROW EXECUTE FUNCTION stock_orderpoint_fill();

        CREATE SEQUENCE purchase_order_name_seq;
        CREATE TABLE purchase_order (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'P' || lpad(nextval('purchase_order_name_seq')::text, 5, '0'),
            partner_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
            partner_ref text,
            origin text,
            state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'sent', 'to approve', 'purchase', 'done', 'cancel')),
            date_order timestamptz NOT NULL DEFAULT now(),
            date_approve timestamptz,
            user_id bigint REFERENCES res_users (id) ON DELETE SET NULL,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            currency_id bigint REFERENCES res_currency (id) ON DELETE RESTRICT,
            picking_type_id bigint REFERENCES stock_picking_type (id) ON DELETE RESTRICT,
            group_id bigint REFERENCES procurement_group (id) ON DELETE SET NULL,
            notes text,
            priority text NOT NULL DEFAULT '0' CHECK (priority IN ('0', '1')),
            mail_reception_confirmed boolean NOT NULL DEFAULT false,
            reorder_date date,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX purchase_order_name ON purchase_order (name);
        CREATE INDEX purchase_order_state ON purchase_order (state);
        CREATE INDEX purchase_order_partner_id ON purchase_order (partner_id);
        CREATE INDEX purchase_order_user_id ON purchase_order (user_id);
        CREATE INDEX purchase_order_company_id ON purchase_order (company_id);
        CREATE INDEX purchase_order_currency_id ON purchase_order (currency_id);
        CREATE INDEX purchase_order_picking_type_id ON purchase_order (picking_type_id);
        CREATE INDEX purchase_order_group_id ON purchase_order (group_id);
        CREATE INDEX purchase_order_open ON purchase_order (picking_type_id) WHERE state IN ('draft', 'sent', 'to approve');
        CREATE INDEX purchase_order_order ON purchase_order (priority DESC, id DESC);
        CREATE UNIQUE INDEX purchase_order_reorder_day ON purchase_order (partner_id, company_id, picking_type_id, reorder_date)
            WHERE reorder_date IS NOT NULL AND state = 'draft';

        CREATE TABLE purchase_order_line (
            id bigserial PRIMARY KEY,
            order_id bigint NOT NULL REFERENCES purchase_order (id) ON DELETE CASCADE,
            sequence integer NOT NULL DEFAULT 10,
            name text,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            product_qty numeric(16, 3) NOT NULL DEFAULT 1 CHECK (product_qty >= 0),
            product_uom bigint REFERENCES uom_uom (id) ON DELETE RESTRICT,
            price_unit numeric(16, 4) NOT NULL DEFAULT 0,
            discount numeric(6, 2) NOT NULL DEFAULT 0 CHECK (discount BETWEEN 0 AND 100),
            date_planned timestamptz,
            orderpoint_id bigint REFERENCES stock_warehouse_orderpoint (id) ON DELETE SET NULL,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX purchase_order_line_order_id ON purchase_order_line (order_id, sequence, id);
        CREATE INDEX purchase_order_line_product_id ON purchase_order_line (product_id);
        CREATE INDEX purchase_order_line_product_uom ON purchase_order_line (product_uom);
        CREATE INDEX purchase_order_line_orderpoint_id ON purchase_order_line (orderpoint_id);
        CREATE INDEX purchase_order_line_company_id ON purchase_order_line (company_id);
        CREATE TABLE account_tax_purchase_order_line_rel (
            purchase_order_line_id bigint NOT NULL REFERENCES purchase_order_line (id) ON DELETE CASCADE,
            account_tax_id bigint NOT NULL REFERENCES account_tax (id) ON DELETE RESTRICT,
            PRIMARY KEY (purchase_order_line_id, account_tax_id)
        );
        CREATE INDEX account_tax_purchase_order_line_rel_tax ON account_tax_purchase_order_line_rel (account_tax_id);

        -- A line is its order's company's.
        CREATE FUNCTION purchase_line_fill() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            SELECT o.company_id INTO NEW.company_id FROM purchase_order o WHERE o.id = NEW.order_id;
            RETURN NEW;
        END
        $fn$;
        -- Inserted without a company (the generic path): the order's. The reordering run gives it.
        CREATE TRIGGER purchase_order_line_fill BEFORE INSERT ON purchase_order_line
            FOR EACH ROW WHEN (NEW.company_id IS NULL) EXECUTE FUNCTION purchase_line_fill();
        CREATE TRIGGER purchase_order_line_moved BEFORE UPDATE OF order_id, company_id ON purchase_order_line
            FOR EACH ROW EXECUTE FUNCTION purchase_line_fill();
        CREATE FUNCTION purchase_order_company_follows() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            UPDATE purchase_order_line SET company_id = NEW.company_id WHERE order_id = NEW.id;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER purchase_order_company_follows AFTER UPDATE OF company_id ON purchase_order
            FOR EACH ROW WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id) EXECUTE FUNCTION purchase_order_company_follows();

        -- When a store receives from a supplier (its DC): delivery weekdays, the order deadline
        -- (days before delivery, at an hour in Asia/Shanghai), the truck run and drop sequence.
        CREATE TABLE replenishment_delivery_schedule (
            id bigserial PRIMARY KEY,
            name text,
            active boolean NOT NULL DEFAULT true,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
            partner_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE CASCADE,
            monday boolean NOT NULL DEFAULT false, tuesday boolean NOT NULL DEFAULT false, wednesday boolean NOT NULL DEFAULT false,
            thursday boolean NOT NULL DEFAULT false, friday boolean NOT NULL DEFAULT false, saturday boolean NOT NULL DEFAULT false,
            sunday boolean NOT NULL DEFAULT false,
            cutoff_days integer NOT NULL DEFAULT 2 CHECK (cutoff_days BETWEEN 0 AND 14),
            cutoff_hour numeric(4, 2) NOT NULL DEFAULT 18 CHECK (cutoff_hour >= 0 AND cutoff_hour < 24),
            route text,
            sequence integer NOT NULL DEFAULT 10,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT replenishment_delivery_schedule_some_day CHECK (monday OR tuesday OR wednesday OR thursday OR friday OR saturday OR sunday)
        );
        CREATE INDEX replenishment_delivery_schedule_company_id ON replenishment_delivery_schedule (company_id, partner_id);
        CREATE INDEX replenishment_delivery_schedule_partner_id ON replenishment_delivery_schedule (partner_id);
        CREATE INDEX replenishment_delivery_schedule_order ON replenishment_delivery_schedule (sequence, id);

        -- Whether `day` is a delivery day of `buyer` from `supplier`, and when ordering for it closes.
        CREATE FUNCTION replenishment_deadline(buyer bigint, supplier bigint, day date) RETURNS timestamptz LANGUAGE sql STABLE AS $fn$
            SELECT min(((day - s.cutoff_days)::timestamp + make_interval(secs => (s.cutoff_hour * 3600)::float8)) AT TIME ZONE 'Asia/Shanghai')
            FROM replenishment_delivery_schedule s
            WHERE s.active AND s.company_id = buyer AND s.partner_id = supplier
              AND (ARRAY[s.monday, s.tuesday, s.wednesday, s.thursday, s.friday, s.saturday, s.sunday])[extract(isodow FROM day)::int]
        $fn$;
        -- The first delivery day from `earliest` (within four weeks) still open for orders at `at`.
        CREATE FUNCTION replenishment_next_delivery(buyer bigint, supplier bigint, earliest date, at timestamptz) RETURNS date LANGUAGE sql STABLE AS $fn$
            SELECT min(g.day::date) FROM generate_series(earliest::timestamp, earliest::timestamp + interval '27 days', interval '1 day') g(day)
            WHERE replenishment_deadline(buyer, supplier, g.day::date) > at
        $fn$;

        -- A store's order to its distribution centre and the DC's sales order for it, linked both ways.
        ALTER TABLE purchase_order ADD COLUMN auto_sale_order_id bigint REFERENCES sale_order (id) ON DELETE SET NULL;
        CREATE INDEX purchase_order_auto_sale_order_id ON purchase_order (auto_sale_order_id);
        ALTER TABLE sale_order ADD COLUMN auto_purchase_order_id bigint REFERENCES purchase_order (id) ON DELETE SET NULL;
        CREATE INDEX sale_order_auto_purchase_order_id ON sale_order (auto_purchase_order_id);

        ALTER TABLE stock_move ADD COLUMN purchase_line_id bigint REFERENCES purchase_order_line (id) ON DELETE SET NULL;
        CREATE INDEX stock_move_purchase_line_id ON stock_move (purchase_line_id);
        ALTER TABLE stock_picking ADD COLUMN purchase_id bigint REFERENCES purchase_order (id) ON DELETE SET NULL;
        CREATE INDEX stock_picking_purchase_id ON stock_picking (purchase_id);

        -- A line's amounts (Product's account_tax_amounts over its price after discount and taxes).
        CREATE FUNCTION purchase_line_amounts(line bigint) RETURNS TABLE (subtotal numeric, tax numeric, total numeric)
        LANGUAGE sql STABLE AS $fn$
            SELECT a.* FROM purchase_order_line l,
                account_tax_amounts(l.product_qty * l.price_unit * (1 - l.discount / 100), l.product_qty,
                    ARRAY(SELECT x.account_tax_id FROM account_tax_purchase_order_line_rel x WHERE x.purchase_order_line_id = l.id)) a
            WHERE l.id = line
        $fn$;

        -- What has arrived for a line, in its unit: done receipts, less what went back to the vendor.
        CREATE FUNCTION purchase_line_received(line bigint) RETURNS numeric LANGUAGE sql STABLE AS $fn$
            SELECT coalesce(round(sum(CASE WHEN d.usage = 'supplier' THEN -1 ELSE 1 END
                                      * chainstore_uom_convert(m.quantity, m.product_uom, coalesce(l.product_uom, m.product_uom))), 3), 0)
            FROM stock_move m JOIN stock_location d ON d.id = m.location_dest_id JOIN purchase_order_line l ON l.id = m.purchase_line_id
            WHERE m.purchase_line_id = line AND m.state = 'done'
        $fn$;

        -- Odoo's receipt_status: none without receipts (or all cancelled), full when all are done
        -- or cancelled, partial when one is done, pending otherwise.
        CREATE FUNCTION purchase_receipt_status(po bigint) RETURNS text LANGUAGE sql STABLE AS $fn$
            SELECT CASE WHEN count(*) FILTER (WHERE p.state <> 'cancel') = 0 THEN NULL
                        WHEN bool_and(p.state IN ('done', 'cancel')) THEN 'full'
                        WHEN bool_or(p.state = 'done') THEN 'partial'
                        ELSE 'pending' END
            FROM stock_picking p WHERE p.purchase_id = po
        $fn$;
        """#,
        Self.orderpointProposals,
        AuditTriggers.create(table: "purchase_order", model: "purchase.order", columns: [
            "name", "partner_id", "partner_ref", "origin", "state", "date_order", "date_approve", "user_id", "company_id", "currency_id",
            "picking_type_id", "group_id", "notes", "priority", "mail_reception_confirmed", "reorder_date",
        ], hashJoin: true),
        AuditTriggers.create(table: "purchase_order_line", model: "purchase.order.line", columns: [
            "order_id", "sequence", "name", "product_id", "product_qty", "product_uom", "price_unit", "discount", "date_planned", "orderpoint_id",
            "company_id",
        ], hashJoin: true),
        AuditTriggers.create(table: "stock_warehouse_orderpoint", model: "stock.warehouse.orderpoint", columns: [
            "name", "trigger", "active", "snoozed_until", "warehouse_id", "location_id", "product_id", "product_min_qty", "product_max_qty",
            "qty_multiple", "visibility_days", "group_id", "company_id", "supplier_id", "replenish_method", "velocity_weeks", "review_days",
            "service_factor",
        ], hashJoin: true),
        #"""
        INSERT INTO res_groups (name, xmlid) VALUES ('Purchase / User', 'purchase.group_purchase_user'),
                                                    ('Purchase / Administrator', 'purchase.group_purchase_manager');
        INSERT INTO res_groups_users_rel (gid, uid) SELECT id, 2 FROM res_groups WHERE xmlid LIKE 'purchase.group_purchase_%';
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'purchase', split_part(xmlid, '.', 2), 'res.groups', id, true, now(), now() FROM res_groups WHERE xmlid LIKE 'purchase.group_purchase_%';
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false
                FROM unnest(ARRAY['purchase.order', 'purchase.order.line', 'procurement.group', 'stock.warehouse.orderpoint',
                                  'replenishment.delivery.schedule']) m
            UNION ALL
            SELECT m || ' purchase user', m, g.id, true, true, true, m IN ('purchase.order.line', 'stock.warehouse.orderpoint')
                FROM unnest(ARRAY['purchase.order', 'purchase.order.line', 'procurement.group', 'stock.warehouse.orderpoint']) m, res_groups g
                WHERE g.xmlid = 'purchase.group_purchase_user'
            UNION ALL
            SELECT m || ' manager', m, g.id, true, true, true, true
                FROM unnest(ARRAY['purchase.order', 'purchase.order.line', 'procurement.group', 'stock.warehouse.orderpoint',
                                  'replenishment.delivery.schedule']) m, res_groups g
                WHERE g.xmlid IN ('purchase.group_purchase_manager', 'base.group_system');
        """#,
    ].joined(separator: "\n"))

    /// The proposal of each reordering rule, for one rule as read or for fifty thousand at
    /// once in the reordering run: set-based (hash joins over the balances, open moves, requests
    /// for quotation and sales of the places watched), no loop per rule.
    ///
    /// - place: the rule's location and every location under it;
    /// - vendor: the rule's own vendor line, else the first line by sequence for the variant or
    ///   its template, of an active vendor, of the rule's company or one above it (or none),
    ///   valid today; lead days = the vendor's delay + the company's purchase lead time and days
    ///   to purchase;
    /// - forecast = on hand + open moves in − open moves out up to the lead date (plus the
    ///   visibility days) + quantities in requests for quotation delivered to the place;
    /// - min/max: below the minimum, order up to max(min, max); velocity: order up to
    ///   S = ADS·(L + R) + z·σ·√(L + R) (ADS and σ over the last `velocity_weeks` whole days
    ///   in Asia/Shanghai, days without sales counted as zero), at least the minimum, at most the
    ///   maximum when one is set;
    /// - rounded up to the multiple, then at least the vendor's smallest minimum quantity; the
    ///   price is that vendor's lowest among lines whose minimum the quantity reaches.
    ///
    /// With `every` false (the run) only the rules that may order are computed further and
    /// returned: velocity rules, rules with moves on the way, and rules already below their
    /// minimum; the others (most, on a given day) order nothing and are left out.
    static let orderpointProposals = #"""
        CREATE FUNCTION stock_orderpoint_proposals(ids bigint[], today date, every boolean DEFAULT true)
        RETURNS TABLE (orderpoint_id bigint, qty_on_hand numeric, qty_forecast numeric, qty_to_order numeric, lead_days numeric,
                       daily_sales numeric, daily_sales_deviation numeric, order_up_to numeric, vendor_id bigint, supplier_id bigint,
                       price_unit numeric, uom_id bigint, exception text)
        LANGUAGE sql STABLE SET jit = off SET enable_mergejoin = off AS $fn$
        WITH op AS MATERIALIZED (
            SELECT o.id, o.location_id, o.product_id, o.company_id, o.product_min_qty AS min_qty, o.replenish_method AS method
            FROM stock_warehouse_orderpoint o WHERE o.id = ANY(ids)),
        products AS MATERIALIZED (SELECT DISTINCT product_id FROM op),
        roots AS MATERIALIZED (
            SELECT r.location_id, l.parent_path AS path FROM (SELECT DISTINCT location_id FROM op) r JOIN stock_location l ON l.id = r.location_id),
        places AS MATERIALIZED (
            SELECT r.location_id AS root, l.id AS loc
            FROM roots r JOIN stock_location l ON l.parent_path ~>=~ r.path AND l.parent_path ~<~ (left(r.path, -1) || '0')),
        -- Balances and requests for quotation: for a few rules from their products (a
        -- distribution centre holds every product), for a batch from its places (a store holds
        -- a few hundred); one branch runs, the other is cut by its one-time filter.
        on_hand AS (
            SELECT pl.root, q.product_id, sum(q.quantity) AS qty
            FROM products pr JOIN stock_quant q ON q.product_id = pr.product_id JOIN places pl ON pl.loc = q.location_id
            WHERE cardinality(ids) <= 64
            GROUP BY 1, 2
            UNION ALL
            SELECT pl.root, q.product_id, sum(q.quantity)
            FROM places pl CROSS JOIN LATERAL (SELECT q.product_id, q.quantity FROM stock_quant q WHERE q.location_id = pl.loc OFFSET 0) q
            WHERE cardinality(ids) > 64 AND q.product_id IN (SELECT product_id FROM products)
            GROUP BY 1, 2),
        open_moves AS MATERIALIZED (
            SELECT pl.root, m.product_id, (m.date AT TIME ZONE 'Asia/Shanghai')::date AS day, sum(coalesce(m.product_qty, m.product_uom_qty)) AS qty
            FROM stock_move m JOIN places pl ON pl.loc = m.location_dest_id
            WHERE m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned') AND m.product_id IN (SELECT product_id FROM products)
              AND NOT EXISTS (SELECT 1 FROM places x WHERE x.root = pl.root AND x.loc = m.location_id)
            GROUP BY 1, 2, 3
            UNION ALL
            SELECT pl.root, m.product_id, (m.date AT TIME ZONE 'Asia/Shanghai')::date, -sum(coalesce(m.product_qty, m.product_uom_qty))
            FROM stock_move m JOIN places pl ON pl.loc = m.location_id
            WHERE m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned') AND m.product_id IN (SELECT product_id FROM products)
              AND NOT EXISTS (SELECT 1 FROM places x WHERE x.root = pl.root AND x.loc = m.location_dest_id)
            GROUP BY 1, 2, 3),
        quoted_lines AS (
            SELECT pl.root, l.product_id, l.product_qty, l.product_uom
            FROM products pr JOIN purchase_order_line l ON l.product_id = pr.product_id
            JOIN purchase_order po ON po.id = l.order_id AND po.state IN ('draft', 'sent', 'to approve')
            JOIN stock_picking_type pt ON pt.id = po.picking_type_id JOIN places pl ON pl.loc = pt.default_location_dest_id
            WHERE cardinality(ids) <= 64
            UNION ALL
            SELECT pl.root, l.product_id, l.product_qty, l.product_uom
            FROM places pl CROSS JOIN LATERAL (
                SELECT l.product_id, l.product_qty, l.product_uom FROM stock_picking_type pt
                JOIN purchase_order po ON po.picking_type_id = pt.id AND po.state IN ('draft', 'sent', 'to approve')
                JOIN purchase_order_line l ON l.order_id = po.id WHERE pt.default_location_dest_id = pl.loc OFFSET 0) l
            WHERE cardinality(ids) > 64 AND l.product_id IN (SELECT product_id FROM products)),
        quoted AS (
            SELECT ql.root, ql.product_id, sum(chainstore_uom_convert(ql.product_qty, ql.product_uom, t.uom_id)) AS qty
            FROM quoted_lines ql JOIN product_product p ON p.id = ql.product_id JOIN product_template t ON t.id = p.product_tmpl_id
            GROUP BY 1, 2),
        moved AS (SELECT DISTINCT root, product_id FROM open_moves),
        base AS MATERIALIZED (
            SELECT op.*, coalesce(oh.qty, 0) AS on_hand, coalesce(oh.qty, 0) + coalesce(qu.qty, 0) AS settled, md.root IS NOT NULL AS moving
            FROM op LEFT JOIN on_hand oh ON oh.root = op.location_id AND oh.product_id = op.product_id
            LEFT JOIN quoted qu ON qu.root = op.location_id AND qu.product_id = op.product_id
            LEFT JOIN moved md ON md.root = op.location_id AND md.product_id = op.product_id),
        pending AS MATERIALIZED (
            SELECT b.*, o.supplier_id AS forced, o.product_max_qty AS max_qty, o.qty_multiple AS multiple, o.visibility_days, o.velocity_weeks,
                   o.review_days, o.service_factor, p.product_tmpl_id AS template, t.uom_id AS uom,
                   string_to_array(rtrim(c.parent_path, '/'), '/')::bigint[] AS companies, c.po_lead + c.days_to_purchase AS company_days
            FROM base b JOIN stock_warehouse_orderpoint o ON o.id = b.id JOIN product_product p ON p.id = b.product_id
            JOIN product_template t ON t.id = p.product_tmpl_id JOIN res_company c ON c.id = b.company_id
            WHERE every OR b.method = 'velocity' OR b.moving OR b.settled < b.min_qty),
        candidates AS MATERIALIZED (
            SELECT pd.id, s.id AS line, s.partner_id, s.sequence, s.min_qty, s.price, s.delay, 0 AS rank
            FROM pending pd JOIN product_supplierinfo s ON s.id = pd.forced
            UNION ALL
            SELECT pd.id, s.id, s.partner_id, s.sequence, s.min_qty, s.price, s.delay, 1
            FROM pending pd JOIN product_supplierinfo s ON s.product_id = pd.product_id
            WHERE pd.forced IS NULL AND (s.company_id IS NULL OR s.company_id = ANY(pd.companies))
              AND (s.date_start IS NULL OR s.date_start <= today) AND (s.date_end IS NULL OR s.date_end >= today)
            UNION ALL
            SELECT pd.id, s.id, s.partner_id, s.sequence, s.min_qty, s.price, s.delay, 1
            FROM pending pd JOIN product_supplierinfo s ON s.product_tmpl_id = pd.template AND s.product_id IS NULL
            WHERE pd.forced IS NULL AND (s.company_id IS NULL OR s.company_id = ANY(pd.companies))
              AND (s.date_start IS NULL OR s.date_start <= today) AND (s.date_end IS NULL OR s.date_end >= today)),
        vendor AS MATERIALIZED (
            SELECT DISTINCT ON (c.id) c.id, c.partner_id, c.delay
            FROM candidates c JOIN res_partner v ON v.id = c.partner_id AND v.active
            ORDER BY c.id, c.rank, c.sequence, c.min_qty DESC, c.price, c.line),
        lead AS MATERIALIZED (
            SELECT pd.id, coalesce(v.delay, 0) + pd.company_days AS days, v.partner_id
            FROM pending pd LEFT JOIN vendor v ON v.id = pd.id),
        moving AS (
            SELECT pd.id, sum(mv.qty) AS qty
            FROM pending pd JOIN lead ld ON ld.id = pd.id JOIN open_moves mv ON mv.root = pd.location_id AND mv.product_id = pd.product_id
            WHERE pd.moving AND mv.day <= today + ceil(ld.days + pd.visibility_days)::int
            GROUP BY 1),
        sold AS (
            SELECT pl.root, m.product_id, (m.date AT TIME ZONE 'Asia/Shanghai')::date AS day, sum(m.product_qty) AS qty
            FROM stock_move m JOIN places pl ON pl.loc = m.location_id JOIN stock_location cl ON cl.id = m.location_dest_id AND cl.usage = 'customer'
            WHERE m.state = 'done' AND m.product_id IN (SELECT product_id FROM op WHERE method = 'velocity')
              AND m.date >= ((today - 7 * (SELECT max(velocity_weeks) FROM pending WHERE method = 'velocity'))::timestamp AT TIME ZONE 'Asia/Shanghai')
              AND m.date < (today::timestamp AT TIME ZONE 'Asia/Shanghai')
            GROUP BY 1, 2, 3
            UNION ALL
            SELECT pl.root, m.product_id, (m.date AT TIME ZONE 'Asia/Shanghai')::date, -sum(m.product_qty)
            FROM stock_move m JOIN places pl ON pl.loc = m.location_dest_id JOIN stock_location cl ON cl.id = m.location_id AND cl.usage = 'customer'
            WHERE m.state = 'done' AND m.product_id IN (SELECT product_id FROM op WHERE method = 'velocity')
              AND m.date >= ((today - 7 * (SELECT max(velocity_weeks) FROM pending WHERE method = 'velocity'))::timestamp AT TIME ZONE 'Asia/Shanghai')
              AND m.date < (today::timestamp AT TIME ZONE 'Asia/Shanghai')
            GROUP BY 1, 2, 3),
        daily AS (
            SELECT pd.id, s.day, sum(s.qty) AS qty
            FROM pending pd JOIN sold s ON s.root = pd.location_id AND s.product_id = pd.product_id
            WHERE pd.method = 'velocity' AND s.day >= today - 7 * pd.velocity_weeks
            GROUP BY 1, 2),
        velocity AS (
            SELECT d.id, sum(d.qty) AS total, sum(d.qty * d.qty) AS squares FROM daily d GROUP BY 1),
        figures AS (
            SELECT pd.*, ld.days AS lead, ld.partner_id AS vendor, pd.settled + coalesce(mv.qty, 0) AS forecast,
                   CASE WHEN pd.method = 'velocity' THEN coalesce(ve.total, 0) / (7 * pd.velocity_weeks) END AS ads,
                   CASE WHEN pd.method = 'velocity'
                        THEN sqrt(greatest(coalesce(ve.squares, 0) / (7 * pd.velocity_weeks) - (coalesce(ve.total, 0) / (7 * pd.velocity_weeks)) ^ 2, 0)) END AS sd
            FROM pending pd LEFT JOIN lead ld ON ld.id = pd.id LEFT JOIN moving mv ON mv.id = pd.id LEFT JOIN velocity ve ON ve.id = pd.id),
        targets AS (
            SELECT f.*,
                   CASE WHEN f.method = 'velocity'
                        THEN round(CASE WHEN f.max_qty > 0 THEN least(greatest(f.ads * (f.lead + f.review_days) + f.service_factor * f.sd * sqrt(f.lead + f.review_days), f.min_qty), f.max_qty)
                                        ELSE greatest(f.ads * (f.lead + f.review_days) + f.service_factor * f.sd * sqrt(f.lead + f.review_days), f.min_qty) END, 3)
                        ELSE greatest(f.min_qty, f.max_qty) END AS up_to
            FROM figures f),
        needs AS MATERIALIZED (
            SELECT t.*,
                   CASE WHEN (t.method = 'velocity' AND t.forecast < t.up_to) OR (t.method = 'min_max' AND t.forecast < t.min_qty)
                        THEN CASE WHEN t.multiple > 0 THEN ceil(round(t.up_to - t.forecast, 3) / t.multiple) * t.multiple ELSE round(t.up_to - t.forecast, 3) END
                        ELSE 0 END AS raw
            FROM targets t),
        priced AS (
            SELECT n.id, greatest(n.raw, min(c.min_qty)) AS qty
            FROM needs n JOIN candidates c ON c.id = n.id AND c.partner_id = n.vendor
            WHERE n.raw > 0 GROUP BY n.id, n.raw),
        price AS (
            SELECT DISTINCT ON (p.id) p.id, p.qty, c.line, c.price
            FROM priced p JOIN needs n ON n.id = p.id JOIN candidates c ON c.id = p.id AND c.partner_id = n.vendor AND c.min_qty <= p.qty
            ORDER BY p.id, c.price, c.rank, c.sequence, c.line)
        SELECT n.id, n.on_hand, n.forecast, coalesce(pr.qty, n.raw), n.lead, round(n.ads, 4), round(n.sd, 4),
               CASE WHEN n.method = 'velocity' THEN n.up_to END, n.vendor, pr.line, pr.price, n.uom,
               CASE WHEN n.raw > 0 AND n.vendor IS NULL
                    THEN 'There is no matching vendor price to generate the purchase order for product ' || n.product_id
                         || ': set a vendor on the product (product.supplierinfo) or on the rule.' END
        FROM needs n LEFT JOIN price pr ON pr.id = n.id
        $fn$;
        """#
}
