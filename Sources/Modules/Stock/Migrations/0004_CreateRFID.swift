import ChainstoreCore

extension Migration {
    /// RFID: fixed and mobile readers, the deduplicated sightings of each tag (unknown ones kept
    /// with the reason), returnable assets (GRAI) and where they were last seen, and the GIAI tag
    /// of a shelf.
    static let createRFID = Migration("0004_create_rfid", sql: #"""
        ALTER TABLE stock_location ADD COLUMN rfid_tag text;
        CREATE UNIQUE INDEX stock_location_rfid_tag ON stock_location (rfid_tag);
        CREATE TABLE stock_rfid_reader (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            code text NOT NULL,
            role text NOT NULL DEFAULT 'dock',
            location_id bigint NOT NULL REFERENCES stock_location (id) ON DELETE RESTRICT,
            dedup_seconds integer NOT NULL DEFAULT 30,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_rfid_reader_role CHECK (role IN ('dock', 'shelf', 'forklift')),
            CONSTRAINT stock_rfid_reader_window CHECK (dedup_seconds BETWEEN 0 AND 86400)
        );
        CREATE UNIQUE INDEX stock_rfid_reader_code ON stock_rfid_reader (code);
        CREATE INDEX stock_rfid_reader_location_id ON stock_rfid_reader (location_id);
        CREATE INDEX stock_rfid_reader_company_id ON stock_rfid_reader (company_id);
        CREATE TABLE stock_rfid_sighting (
            id bigserial PRIMARY KEY,
            reader_id bigint NOT NULL REFERENCES stock_rfid_reader (id) ON DELETE CASCADE,
            antenna integer,
            epc text NOT NULL,
            uri text,
            scheme text,
            rssi double precision,
            first_seen timestamptz NOT NULL,
            last_seen timestamptz NOT NULL,
            reads integer NOT NULL DEFAULT 1,
            status text NOT NULL DEFAULT 'known',
            reason text,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT stock_rfid_sighting_status CHECK (status IN ('known', 'unknown'))
        );
        CREATE INDEX stock_rfid_sighting_reader_id ON stock_rfid_sighting (reader_id, epc, last_seen DESC);
        CREATE INDEX stock_rfid_sighting_unknown ON stock_rfid_sighting (last_seen) WHERE status = 'unknown';
        CREATE INDEX stock_rfid_sighting_company_id ON stock_rfid_sighting (company_id);
        CREATE TABLE stock_rfid_asset (
            id bigserial PRIMARY KEY,
            uri text NOT NULL,
            epc text NOT NULL,
            location_id bigint REFERENCES stock_location (id) ON DELETE SET NULL,
            reader_id bigint REFERENCES stock_rfid_reader (id) ON DELETE SET NULL,
            last_seen timestamptz,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE UNIQUE INDEX stock_rfid_asset_uri ON stock_rfid_asset (uri);
        CREATE INDEX stock_rfid_asset_location_id ON stock_rfid_asset (location_id);
        CREATE INDEX stock_rfid_asset_reader_id ON stock_rfid_asset (reader_id);
        CREATE INDEX stock_rfid_asset_company_id ON stock_rfid_asset (company_id);
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false FROM unnest(ARRAY['stock.rfid.reader', 'stock.rfid.sighting', 'stock.rfid.asset']) m
            UNION ALL
            SELECT m || ' stock user', m, g.id, true, true, true, false FROM unnest(ARRAY['stock.rfid.sighting', 'stock.rfid.asset']) m, res_groups g
                WHERE g.xmlid = 'stock.group_stock_user'
            UNION ALL
            SELECT m || ' manager', m, g.id, true, true, true, true FROM unnest(ARRAY['stock.rfid.reader', 'stock.rfid.sighting', 'stock.rfid.asset']) m,
                res_groups g WHERE g.xmlid IN ('stock.group_stock_manager', 'base.group_system');
        """#)
}
