import Foundation
import Logging

/// Who is acting, for which companies, with which context: passed explicitly to every operation
/// (no ambient or thread-local state). Privileged work goes through `asSystem(reason:)` only.
public struct Env: Sendable {
    public let uid: Int64
    public let login: String
    /// Group xml ids of the user (`base.group_user`, `base.group_system`, …).
    public let groups: Set<String>
    /// The current company: default company of new records.
    public let companyId: Int64
    /// Companies whose records are visible, with their descendants (`allowed_company_ids`).
    public let allowedCompanyIds: [Int64]
    /// The allowed companies include every root of the company tree, so "under an allowed
    /// company" holds for every company: the multi-company rule is true and compiles to nothing.
    public var coversCompanyTree: Bool
    /// The companies under and above the allowed ones, resolved when the environment was built
    /// (nil when they were not, or when `coversCompanyTree` makes them pointless). Record rules
    /// bind them as constants, so PostgreSQL plans each query knowing how many rows they reach.
    public var companyReach: CompanyReach?
    /// The commercial entity of the user's own partner (the supplier a portal user speaks for):
    /// portal rules compare records with it. Nil for environments built without a user row.
    public var commercialPartnerId: Int64?
    /// Odoo's call context (`lang`, `tz`, `active_test`, `default_*`, …).
    public var context: RecordValues
    /// Set only through `asSystem(reason:)`: skips access rights and record rules, never the audit trail.
    public private(set) var systemReason: String?
    public var logger: Logger
    public var clock: @Sendable () -> Date

    public init(
        uid: Int64, login: String, groups: Set<String>, companyId: Int64, allowedCompanyIds: [Int64], coversCompanyTree: Bool = false,
        context: RecordValues = [:], logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.coversCompanyTree = coversCompanyTree
        self.companyReach = nil
        self.uid = uid
        self.login = login
        self.groups = groups
        self.companyId = companyId
        self.allowedCompanyIds = allowedCompanyIds
        self.context = context
        self.logger = logger
        self.clock = clock
    }

    public var isSystem: Bool { systemReason != nil }

    /// The one door to privileged work. The reason is logged, so every use can be found and justified.
    /// The system itself (uid 1, the group's company), for background work: jobs, answers from
    /// outside parties.
    public static func system(reason: String, logger: Logger) -> Env {
        Env(uid: 1, login: "__system__", groups: [], companyId: 1, allowedCompanyIds: [1], logger: logger).asSystem(reason: reason)
    }

    public func asSystem(reason: String) -> Env {
        var env = self
        env.systemReason = reason
        env.logger.debug("privileged access", metadata: ["reason": "\(reason)", "uid": "\(uid)"])
        return env
    }

    public func hasGroup(_ xmlid: String) -> Bool { groups.contains(xmlid) }

    /// `active_test` from the context (default true).
    public var activeTest: Bool { context["active_test"]?.boolValue ?? true }
    public var lang: String { context["lang"]?.stringValue ?? "en_US" }

    /// Whether a call's `allowed_company_ids` leaves this environment as it is: absent, or naming
    /// exactly its companies, its current company first (what Odoo's web client and the tills
    /// send for a user's own companies). Any other list has to be checked against the tree.
    public func keeps(allowedCompanies requested: Value?) -> Bool {
        guard let requested, !requested.isEmpty else { return true }
        return requested.idList == allowedCompanyIds && allowedCompanyIds.first == companyId
    }

    public func withContext(_ extra: RecordValues) -> Env {
        var env = self
        for (key, value) in extra { env.context[key] = value }
        return env
    }
}

/// The companies a user's records may belong to: the subtrees of the allowed companies
/// (`below`, the allowed ones included; nil when there are more than `boundLimit`) and the
/// parents above them (`above`).
public struct CompanyReach: Sendable, Equatable {
    /// Subtrees up to this size are bound as constants; larger ones are read by the query.
    public static let boundLimit = 256
    public let below: [Int64]?
    public let above: [Int64]
    /// The branches (a company's ancestor just below the tree's root: a city) the allowed
    /// companies lie in; nil when one of them is a root. Rows that keep their company's branch
    /// (`company_branch`) are then found by it: the city's rows as one index range.
    public let branches: [Int64]?
    /// Every allowed company is its branch's top, so "under an allowed company" is exactly "in
    /// one of `branches`".
    public let wholeBranches: Bool
    /// `below` as read with at most `boundLimit + 1` rows: more means too many to bind.
    public init(below: [Int64]?, above: [Int64], branches: [Int64]? = nil, wholeBranches: Bool = false) {
        self.below = below.flatMap { $0.count > Self.boundLimit ? nil : Array(Set($0)).sorted() }
        self.above = above
        self.branches = branches.map { Array(Set($0)).sorted() }
        self.wholeBranches = branches != nil && wholeBranches
    }
}
