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
            .datetime("offline_since", "Offline Since", readonly: true),
            .integer("offline_grace_s", "Offline Alert After (s)"),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "name, id", companyScoped: true, auditedInDatabase: true)
}

extension ModelSpec {
    /// A device's credential for the broker: a token (its hash in Mosquitto's own PBKDF2-SHA512
    /// format, never the token) or a client certificate's fingerprint. Issued and revoked through
    /// `iot.device.issue_credential()` / `revoke_credentials()`; the broker's password and ACL
    /// files are made from the active ones of devices not retired.
    public static let iotCredential = ModelSpec(
        name: "iot.credential", label: "Device Credential",
        fields: [
            .many2one("device_id", "Device", to: "iot.device", required: true, readonly: true, onDelete: .cascade),
            .many2one("company_id", "Site", to: "res.company", required: true, readonly: true, onDelete: .restrict),
            .selection("kind", "Kind", [SelectionOption("token", "Token"), SelectionOption("x509", "Client Certificate")], required: true,
                       default: .value("token")),
            .char("cert_fingerprint_sha256", "Certificate Fingerprint (SHA-256)"),
            .datetime("not_after", "Valid Until"),
            .selection("state", "Status", [SelectionOption("active", "Active"), SelectionOption("revoked", "Revoked")], required: true,
                       default: .value("active")),
            .datetime("revoked_at", "Revoked On", readonly: true),
        ],
        order: "id desc", recName: "device_id",
        displayNameSQL: "(SELECT d.uid FROM iot_device d WHERE d.id = $t.device_id) || ' #' || $t.id", companyScoped: true, auditedInDatabase: true)

    static let alertKinds = [SelectionOption("threshold", "Threshold"), SelectionOption("offline", "Device Offline")]

    /// When a device's value or silence is an alert (IoT spec §7): a threshold on a metric held for
    /// `for_s` seconds (pending until then), cleared when the value is back past `clear_threshold`
    /// (hysteresis) for `keep_firing_for_s`; or a device offline for longer than its grace. A rule
    /// applies to the devices of a type, of a company and the companies under it, or to one device.
    public static let iotAlertRule = ModelSpec(
        name: "iot.alert.rule", label: "Alert Rule",
        fields: [
            .char("name", "Name", required: true),
            .selection("kind", "Kind", alertKinds, required: true, default: .value("threshold")),
            .char("metric", "Metric"),
            .selection("op", "Condition", [
                SelectionOption(">", "above"), SelectionOption(">=", "at or above"), SelectionOption("<", "below"),
                SelectionOption("<=", "at or below"), SelectionOption("==", "equal to"),
            ]),
            .float("threshold", "Threshold"),
            .float("clear_threshold", "Clear Threshold"),
            .integer("for_s", "Pending For (s)", default: .value(0)),
            .integer("keep_firing_for_s", "Keep Firing For (s)", default: .value(0)),
            .many2one("device_type_id", "Device Type", to: "iot.device.type", onDelete: .cascade),
            .many2one("device_id", "Device", to: "iot.device", onDelete: .cascade),
            .many2one("company_id", "Company", to: "res.company", onDelete: .cascade),
            .selection("severity", "Severity", [
                SelectionOption("info", "Info"), SelectionOption("warning", "Warning"), SelectionOption("critical", "Critical"),
            ], required: true, default: .value("warning")),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "name, id", companyScoped: true, auditedInDatabase: true)

    /// One alert of a rule on a device, opened and closed once: pending (the condition holds, not
    /// yet for long enough), firing, then resolved; a pending alert whose condition stops becomes
    /// inactive without ever being announced.
    public static let iotAlert = ModelSpec(
        name: "iot.alert", label: "Device Alert",
        fields: [
            .many2one("rule_id", "Rule", to: "iot.alert.rule", required: true, readonly: true, onDelete: .cascade),
            .many2one("device_id", "Device", to: "iot.device", required: true, readonly: true, onDelete: .cascade),
            .many2one("company_id", "Site", to: "res.company", required: true, readonly: true, onDelete: .restrict),
            .selection("kind", "Kind", alertKinds, required: true),
            .selection("state", "Status", [
                SelectionOption("pending", "Pending"), SelectionOption("firing", "Firing"), SelectionOption("resolved", "Resolved"),
                SelectionOption("inactive", "Inactive"),
            ], required: true),
            .datetime("pending_since", "Pending Since", readonly: true),
            .datetime("firing_since", "Firing Since", readonly: true),
            .datetime("clearing_since", "Clearing Since", readonly: true),
            .datetime("resolved_at", "Resolved On", readonly: true),
            .float("last_value", "Last Value"),
        ],
        order: "pending_since desc, id desc", recName: "rule_id",
        displayNameSQL: "(SELECT r.name FROM iot_alert_rule r WHERE r.id = $t.rule_id) || ' — ' || (SELECT d.uid FROM iot_device d WHERE d.id = $t.device_id)",
        companyScoped: true)

    /// A command to a device (IoT spec §8), from queued to its outcome: sent with an id and an
    /// expiry, acknowledged, then succeeded or failed; an unacknowledged one is sent again with the
    /// same id, an acknowledged one never.
    public static let iotCommand = ModelSpec(
        name: "iot.command", label: "Device Command",
        fields: [
            .char("cmd_id", "Command ID", readonly: true, index: true),
            .many2one("device_id", "Device", to: "iot.device", required: true, readonly: true, onDelete: .cascade),
            .many2one("company_id", "Site", to: "res.company", required: true, readonly: true, onDelete: .restrict),
            .char("type", "Type", readonly: true),
            .text("params", "Parameters"),
            .selection("state", "Status", [
                SelectionOption("queued", "Queued"), SelectionOption("sent", "Sent"), SelectionOption("acked", "Acknowledged"),
                SelectionOption("succeeded", "Succeeded"), SelectionOption("failed", "Failed"), SelectionOption("rejected", "Rejected"),
                SelectionOption("timed_out", "Timed Out"), SelectionOption("expired", "Expired"), SelectionOption("cancelled", "Cancelled"),
            ], required: true, default: .value("queued")),
            .datetime("sent_at", "Sent", readonly: true),
            .datetime("ack_at", "Acknowledged", readonly: true),
            .datetime("done_at", "Done", readonly: true),
            .datetime("expires_at", "Expires", readonly: true),
            .integer("ack_timeout_s", "Acknowledgement Timeout (s)"),
            .integer("result_timeout_s", "Result Timeout (s)"),
            .integer("attempts", "Attempts"),
            .integer("max_attempts", "Maximum Attempts"),
            .text("result", "Result"),
            .char("error_code", "Error"),
            .char("origin_model", "Origin Model"),
            .integer("origin_id", "Origin ID"),
        ],
        order: "id desc", recName: "type",
        displayNameSQL: "$t.type || ' → ' || (SELECT d.uid FROM iot_device d WHERE d.id = $t.device_id)", companyScoped: true)
}
