import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// The supplier portal: a supplier's answer per order line (quantity and date it confirms,
    /// one key per answer), advance shipping notices with their pallets (SSCC) and contents, and
    /// what the group's staff and the supplier's portal users may read of them.
    static let supplierPortal = Migration("0002_supplier_portal", sql: [#"""
        ALTER TABLE purchase_order_line
            ADD COLUMN supplier_qty numeric(16, 3) CHECK (supplier_qty >= 0),
            ADD COLUMN supplier_date timestamptz,
            ADD COLUMN supplier_note text;

        -- One key per answer of a supplier to an order: the same answer again is a duplicate,
        -- another answer under a used key is refused.
        CREATE TABLE purchase_order_response (
            id bigserial PRIMARY KEY,
            order_id bigint NOT NULL REFERENCES purchase_order (id) ON DELETE CASCADE,
            key text NOT NULL,
            digest text NOT NULL,
            create_uid bigint, create_date timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT purchase_order_response_key UNIQUE (order_id, key)
        );

        CREATE TABLE purchase_asn (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            partner_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
            purchase_id bigint NOT NULL REFERENCES purchase_order (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            picking_id bigint REFERENCES stock_picking (id) ON DELETE SET NULL,
            state text NOT NULL DEFAULT 'announced' CHECK (state IN ('announced', 'received', 'cancel')),
            version integer NOT NULL DEFAULT 1,
            digest text NOT NULL,
            supplier_gln text,
            ship_to_gln text,
            despatch_at timestamptz,
            expected_at timestamptz,
            vehicle_plate text,
            driver_phone text,
            warnings text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT purchase_asn_number UNIQUE (partner_id, name)
        );
        CREATE INDEX purchase_asn_purchase_id ON purchase_asn (purchase_id);
        CREATE INDEX purchase_asn_picking_id ON purchase_asn (picking_id);
        CREATE INDEX purchase_asn_company_id ON purchase_asn (company_id);
        CREATE INDEX purchase_asn_order ON purchase_asn (id DESC);

        CREATE TABLE purchase_asn_package (
            id bigserial PRIMARY KEY,
            asn_id bigint NOT NULL REFERENCES purchase_asn (id) ON DELETE CASCADE,
            sscc text NOT NULL CHECK (sscc ~ '^[0-9]{18}$'),
            kind text NOT NULL DEFAULT 'pallet' CHECK (kind IN ('pallet', 'case')),
            parent_sscc text,
            gross_weight_kg numeric(12, 3),
            package_id bigint REFERENCES stock_quant_package (id) ON DELETE SET NULL,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE UNIQUE INDEX purchase_asn_package_sscc ON purchase_asn_package (sscc);
        CREATE INDEX purchase_asn_package_asn_id ON purchase_asn_package (asn_id, id);
        CREATE INDEX purchase_asn_package_package_id ON purchase_asn_package (package_id);
        CREATE INDEX purchase_asn_package_company_id ON purchase_asn_package (company_id);

        CREATE TABLE purchase_asn_line (
            id bigserial PRIMARY KEY,
            asn_id bigint NOT NULL REFERENCES purchase_asn (id) ON DELETE CASCADE,
            package_id bigint REFERENCES purchase_asn_package (id) ON DELETE CASCADE,
            purchase_line_id bigint REFERENCES purchase_order_line (id) ON DELETE SET NULL,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            gtin text,
            supplier_code text,
            quantity numeric(16, 3) NOT NULL CHECK (quantity >= 0),
            lot_name text,
            production_date date,
            best_before_date date,
            expiry_date date,
            move_line_id bigint REFERENCES stock_move_line (id) ON DELETE SET NULL,
            received_qty numeric(16, 3),
            difference text CHECK (difference IN ('ok', 'short', 'over', 'unannounced')),
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX purchase_asn_line_asn_id ON purchase_asn_line (asn_id, id);
        CREATE INDEX purchase_asn_line_package_id ON purchase_asn_line (package_id);
        CREATE INDEX purchase_asn_line_purchase_line_id ON purchase_asn_line (purchase_line_id);
        CREATE INDEX purchase_asn_line_product_id ON purchase_asn_line (product_id);
        CREATE INDEX purchase_asn_line_move_line_id ON purchase_asn_line (move_line_id);
        CREATE INDEX purchase_asn_line_company_id ON purchase_asn_line (company_id);

        -- When the receipt an ASN announced is validated, each announced line gets what arrived
        -- of it (same product, lot and pallet), and what arrived unannounced gets a line of its
        -- own: the differences the supplier sees, line by line.
        CREATE FUNCTION purchase_asn_received() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            -- A lot is compared where the receipt knows one (tracked products).
            WITH r AS (
                SELECT al.id, al.quantity, coalesce((
                    SELECT sum(ml.quantity_product_uom) FROM stock_move_line ml LEFT JOIN stock_lot lot ON lot.id = ml.lot_id
                    WHERE ml.picking_id = NEW.id AND ml.state = 'done' AND ml.product_id = al.product_id
                      AND ml.result_package_id = ap.package_id AND coalesce(lot.name, al.lot_name, '') = coalesce(al.lot_name, '')), 0) AS qty
                FROM purchase_asn a JOIN purchase_asn_line al ON al.asn_id = a.id JOIN purchase_asn_package ap ON ap.id = al.package_id
                WHERE a.picking_id = NEW.id AND a.state = 'announced')
            UPDATE purchase_asn_line al SET received_qty = r.qty,
                   difference = CASE WHEN r.qty = r.quantity THEN 'ok' WHEN r.qty < r.quantity THEN 'short' ELSE 'over' END, write_date = now()
            FROM r WHERE al.id = r.id;
            INSERT INTO purchase_asn_line (asn_id, product_id, quantity, lot_name, received_qty, difference, company_id, create_date, write_date)
            SELECT a.id, ml.product_id, 0, lot.name, sum(ml.quantity_product_uom), 'unannounced', a.company_id, now(), now()
            FROM purchase_asn a JOIN stock_move_line ml ON ml.picking_id = a.picking_id AND ml.state = 'done'
            LEFT JOIN stock_lot lot ON lot.id = ml.lot_id
            WHERE a.picking_id = NEW.id AND a.state = 'announced' AND NOT EXISTS (
                SELECT 1 FROM purchase_asn_line al JOIN purchase_asn_package ap ON ap.id = al.package_id
                WHERE al.asn_id = a.id AND al.product_id = ml.product_id AND ap.package_id IS NOT DISTINCT FROM ml.result_package_id
                  AND coalesce(lot.name, al.lot_name, '') = coalesce(al.lot_name, ''))
            GROUP BY a.id, ml.product_id, lot.name, a.company_id;
            UPDATE purchase_asn SET state = 'received', write_date = now() WHERE picking_id = NEW.id AND state = 'announced';
            RETURN NULL;
        END $fn$;
        CREATE TRIGGER purchase_asn_received AFTER UPDATE OF state ON stock_picking
            FOR EACH ROW WHEN (NEW.state = 'done' AND OLD.state IS DISTINCT FROM 'done') EXECUTE FUNCTION purchase_asn_received();

        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false
                FROM unnest(ARRAY['purchase.asn', 'purchase.asn.package', 'purchase.asn.line']) m
            UNION ALL
            SELECT m || ' portal', m, g.id, true, false, false, false
                FROM unnest(ARRAY['purchase.order', 'purchase.order.line', 'purchase.asn', 'purchase.asn.package', 'purchase.asn.line']) m,
                     res_groups g WHERE g.xmlid = 'base.group_portal';
        """#,
        AuditTriggers.create(table: "purchase_order_line", model: "purchase.order.line", columns: [
            "order_id", "sequence", "name", "product_id", "product_qty", "product_uom", "price_unit", "discount", "date_planned", "orderpoint_id",
            "company_id", "supplier_qty", "supplier_date", "supplier_note",
        ], replacing: true, hashJoin: true),
        AuditTriggers.create(table: "purchase_asn", model: "purchase.asn", columns: [
            "name", "partner_id", "purchase_id", "company_id", "picking_id", "state", "version", "despatch_at", "expected_at",
        ], hashJoin: true),
    ].joined(separator: "\n"))
}
