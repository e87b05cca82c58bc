import ChainstoreCore
import ChainstoreDB
import Foundation

extension IoT {
    /// Where the back office lists devices, and the devices on the dashboard.
    static let menus: [MenuItem] = [
        MenuItem(.devices, "iot.device", "Devices"),
        MenuItem(.devices, "iot.alert", "Alerts"),
        MenuItem(.devices, "iot.command", "Commands"),
        MenuItem(.devices, "iot.alert.rule", "Alert Rules"),
        MenuItem(.devices, "iot.credential", "Credentials"),
        MenuItem(.devices, "iot.device.type", "Device Types"),
    ]

    static let views: [ViewSpec] = [
        ViewSpec(model: "iot.device", kind: .list, fields: ["name", "uid", "device_type_id", "company_id", "location_id", "state", "online", "last_seen_at"]),
        ViewSpec(model: "iot.device", kind: .search, fields: ["name", "uid", "serial", "company_id"]),
        ViewSpec(model: "iot.device", kind: .form, fields: [
            "name", "uid", "device_type_id", "type", "company_id", "location_id", "address", "serial", "firmware_version", "state", "online",
            "last_seen_at", "offline_since", "offline_grace_s",
        ], buttons: [ViewButton("revoke_credentials", "Revoke Credentials", states: ["provisioned", "active", "maintenance"])]),
        ViewSpec(model: "iot.alert", kind: .list, fields: ["rule_id", "device_id", "company_id", "state", "pending_since", "firing_since", "resolved_at", "last_value"]),
        ViewSpec(model: "iot.alert", kind: .search, fields: ["rule_id", "device_id", "company_id", "state"]),
        ViewSpec(model: "iot.command", kind: .list, fields: ["device_id", "type", "state", "attempts", "sent_at", "ack_at", "done_at", "expires_at", "error_code"]),
        ViewSpec(model: "iot.command", kind: .search, fields: ["device_id", "type", "state", "cmd_id"]),
        ViewSpec(model: "iot.alert.rule", kind: .list, fields: ["name", "kind", "metric", "op", "threshold", "clear_threshold", "for_s", "company_id", "severity", "active"]),
        ViewSpec(model: "iot.credential", kind: .list, fields: ["device_id", "company_id", "kind", "state", "create_date", "revoked_at"]),
    ]

    /// Devices offline beyond their grace (an open offline alert: a Wi-Fi blip shorter than the
    /// grace never shows here), and the firing alerts, by site.
    static let dashboard: [DashboardCard] = [
        DashboardCard("iot.devices_offline", "Devices offline", model: "iot.alert",
                      domain: { _ in .allOf([.leaf("kind", .equal, .string("offline")), .leaf("state", .equal, .string("firing"))]) },
                      groupby: "company_id", chart: .bar, limit: 10, rollUp: .city),
        DashboardCard("iot.alerts_firing", "Device alerts firing", model: "iot.alert",
                      domain: { _ in .allOf([.leaf("kind", .equal, .string("threshold")), .leaf("state", .equal, .string("firing"))]) },
                      groupby: "company_id", chart: .bar, limit: 10, rollUp: .city),
    ]
}
