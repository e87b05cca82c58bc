import ChainstoreCore

/// Something the scheduler measures every minute and alerts on (`base.alerts`): a module names
/// what it watches (devices offline, a reconciliation with differences, …) and how to measure
/// it; each has a rule (`chainstore.alert.rule`: threshold, on/off) that administrators tune.
/// Above its threshold an alert fires (`chainstore.alert`, a bus notification to
/// administrators); back at or below it, it is resolved (another notification).
public struct AlertProbe: Sendable {
    /// The rule's key, e.g. `iot.devices_offline`.
    public let kind: String
    /// What is measured, in English (the back office translates it).
    public let name: String
    /// The default threshold: an alert fires while the value is above it.
    public let threshold: Double
    /// The current value; nil when there is nothing to measure here (no replica, no logs database).
    public let measure: @Sendable (JobContext) async throws -> Double?

    public init(kind: String, name: String, threshold: Double, measure: @escaping @Sendable (JobContext) async throws -> Double?) {
        self.kind = kind
        self.name = name
        self.threshold = threshold
        self.measure = measure
    }
}
