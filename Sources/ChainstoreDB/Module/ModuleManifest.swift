import ChainstoreCore
import Foundation
import Logging
import ServiceLifecycle

/// Everything a business module brings, declared in one value: the node builds itself from the
/// list of manifests (ChainstoreApp's `Modules.all`), so adding a module is one target and one
/// line there.
///
/// - Schema: `models`, fields added to other modules' models (`extending`), append-only
///   `migrations`, the SQL of fields computed per call (`contextual`), the computations of
///   fields computed for the records read (`computes`), and record `rules` (access rights are
///   seeded by a migration).
/// - Behaviour: business `methods` callable over RPC (an allow-list beside the generic
///   methods) and the record store's typed `hooks` (after create, after write).
/// - Runtime: HTTP `endpoints` (each with the node role that serves it), browser pages and their
///   static files with translations (`web`), recurring `jobs` (run for every tenant database),
///   long-running services (`start`), real-time `channels`, back-office `views`, and `demo` data.
public struct ModuleManifest: Sendable {
    public let name: String
    public let depends: [String]
    public var models: [ModelSpec]
    public var extending: [ModelExtension]
    public var migrations: [Migration]
    /// The SQL of the fields this module computes per call (`FieldSpec.contextuallyComputed()`).
    public var contextual: [ContextualColumn]
    /// What computes the fields this module computes for the records read
    /// (`FieldSpec.computedForReadRecords()`).
    public var computes: [RecordCompute]
    public var rules: [RecordRule]
    public var methods: [ModelMethod]
    public var hooks: [RecordHook]
    public var endpoints: [Endpoint]
    public var web: WebAssets?
    public var jobs: [Job]
    /// What the scheduler measures every minute and alerts on (`AlertProbe`).
    public var alerts: [AlertProbe]
    /// What the module does when a node starts: it provides its node state (`NodeContext.provide`)
    /// and returns its long-running services (a cache listener). Runs in module order.
    public var start: (@Sendable (NodeContext) async throws -> [any Service])?
    public var channels: [BusChannel]
    public var views: [ViewSpec]
    /// Where the back office lists the module's models (an area's menu).
    public var menus: [MenuItem]
    /// The module's charts on the back office's dashboard.
    public var dashboard: [DashboardCard]
    /// Demo data for `serve --demo`, applied in module order after migrations (idempotent).
    public var demo: (@Sendable (Database, Registry, Logger) async throws -> Void)?
    /// Reference data kept from outside sources (ISO country and currency lists from the
    /// system's iso-codes files): run after every migration, in its own transaction, under the
    /// migration lock. Must be idempotent and cheap when there is nothing new.
    public var referenceData: (@Sendable (Transaction, Logger) async throws -> Void)?

    public init(
        name: String, depends: [String] = [], models: [ModelSpec] = [], extending: [ModelExtension] = [], migrations: [Migration] = [],
        contextual: [ContextualColumn] = [], computes: [RecordCompute] = [], rules: [RecordRule] = [], methods: [ModelMethod] = [], hooks: [RecordHook] = [],
        endpoints: [Endpoint] = [], web: WebAssets? = nil, jobs: [Job] = [], alerts: [AlertProbe] = [],
        start: (@Sendable (NodeContext) async throws -> [any Service])? = nil, channels: [BusChannel] = [], views: [ViewSpec] = [],
        menus: [MenuItem] = [], dashboard: [DashboardCard] = [], demo: (@Sendable (Database, Registry, Logger) async throws -> Void)? = nil,
        referenceData: (@Sendable (Transaction, Logger) async throws -> Void)? = nil
    ) {
        self.name = name
        self.depends = depends
        self.models = models
        self.extending = extending
        self.migrations = migrations
        self.contextual = contextual
        self.computes = computes
        self.rules = rules
        self.methods = methods
        self.hooks = hooks
        self.endpoints = endpoints
        self.web = web
        self.jobs = jobs
        self.alerts = alerts
        self.start = start
        self.channels = channels
        self.views = views
        self.menus = menus
        self.dashboard = dashboard
        self.demo = demo
        self.referenceData = referenceData
    }
}

/// A real-time channel family a module publishes on (`pos.display/<till>`): who may subscribe is
/// decided here, per user and company, never by the client.
public struct BusChannel: Sendable {
    /// Channel names start with this prefix and a slash, e.g. `payment.display/`.
    public let prefix: String
    public let authorize: @Sendable (Env, String) -> Bool

    public init(prefix: String, authorize: @escaping @Sendable (Env, String) -> Bool) {
        self.prefix = prefix
        self.authorize = authorize
    }
}

/// How the back office shows a model: the fields of a list, form, kanban or search view, in
/// order, and (on a form) the business methods offered as buttons. Models without one get a view
/// generated from their fields.
public struct ViewSpec: Sendable {
    public enum Kind: String, Sendable { case list, form, kanban, search }
    public let model: String
    public let kind: Kind
    public let fields: [String]
    public let buttons: [ViewButton]

    public init(model: String, kind: Kind, fields: [String], buttons: [ViewButton] = []) {
        self.model = model
        self.kind = kind
        self.fields = fields
        self.buttons = buttons
    }
}

/// A business method on a form (`button_validate` as "Validate"), shown while the record's
/// `state` is one of `states` (always when empty); it must be a registered record method.
public struct ViewButton: Sendable {
    public let method: String
    public let label: String
    public let states: [String]
    /// Highlighted as the form's main action.
    public let primary: Bool

    public init(_ method: String, _ label: String, states: [String] = [], primary: Bool = false) {
        self.method = method
        self.label = label
        self.states = states
        self.primary = primary
    }
}

/// The back office's areas, in menu order; an area appears once a module lists a model in it.
public enum MenuArea: String, Sendable, CaseIterable {
    case organisation, catalogue, inventory, pointOfSale = "point_of_sale", purchasing, finance, devices, settings

    public var label: String {
        switch self {
        case .organisation: "Organisation"
        case .catalogue: "Catalogue"
        case .inventory: "Inventory"
        case .pointOfSale: "Point of sale"
        case .purchasing: "Purchasing and replenishment"
        case .finance: "Finance"
        case .devices: "Devices"
        case .settings: "Settings"
        }
    }
}

/// One entry of an area's menu: a model's records, under a label of its own.
public struct MenuItem: Sendable {
    public let area: MenuArea
    public let model: String
    public let label: String

    public init(_ area: MenuArea, _ model: String, _ label: String) {
        self.area = area
        self.model = model
        self.label = label
    }
}

/// One chart of the back office's dashboard: a `read_group` of `model` over `domain` (given the
/// moment it is drawn), grouped by one field, measuring one aggregate (`amount_total:sum`) or the
/// record count (nil) — run as the user, so it shows only what the user may read. Groups of
/// companies may be rolled up to their city subsidiary (`rollUp: .city`): sales by city for the
/// group, by the city's own company for a city manager.
public struct DashboardCard: Sendable {
    public enum Chart: String, Sendable { case line, bar, pie }
    public enum RollUp: Sendable { case none, city }

    public let id: String
    public let title: String
    public let model: String
    public let domain: @Sendable (Date) -> Domain
    public let groupby: String
    public let measure: String?
    public let chart: Chart
    public let limit: Int?
    public let rollUp: RollUp

    public init(
        _ id: String, _ title: String, model: String, domain: @escaping @Sendable (Date) -> Domain = { _ in .all }, groupby: String,
        measure: String? = nil, chart: Chart, limit: Int? = nil, rollUp: RollUp = .none
    ) {
        self.id = id
        self.title = title
        self.model = model
        self.domain = domain
        self.groupby = groupby
        self.measure = measure
        self.chart = chart
        self.limit = limit
        self.rollUp = rollUp
    }

    /// `days` before `now`, as the UTC timestamp text domains compare datetimes with.
    public static func since(days: Int, before now: Date) -> Value {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return .string(format.string(from: now.addingTimeInterval(-Double(days) * 86_400)))
    }
}
