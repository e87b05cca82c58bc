/// A business module as the core sees it: its models, its migrations, its default access rights
/// and record rules. The composition root lists the manifests in dependency order.
public struct ModuleManifest: Sendable {
    public let name: String
    public let depends: [String]
    public let models: [ModelSpec]
    public let migrations: [Migration]
    public let rules: [RecordRule]
    /// Fields this module adds to models of the modules it depends on (Odoo's `_inherit`).
    public let extending: [ModelExtension]
    /// Declarations that belong to upper layers (the record store's hooks), kept opaque here.
    public let extensions: [any Sendable]

    public init(
        name: String, depends: [String] = [], models: [ModelSpec], migrations: [Migration], rules: [RecordRule] = [],
        extending: [ModelExtension] = [], extensions: [any Sendable] = []
    ) {
        self.name = name
        self.depends = depends
        self.models = models
        self.migrations = migrations
        self.rules = rules
        self.extending = extending
        self.extensions = extensions
    }
}

/// Fields a module adds to another module's model (inventory adds a category's removal
/// strategy); the columns come from the adding module's migrations.
public struct ModelExtension: Sendable {
    public let model: String
    public let fields: [FieldSpec]
    public init(model: String, fields: [FieldSpec]) { self.model = model; self.fields = fields }
}

/// One append-only schema step of a module: applied once, in order, inside a transaction.
public struct Migration: Sendable {
    /// Sortable within the module, e.g. `0001_create_res_company`.
    public let name: String
    public let sql: String
    public init(_ name: String, sql: String) { self.name = name; self.sql = sql }
}

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
