import ChainstoreCore

/// The SQL of a `contextual` field (`FieldSpec.contextuallyComputed()`), written by the module
/// that owns it: a value over the record's alias that depends on the caller's context and
/// companies, such as a product's quantity on hand in the warehouse the context names.
public struct ContextualColumn: Sendable {
    public let model: String
    public let field: String
    /// The value: one SQL expression (a sub-select) over `scope.alias`.
    public let value: @Sendable (ContextualScope) throws -> SQLBuilder
    /// The ids of the records whose value may differ from zero (a set expression), when the
    /// module can name them cheaply: a search that zero cannot satisfy (`qty_available > 0`)
    /// starts from them instead of computing the value for every record.
    public let support: (@Sendable (ContextualScope) throws -> SQLBuilder?)?

    public init(
        model: String, field: String, value: @escaping @Sendable (ContextualScope) throws -> SQLBuilder,
        support: (@Sendable (ContextualScope) throws -> SQLBuilder?)? = nil
    ) {
        self.model = model
        self.field = field
        self.value = value
        self.support = support
    }

    var key: String { model + "." + field }
}

/// What a contextual column's SQL may use: the caller, the record's alias, and the caller's read
/// rules and companies compiled for other tables.
public struct ContextualScope: Sendable {
    public let env: Env
    /// The alias of the record the value belongs to.
    public let alias: String
    let store: RecordStore

    /// The read rules of `model` for the caller over `alias` (`TRUE` when there are none).
    public func rules(_ model: String, alias: String) throws -> SQLBuilder {
        var sql = SQLBuilder()
        try store.appendRules(try store.registry.model(model), .read, alias: alias, into: &sql)
        return sql
    }

    /// The row `alias` of `model` belongs to one of the caller's companies or a company below
    /// them (its `company_id`): `TRUE` for whoever covers the whole tree, a bound list when it
    /// is short, else the subtree as an index range.
    public func companies(of model: String, alias: String) throws -> SQLBuilder {
        if env.isSystem || env.coversCompanyTree { return "TRUE" }
        if let below = env.companyReach?.below { return "\(unsafeRaw: alias).company_id = ANY(\(below))" }
        let spec = try store.registry.model(model)
        var compiler = DomainCompiler(registry: store.registry)
        var sql = SQLBuilder()
        let allowed = Value.array(env.allowedCompanyIds.map(Value.int))
        try compiler.compileRules(.leaf(path: ["company_id"], op: .childOf, value: allowed), model: spec, alias: alias, into: &sql)
        return sql
    }
}

extension RecordStore {
    func contextualScope(alias: String) -> ContextualScope {
        ContextualScope(env: env, alias: alias, store: self)
    }

    /// The SQL of a contextual field over `alias`, and the ids its value may be nonzero for.
    func contextualColumn(_ model: ModelSpec, _ field: FieldSpec, alias: String) throws -> (value: SQLBuilder, support: SQLBuilder?) {
        guard let column = registry.contextualColumns[model.name + "." + field.name] else {
            throw ChainstoreError.validation("Field \(model.name).\(field.name) is computed per call but no module gives its SQL")
        }
        let scope = contextualScope(alias: alias)
        return (try column.value(scope), try column.support?(scope) ?? nil)
    }
}
