import ChainstoreCore

extension ModelSpec {
    /// What kind of device it is: its protocol, the metrics it reports and the commands it takes,
    /// and when silence means it is offline (IoT spec §3, §5).
    public static let iotDeviceType = ModelSpec(
        name: "iot.device.type", label: "Device Type",
        fields: [
            .char("code", "Code", required: true, index: true),
            .char("name", "Name", required: true),
            .selection("protocol", "Protocol", [
                SelectionOption("mqtt", "MQTT"), SelectionOption("llrp", "LLRP (RFID)"), SelectionOption("modbus", "Modbus"),
                SelectionOption("vendor_tcp", "Vendor TCP"), SelectionOption("usb", "USB"),
            ], required: true, default: .value("mqtt")),
            .text("metrics", "Telemetry Metrics"),
            .text("command_types", "Command Types"),
            .integer("heartbeat_s", "Heartbeat (s)", default: .value(60)),
            .integer("offline_grace_s", "Offline After (s)", default: .value(300)),
        ],
        order: "code")

    /// A device of a store or a DC (Odoo's `iot.device` names, plus the spec's): who it is (`uid`,
    /// its MQTT client id and topic level), where it is, and whether it is alive. `online` and
    /// `last_seen_at` are the platform's, from the device's messages.
    public static let iotDevice = ModelSpec(
        name: "iot.device", label: "IoT Device",
        fields: [
            .char("name", "Name", required: true),
            .char("uid", "Device UID", required: true, index: true),
            .many2one("device_type_id", "Device Type", to: "iot.device.type", required: true, onDelete: .restrict),
            .selection("type", "Type", [
                SelectionOption("rfid_reader", "RFID Reader"), SelectionOption("rfid_gate", "RFID Gate"),
                SelectionOption("pick_to_light", "Pick-to-Light"), SelectionOption("forklift", "Forklift"), SelectionOption("sensor", "Sensor"),
                SelectionOption("scale", "Scale"), SelectionOption("printer", "Printer"), SelectionOption("payment_scanner", "Payment Code Scanner"),
                SelectionOption("display", "Display"),
            ], required: true, default: .value("sensor")),
            .many2one("company_id", "Site", to: "res.company", required: true, onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .many2one("location_id", "Location", to: "stock.location"),
            .char("address", "Address"),
            .char("serial", "Serial Number"),
            .char("firmware_version", "Firmware"),
            .integer("config_version_desired", "Desired Configuration"),
            .integer("config_version_reported", "Reported Configuration"),
            .selection("state", "Status", [
                SelectionOption("registered", "Registered"), SelectionOption("provisioned", "Provisioned"), SelectionOption("active", "Active"),
                SelectionOption("maintenance", "Maintenance"), SelectionOption("retired", "Retired"),
            ], required: true, default: .value("registered")),
            FieldSpec("online", "Online", kind: .boolean, readonly: true),
            .datetime("last_seen_at", "Last Seen", readonly: true),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "name, id", companyScoped: true, auditedInDatabase: true)
}
