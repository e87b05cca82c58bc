import ChainstoreCore
import ChainstoreDB
import Foundation

extension IoT {
    /// Where the back office lists devices, and the devices on the dashboard.
    static let menus: [MenuItem] = [
        MenuItem(.devices, "iot.device", "Devices"),
        MenuItem(.devices, "iot.device.type", "Device Types"),
    ]

    static let views: [ViewSpec] = [
        ViewSpec(model: "iot.device", kind: .list, fields: ["name", "uid", "device_type_id", "company_id", "location_id", "state", "online", "last_seen_at"]),
        ViewSpec(model: "iot.device", kind: .search, fields: ["name", "uid", "serial", "company_id"]),
    ]

    static let dashboard: [DashboardCard] = [
        DashboardCard("iot.devices_offline", "Devices offline", model: "iot.device",
                      domain: { _ in .allOf([.leaf("online", .equal, .false), .leaf("state", .notEqual, .string("retired"))]) },
                      groupby: "company_id", chart: .bar, limit: 10, rollUp: .city),
    ]
}
