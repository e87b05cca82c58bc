import ChainstoreCore

extension Migration {
    /// The double-entry ledger: transfers (`stock.picking`), their moves and move lines, the
    /// balances they keep (`stock.quant`), lots and serials, packages and pallets, removal
    /// strategies and put-away rules.
    static let createLedger = Migration("0002_create_ledger", sql: #"""
        CREATE TABLE product_removal (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            method text NOT NULL UNIQUE,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        INSERT INTO product_removal (id, name, method, create_date, write_date) VALUES
            (1, 'First In First Out (FIFO)', 'fifo', now(), now()),
            (2, 'Last In First Out (LIFO)', 'lifo', now(), now()),
            (3, 'Closest Location', 'closest', now(), now()),
            (4, 'First Expiry First Out (FEFO)', 'fefo', now(), now());
        SELECT setval('product_removal_id_seq', 4);
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date) VALUES
            ('stock', 'removal_fifo', 'product.removal', 1, true, now(), now()),
            ('stock', 'removal_lifo', 'product.removal', 2, true, now(), now()),
            ('stock', 'removal_closest', 'product.removal', 3, true, now(), now()),
            ('stock', 'removal_fefo', 'product.removal', 4, true, now(), now());

        ALTER TABLE product_category
            ADD COLUMN removal_strategy_id bigint REFERENCES product_removal (id) ON DELETE SET NULL,
            ADD COLUMN property_cost_method text NOT NULL DEFAULT 'average'
                CONSTRAINT product_category_cost_method CHECK (property_cost_method IN ('standard', 'average', 'fifo'));
        CREATE INDEX product_category_removal_strategy_id ON product_category (removal_strategy_id);
        ALTER TABLE stock_location ADD COLUMN removal_strategy_id bigint REFERENCES product_removal (id) ON DELETE SET NULL;
        CREATE INDEX stock_location_removal_strategy_id ON stock_location (removal_strategy_id);
        ALTER TABLE res_company ADD COLUMN allow_negative_stock boolean NOT NULL DEFAULT false;
        ALTER TABLE stock_picking_type
            ADD COLUMN use_create_lots boolean NOT NULL DEFAULT true,
            ADD COLUMN use_existing_lots boolean NOT NULL DEFAULT true;

        CREATE TABLE stock_putaway_rule (
            id bigserial PRIMARY KEY,
            product_id bigint REFERENCES product_product (id) ON DELETE CASCADE,
            category_id bigint REFERENCES product_category (id) ON DELETE CASCADE,
            location_in_id bigint NOT NULL REFERENCES stock_location (id) ON DELETE CASCADE,
            location_out_id bigint NOT NULL REFERENCES stock_location (id) ON DELETE CASCADE,
            sequence integer NOT NULL DEFAULT 0,
            company_id bigint REFERENCES res_company (id) ON DELETE CASCADE,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX stock_putaway_rule_product_id ON stock_putaway_rule (product_id);
        CREATE INDEX stock_putaway_rule_category_id ON stock_putaway_rule (category_id);
        CREATE INDEX stock_putaway_rule_location_in_id ON stock_putaway_rule (location_in_id);
        CREATE INDEX stock_putaway_rule_location_out_id ON stock_putaway_rule (location_out_id);
        CREATE INDEX stock_putaway_rule_company_id ON stock_putaway_rule (company_id);

        -- Where goods arriving at `dest` are put: the rule of the nearest enclosing location, a
        -- product's own rule before its category's (the nearest category first); else `dest`.
        CREATE FUNCTION chainstore_putaway(product bigint, dest bigint) RETURNS bigint LANGUAGE sql STABLE AS $fn$
            SELECT coalesce((
                SELECT r.location_out_id FROM stock_putaway_rule r
                    JOIN stock_location li ON li.id = r.location_in_id
                    JOIN stock_location d ON d.id = dest
                    JOIN product_product p ON p.id = product
                    JOIN product_template t ON t.id = p.product_tmpl_id
                    JOIN product_category c ON c.id = t.categ_id
                    LEFT JOIN product_category rc ON rc.id = r.category_id
                WHERE r.active AND d.parent_path LIKE li.parent_path || '%'
                    AND (r.product_id = product OR (r.product_id IS NULL AND c.parent_path LIKE rc.parent_path || '%'))
                ORDER BY length(li.parent_path) DESC, r.product_id IS NULL, length(rc.parent_path) DESC NULLS LAST, r.sequence, r.id
                LIMIT 1), dest)
        $fn$;

        -- A lot or serial number: unique per product and company (Odoo's stock_lot_name_ref_uniq).
        CREATE TABLE stock_lot (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            ref text,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            note text,
            expiration_date timestamptz,
            use_date timestamptz,
            removal_date timestamptz,
            alert_date timestamptz,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_lot_name_ref_uniq UNIQUE (name, product_id, company_id)
        );
        CREATE INDEX stock_lot_product_id ON stock_lot (product_id);
        CREATE INDEX stock_lot_company_id ON stock_lot (company_id);
        CREATE INDEX stock_lot_name ON stock_lot (name);

        -- A case or a pallet; a pallet's name is its SSCC.
        CREATE TABLE stock_quant_package (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            location_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            package_use text NOT NULL DEFAULT 'disposable',
            pack_date date,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_quant_package_use CHECK (package_use IN ('disposable', 'reusable'))
        );
        CREATE UNIQUE INDEX stock_quant_package_name ON stock_quant_package (name);
        CREATE INDEX stock_quant_package_location_id ON stock_quant_package (location_id);
        CREATE INDEX stock_quant_package_company_id ON stock_quant_package (company_id);

        -- What is where: one balance per product, internal or transit location, lot, package and
        -- owner, changed only in the transaction that moves the goods. reserved_quantity is what
        -- open move lines hold on it.
        CREATE TABLE stock_quant (
            id bigserial PRIMARY KEY,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            location_id bigint NOT NULL REFERENCES stock_location (id) ON DELETE RESTRICT,
            lot_id bigint REFERENCES stock_lot (id) ON DELETE RESTRICT,
            package_id bigint REFERENCES stock_quant_package (id) ON DELETE RESTRICT,
            owner_id bigint REFERENCES res_partner (id) ON DELETE RESTRICT,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            quantity numeric NOT NULL DEFAULT 0,
            reserved_quantity numeric NOT NULL DEFAULT 0,
            in_date timestamptz NOT NULL DEFAULT now(),
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_quant_reserved_positive CHECK (reserved_quantity >= 0),
            CONSTRAINT stock_quant_key UNIQUE NULLS NOT DISTINCT (product_id, location_id, lot_id, package_id, owner_id)
        );
        CREATE INDEX stock_quant_location_id ON stock_quant (location_id);
        CREATE INDEX stock_quant_lot_id ON stock_quant (lot_id);
        CREATE INDEX stock_quant_package_id ON stock_quant (package_id);
        CREATE INDEX stock_quant_owner_id ON stock_quant (owner_id);
        CREATE INDEX stock_quant_company_id ON stock_quant (company_id);

        CREATE TABLE stock_picking (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT '/',
            origin text,
            note text,
            partner_id bigint REFERENCES res_partner (id) ON DELETE SET NULL,
            picking_type_id bigint NOT NULL REFERENCES stock_picking_type (id) ON DELETE RESTRICT,
            location_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            location_dest_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            state text NOT NULL DEFAULT 'draft',
            move_type text NOT NULL DEFAULT 'direct',
            priority text NOT NULL DEFAULT '0',
            scheduled_date timestamptz,
            date_deadline timestamptz,
            date_done timestamptz,
            backorder_id bigint REFERENCES stock_picking (id) ON DELETE SET NULL,
            user_id bigint REFERENCES res_users (id) ON DELETE SET NULL,
            owner_id bigint REFERENCES res_partner (id) ON DELETE SET NULL,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_picking_state CHECK (state IN ('draft', 'waiting', 'confirmed', 'assigned', 'done', 'cancel')),
            CONSTRAINT stock_picking_move_type CHECK (move_type IN ('direct', 'one'))
        );
        CREATE INDEX stock_picking_name ON stock_picking (name);
        CREATE INDEX stock_picking_origin ON stock_picking (origin);
        CREATE INDEX stock_picking_partner_id ON stock_picking (partner_id);
        CREATE INDEX stock_picking_picking_type_id ON stock_picking (picking_type_id);
        CREATE INDEX stock_picking_location_id ON stock_picking (location_id);
        CREATE INDEX stock_picking_location_dest_id ON stock_picking (location_dest_id);
        CREATE INDEX stock_picking_state ON stock_picking (state);
        CREATE INDEX stock_picking_backorder_id ON stock_picking (backorder_id);
        CREATE INDEX stock_picking_user_id ON stock_picking (user_id);
        CREATE INDEX stock_picking_owner_id ON stock_picking (owner_id);
        CREATE INDEX stock_picking_company_id ON stock_picking (company_id);

        CREATE TABLE stock_move (
            id bigserial PRIMARY KEY,
            name text,
            reference text,
            origin text,
            sequence integer NOT NULL DEFAULT 10,
            priority text NOT NULL DEFAULT '0',
            date timestamptz NOT NULL DEFAULT now(),
            date_deadline timestamptz,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            product_uom_qty numeric NOT NULL DEFAULT 0,
            product_uom bigint REFERENCES uom_uom (id) ON DELETE RESTRICT,
            product_qty numeric,
            quantity numeric NOT NULL DEFAULT 0,
            picked boolean NOT NULL DEFAULT false,
            location_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            location_dest_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            picking_id bigint REFERENCES stock_picking (id) ON DELETE CASCADE,
            picking_type_id bigint REFERENCES stock_picking_type (id) ON DELETE SET NULL,
            partner_id bigint REFERENCES res_partner (id) ON DELETE SET NULL,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            state text NOT NULL DEFAULT 'draft',
            procure_method text NOT NULL DEFAULT 'make_to_stock',
            price_unit numeric NOT NULL DEFAULT 0,
            origin_returned_move_id bigint REFERENCES stock_move (id) ON DELETE SET NULL,
            restrict_lot_id bigint REFERENCES stock_lot (id) ON DELETE SET NULL,
            description_picking text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_move_state CHECK (state IN ('draft', 'waiting', 'confirmed', 'partially_available', 'assigned', 'done', 'cancel')),
            CONSTRAINT stock_move_demand_positive CHECK (product_uom_qty >= 0),
            CONSTRAINT stock_move_quantity_positive CHECK (quantity >= 0)
        );
        CREATE INDEX stock_move_product_id ON stock_move (product_id);
        CREATE INDEX stock_move_product_uom ON stock_move (product_uom);
        CREATE INDEX stock_move_location_id ON stock_move (location_id);
        CREATE INDEX stock_move_location_dest_id ON stock_move (location_dest_id);
        CREATE INDEX stock_move_picking_id ON stock_move (picking_id);
        CREATE INDEX stock_move_picking_type_id ON stock_move (picking_type_id);
        CREATE INDEX stock_move_partner_id ON stock_move (partner_id);
        CREATE INDEX stock_move_company_id ON stock_move (company_id);
        CREATE INDEX stock_move_state ON stock_move (state);
        CREATE INDEX stock_move_reference ON stock_move (reference);
        CREATE INDEX stock_move_origin_returned_move_id ON stock_move (origin_returned_move_id);
        CREATE INDEX stock_move_restrict_lot_id ON stock_move (restrict_lot_id);

        -- One line of goods moved: the ledger entry. While open, quantity_reserved (in the
        -- product's unit) is held on the quant reserved_quant_id.
        CREATE TABLE stock_move_line (
            id bigserial PRIMARY KEY,
            move_id bigint REFERENCES stock_move (id) ON DELETE CASCADE,
            picking_id bigint REFERENCES stock_picking (id) ON DELETE CASCADE,
            product_id bigint REFERENCES product_product (id) ON DELETE RESTRICT,
            product_uom_id bigint REFERENCES uom_uom (id) ON DELETE RESTRICT,
            quantity numeric NOT NULL DEFAULT 0,
            quantity_product_uom numeric NOT NULL DEFAULT 0,
            picked boolean NOT NULL DEFAULT false,
            lot_id bigint REFERENCES stock_lot (id) ON DELETE RESTRICT,
            lot_name text,
            package_id bigint REFERENCES stock_quant_package (id) ON DELETE RESTRICT,
            result_package_id bigint REFERENCES stock_quant_package (id) ON DELETE RESTRICT,
            owner_id bigint REFERENCES res_partner (id) ON DELETE RESTRICT,
            location_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            location_dest_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            state text NOT NULL DEFAULT 'draft',
            date timestamptz NOT NULL DEFAULT now(),
            reference text,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            reserved_quant_id bigint REFERENCES stock_quant (id) ON DELETE RESTRICT,
            quantity_reserved numeric NOT NULL DEFAULT 0,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_move_line_quantity_positive CHECK (quantity >= 0 AND quantity_reserved >= 0),
            CONSTRAINT stock_move_line_reservation CHECK (quantity_reserved = 0 OR reserved_quant_id IS NOT NULL)
        );
        CREATE INDEX stock_move_line_move_id ON stock_move_line (move_id);
        CREATE INDEX stock_move_line_picking_id ON stock_move_line (picking_id);
        CREATE INDEX stock_move_line_product_id ON stock_move_line (product_id);
        CREATE INDEX stock_move_line_product_uom_id ON stock_move_line (product_uom_id);
        CREATE INDEX stock_move_line_lot_id ON stock_move_line (lot_id);
        CREATE INDEX stock_move_line_package_id ON stock_move_line (package_id);
        CREATE INDEX stock_move_line_result_package_id ON stock_move_line (result_package_id);
        CREATE INDEX stock_move_line_owner_id ON stock_move_line (owner_id);
        CREATE INDEX stock_move_line_location_id ON stock_move_line (location_id);
        CREATE INDEX stock_move_line_location_dest_id ON stock_move_line (location_dest_id);
        CREATE INDEX stock_move_line_company_id ON stock_move_line (company_id);
        CREATE INDEX stock_move_line_reserved_quant_id ON stock_move_line (reserved_quant_id) WHERE reserved_quant_id IS NOT NULL;
        CREATE INDEX stock_move_line_state ON stock_move_line (state);
        -- A deleted open line gives back what it held, whoever deletes it (a cascade included).
        CREATE FUNCTION chainstore_move_line_release() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            UPDATE stock_quant q SET reserved_quantity = q.reserved_quantity - d.held
            FROM (SELECT reserved_quant_id, sum(quantity_reserved) AS held FROM old_lines
                  WHERE quantity_reserved > 0 GROUP BY reserved_quant_id ORDER BY reserved_quant_id) d
            WHERE q.id = d.reserved_quant_id;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER stock_move_line_release AFTER DELETE ON stock_move_line
            REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION chainstore_move_line_release();

        CREATE TABLE stock_backorder_confirmation (
            id bigserial PRIMARY KEY,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE TABLE stock_backorder_confirmation_pick_rel (
            wizard_id bigint NOT NULL REFERENCES stock_backorder_confirmation (id) ON DELETE CASCADE,
            picking_id bigint NOT NULL REFERENCES stock_picking (id) ON DELETE CASCADE,
            PRIMARY KEY (wizard_id, picking_id)
        );
        CREATE INDEX stock_backorder_confirmation_pick_rel_picking_id ON stock_backorder_confirmation_pick_rel (picking_id);

        INSERT INTO res_groups (name, xmlid) VALUES ('Inventory / User', 'stock.group_stock_user');
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'stock', 'group_stock_user', 'res.groups', id, true, now(), now() FROM res_groups WHERE xmlid = 'stock.group_stock_user';
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false
                FROM unnest(ARRAY['product.removal', 'stock.putaway.rule', 'stock.lot', 'stock.quant.package', 'stock.quant',
                                  'stock.picking', 'stock.move', 'stock.move.line']) m
            UNION ALL
            SELECT m || ' stock user', m, g.id, true, true, true, m <> 'stock.picking'
                FROM unnest(ARRAY['stock.lot', 'stock.quant.package', 'stock.picking', 'stock.move', 'stock.move.line',
                                  'stock.backorder.confirmation']) m, res_groups g
                WHERE g.xmlid = 'stock.group_stock_user'
            UNION ALL
            SELECT m || ' manager', m, g.id, true, true, true, true
                FROM unnest(ARRAY['stock.putaway.rule', 'stock.lot', 'stock.quant.package', 'stock.picking', 'stock.move',
                                  'stock.move.line', 'stock.backorder.confirmation']) m, res_groups g
                WHERE g.xmlid IN ('stock.group_stock_manager', 'base.group_system');
        -- Balances change only through moves: nobody writes stock.quant directly.
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT 'product.removal manager', 'product.removal', g.id, true, true, true, true FROM res_groups g WHERE g.xmlid = 'base.group_system';
        """#)
}
