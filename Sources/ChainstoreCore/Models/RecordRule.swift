/// The four access operations of Odoo's access rights and record rules.
public enum Operation: String, Sendable, CaseIterable { case read, write, create, unlink }

/// A record rule: a domain computed from the environment, for some groups (or all users when
/// `groups` is empty — a global rule). Global rules are AND-ed; group rules are OR-ed together.
public struct RecordRule: Sendable {
    public let name: String
    public let model: String
    public let groups: [String]
    public let operations: Set<Operation>
    public let domain: @Sendable (Env) -> Domain

    public init(
        _ name: String, model: String, groups: [String] = [], operations: Set<Operation> = Set(Operation.allCases),
        domain: @escaping @Sendable (Env) -> Domain
    ) {
        self.name = name
        self.model = model
        self.groups = groups
        self.operations = operations
        self.domain = domain
    }
}
