import ChainstoreCore
import ChainstoreDB
import Foundation

/// The IoT platform's registry: device types and the devices of every store and DC, under the
/// company rules (a store sees its own devices, a city its stores'), in the back office's
/// "Devices" area and on its dashboard (devices offline). The broker connection (`MQTT`),
/// heartbeats, telemetry and commands build on it.
public enum IoT {
    public static let manifest = ModuleManifest(
        name: "iot", depends: ["base", "stock"],
        models: [.iotDeviceType, .iotDevice],
        migrations: [.createRegistry],
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: []),
        views: views, menus: menus, dashboard: dashboard)
}
