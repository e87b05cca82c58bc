import ChainstoreCore

extension Migration {
    /// Places: the location tree (with Odoo's usages and "WH/Stock" names), warehouses and their
    /// operation types, and the group's shared locations (vendors, customers, inventory loss,
    /// transit) with Odoo's external ids.
    static let createPlaces = Migration("0001_create_places", sql: #"""
        CREATE TABLE stock_location (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            complete_name text,
            location_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            parent_path text,
            usage text NOT NULL DEFAULT 'internal',
            barcode text,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            scrap_location boolean NOT NULL DEFAULT false,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_location_usage CHECK (usage IN ('supplier', 'view', 'internal', 'customer', 'inventory', 'production', 'transit'))
        );
        CREATE INDEX stock_location_location_id ON stock_location (location_id);
        CREATE INDEX stock_location_parent_path ON stock_location (parent_path text_pattern_ops);
        CREATE INDEX stock_location_company_id ON stock_location (company_id);
        CREATE INDEX stock_location_complete_name ON stock_location (complete_name);
        CREATE UNIQUE INDEX stock_location_barcode ON stock_location (barcode);
        -- parent_path and complete_name ("WH/Stock/Shelf 1") follow location_id.
        CREATE FUNCTION chainstore_location_path() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            parent record;
        BEGIN
            IF NEW.location_id IS NULL THEN
                NEW.parent_path := NEW.id || '/';
                NEW.complete_name := NEW.name;
            ELSE
                SELECT parent_path, complete_name INTO parent FROM stock_location WHERE id = NEW.location_id;
                IF parent.parent_path IS NULL THEN
                    RAISE foreign_key_violation USING MESSAGE = 'parent location does not exist', CONSTRAINT = 'stock_location_location_id_fkey';
                END IF;
                IF TG_OP = 'UPDATE' AND parent.parent_path LIKE OLD.parent_path || '%' THEN
                    RAISE check_violation USING MESSAGE = 'recursive locations', CONSTRAINT = 'stock_location_no_recursion';
                END IF;
                NEW.parent_path := parent.parent_path || NEW.id || '/';
                NEW.complete_name := parent.complete_name || '/' || NEW.name;
            END IF;
            IF TG_OP = 'UPDATE' AND (NEW.parent_path IS DISTINCT FROM OLD.parent_path OR NEW.complete_name IS DISTINCT FROM OLD.complete_name) THEN
                UPDATE stock_location SET parent_path = NEW.parent_path || substr(parent_path, length(OLD.parent_path) + 1),
                    complete_name = NEW.complete_name || substr(complete_name, length(OLD.complete_name) + 1)
                    WHERE parent_path LIKE OLD.parent_path || '%' AND id <> NEW.id;
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER stock_location_path BEFORE INSERT OR UPDATE OF name, location_id ON stock_location
            FOR EACH ROW EXECUTE FUNCTION chainstore_location_path();

        CREATE TABLE stock_warehouse (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            code text NOT NULL,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            partner_id bigint REFERENCES res_partner (id) ON DELETE SET NULL,
            view_location_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            lot_stock_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            sequence integer NOT NULL DEFAULT 10,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_warehouse_code_length CHECK (length(code) BETWEEN 1 AND 5),
            CONSTRAINT stock_warehouse_warehouse_code_uniq UNIQUE (company_id, code)
        );
        CREATE INDEX stock_warehouse_partner_id ON stock_warehouse (partner_id);
        CREATE INDEX stock_warehouse_view_location_id ON stock_warehouse (view_location_id);
        CREATE INDEX stock_warehouse_lot_stock_id ON stock_warehouse (lot_stock_id);

        CREATE TABLE stock_picking_type (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            code text NOT NULL,
            sequence_code text NOT NULL,
            warehouse_id bigint REFERENCES stock_warehouse (id) ON DELETE CASCADE,
            default_location_src_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            default_location_dest_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            sequence integer NOT NULL DEFAULT 10,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_picking_type_code CHECK (code IN ('incoming', 'outgoing', 'internal'))
        );
        CREATE INDEX stock_picking_type_warehouse_id ON stock_picking_type (warehouse_id);
        CREATE INDEX stock_picking_type_company_id ON stock_picking_type (company_id);
        CREATE INDEX stock_picking_type_default_location_src_id ON stock_picking_type (default_location_src_id);
        CREATE INDEX stock_picking_type_default_location_dest_id ON stock_picking_type (default_location_dest_id);

        -- The group's shared locations.
        INSERT INTO stock_location (id, name, usage, company_id, create_date, write_date) VALUES
            (1, 'Partners', 'view', NULL, now(), now()),
            (4, 'Virtual Locations', 'view', NULL, now(), now());
        INSERT INTO stock_location (id, name, location_id, usage, company_id, scrap_location, create_date, write_date) VALUES
            (2, 'Vendors', 1, 'supplier', NULL, false, now(), now()),
            (3, 'Customers', 1, 'customer', NULL, false, now(), now()),
            (5, 'Inventory adjustment', 4, 'inventory', NULL, false, now(), now()),
            (6, 'Scrap', 4, 'inventory', NULL, true, now(), now()),
            (7, 'Inter-company transit', 1, 'transit', NULL, false, now(), now());
        SELECT setval('stock_location_id_seq', 7);
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date) VALUES
            ('stock', 'stock_location_locations_partner', 'stock.location', 1, true, now(), now()),
            ('stock', 'stock_location_suppliers', 'stock.location', 2, true, now(), now()),
            ('stock', 'stock_location_customers', 'stock.location', 3, true, now(), now()),
            ('stock', 'stock_location_locations_virtual', 'stock.location', 4, true, now(), now()),
            ('stock', 'stock_location_inventory', 'stock.location', 5, true, now(), now()),
            ('stock', 'stock_location_scrapped', 'stock.location', 6, true, now(), now()),
            ('stock', 'stock_location_inter_company', 'stock.location', 7, true, now(), now());
        -- The head office's central warehouse (Odoo's stock.warehouse0).
        INSERT INTO stock_location (id, name, usage, company_id, create_date, write_date) VALUES (8, 'WH', 'view', 1, now(), now());
        INSERT INTO stock_location (id, name, location_id, usage, company_id, create_date, write_date) VALUES (9, 'Stock', 8, 'internal', 1, now(), now());
        SELECT setval('stock_location_id_seq', 9);
        INSERT INTO stock_warehouse (id, name, code, company_id, view_location_id, lot_stock_id, create_date, write_date)
            VALUES (1, 'Central Warehouse', 'WH', 1, 8, 9, now(), now());
        SELECT setval('stock_warehouse_id_seq', 1);
        INSERT INTO stock_picking_type (id, name, code, sequence_code, warehouse_id, default_location_src_id, default_location_dest_id, company_id, sequence, create_date, write_date) VALUES
            (1, 'Receipts', 'incoming', 'IN', 1, 2, 9, 1, 1, now(), now()),
            (2, 'Delivery Orders', 'outgoing', 'OUT', 1, 9, 3, 1, 2, now(), now()),
            (3, 'Internal Transfers', 'internal', 'INT', 1, 9, 9, 1, 3, now(), now());
        SELECT setval('stock_picking_type_id_seq', 3);
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date) VALUES
            ('stock', 'warehouse0', 'stock.warehouse', 1, true, now(), now()),
            ('stock', 'stock_location_stock', 'stock.location', 9, true, now(), now()),
            ('stock', 'picking_type_in', 'stock.picking.type', 1, true, now(), now()),
            ('stock', 'picking_type_out', 'stock.picking.type', 2, true, now(), now()),
            ('stock', 'picking_type_internal', 'stock.picking.type', 3, true, now(), now());
        INSERT INTO res_groups (name, xmlid) VALUES ('Inventory / Manager', 'stock.group_stock_manager');
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'stock', 'group_stock_manager', 'res.groups', id, true, now(), now() FROM res_groups WHERE xmlid = 'stock.group_stock_manager';
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false FROM unnest(ARRAY['stock.location', 'stock.warehouse', 'stock.picking.type']) m
            UNION ALL
            SELECT m || ' manager', m, g.id, true, true, true, true FROM unnest(ARRAY['stock.location', 'stock.warehouse', 'stock.picking.type']) m,
                res_groups g WHERE g.xmlid IN ('stock.group_stock_manager', 'base.group_system');
        """#)
}
