import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// The device registry: device types (seeded with the spec's) and devices, one uid each, read
    /// by their site's company and those above it, managed by inventory managers and administrators.
    static let createRegistry = Migration("0001_create_registry", sql: [#"""
        CREATE TABLE iot_device_type (
            id bigserial PRIMARY KEY,
            code text NOT NULL UNIQUE,
            name text NOT NULL,
            protocol text NOT NULL DEFAULT 'mqtt' CHECK (protocol IN ('mqtt', 'llrp', 'modbus', 'vendor_tcp', 'usb')),
            metrics text,
            command_types text,
            heartbeat_s integer NOT NULL DEFAULT 60 CHECK (heartbeat_s > 0),
            offline_grace_s integer NOT NULL DEFAULT 300 CHECK (offline_grace_s >= 0),
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX iot_device_type_order ON iot_device_type (code, id);
        CREATE TABLE iot_device (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            uid text NOT NULL UNIQUE CHECK (uid ~ '^[a-z0-9-]{8,40}$'),
            device_type_id bigint NOT NULL REFERENCES iot_device_type (id) ON DELETE RESTRICT,
            type text NOT NULL DEFAULT 'sensor' CHECK (type IN ('rfid_reader', 'rfid_gate', 'pick_to_light', 'forklift', 'sensor', 'scale',
                                                                'printer', 'payment_scanner', 'display')),
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            location_id bigint REFERENCES stock_location (id) ON DELETE SET NULL,
            address text,
            serial text,
            firmware_version text,
            config_version_desired integer,
            config_version_reported integer,
            state text NOT NULL DEFAULT 'registered' CHECK (state IN ('registered', 'provisioned', 'active', 'maintenance', 'retired')),
            online boolean NOT NULL DEFAULT false,
            last_seen_at timestamptz,
            active boolean NOT NULL DEFAULT true,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX iot_device_uid ON iot_device (uid);
        CREATE INDEX iot_device_device_type_id ON iot_device (device_type_id);
        CREATE INDEX iot_device_company_id ON iot_device (company_id);
        CREATE INDEX iot_device_location_id ON iot_device (location_id);
        CREATE INDEX iot_device_order ON iot_device (name, id);
        CREATE INDEX iot_device_offline ON iot_device (company_id) WHERE NOT online AND state <> 'retired';
        INSERT INTO iot_device_type (code, name, protocol, heartbeat_s, offline_grace_s, metrics, command_types, create_date, write_date) VALUES
            ('ptl_controller', 'Pick-to-light controller', 'vendor_tcp', 60, 60, NULL, '["light.show","light.clear"]', now(), now()),
            ('rfid_reader', 'RFID reader', 'llrp', 60, 300, '[{"name":"reads_per_min","unit":"1/min","kind":"gauge"}]', NULL, now(), now()),
            ('rfid_gate', 'RFID gate', 'llrp', 60, 60, '[{"name":"reads_per_min","unit":"1/min","kind":"gauge"}]', NULL, now(), now()),
            ('temp_probe', 'Temperature probe', 'mqtt', 60, 300, '[{"name":"temp_c","unit":"°C","kind":"gauge"}]', NULL, now(), now()),
            ('shelf_weight', 'Shelf weight sensor', 'modbus', 60, 300, '[{"name":"weight_kg","unit":"kg","kind":"gauge"}]', NULL, now(), now()),
            ('door', 'Door sensor', 'mqtt', 60, 300, '[{"name":"door_open","unit":"","kind":"state"}]', NULL, now(), now()),
            ('forklift', 'Forklift telematics', 'mqtt', 60, 300, '[{"name":"battery_pct","unit":"%","kind":"gauge"}]', NULL, now(), now()),
            ('scale', 'Scale', 'usb', 60, 300, NULL, NULL, now(), now()),
            ('printer', 'Printer', 'usb', 60, 300, NULL, '["print"]', now(), now()),
            ('scanner', 'Payment code scanner', 'usb', 60, 300, NULL, NULL, now(), now()),
            ('display', 'Customer display', 'mqtt', 60, 300, NULL, '["display.show"]', now(), now());
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false FROM unnest(ARRAY['iot.device', 'iot.device.type']) m
            UNION ALL
            SELECT m || ' manager', m, g.id, true, true, true, true
                FROM unnest(ARRAY['iot.device', 'iot.device.type']) m, res_groups g
                WHERE g.xmlid IN ('stock.group_stock_manager', 'base.group_system');
        """#,
        AuditTriggers.create(table: "iot_device", model: "iot.device", columns: [
            "name", "uid", "device_type_id", "type", "company_id", "location_id", "address", "serial", "state", "active",
        ], hashJoin: true),
    ].joined(separator: "\n"))
}
