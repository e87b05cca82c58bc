import ChainstoreCore

/// Compiles a `Domain` to a SQL boolean expression over a table alias. Pure: identifiers come from
/// the registry, every value becomes a bind. Paths through relations become sub-selects, which
/// PostgreSQL plans as semi-joins.
public struct DomainCompiler: Sendable {
    public let registry: Registry
    /// The read rules of a model searched through a relation (`partner_id.vat`, `child_ids.name`,
    /// `any`), so a path cannot reveal what the user may not read. Nil while compiling rule
    /// domains themselves.
    public var relatedRules: (@Sendable (ModelSpec) -> Domain)?
    /// Fields hidden from the user (Odoo's `groups=`) cannot be filtered on.
    public var isVisible: @Sendable (FieldSpec) -> Bool = { _ in true }
    /// The SQL of fields computed per call (the record store's `contextualColumn`): without it,
    /// such fields cannot be searched.
    public var contextual: (@Sendable (ModelSpec, FieldSpec, String) throws -> (value: SQLBuilder, support: SQLBuilder?))?
    /// Set while compiling record rules: a path through a many2one becomes
    /// `col = ANY(ARRAY(SELECT id FROM comodel WHERE …))`, read once per statement. Rules sit
    /// under `OR`s, where PostgreSQL cannot turn `IN (SELECT …)` into a join (it would test a
    /// hashed sub-plan on every row, in index order, until the page is full); an array is an
    /// index condition it can OR with the rule's others. Rule paths must therefore select few
    /// related rows (transit places, a company's pickings): a condition that would match most
    /// of a large table belongs in a mirrored column (`FieldSpec.mirrored`).
    var compilingRules = false
    private var aliasCounter = 0
    private var depth = 0
    static let maxDepth = 32

    public init(registry: Registry) { self.registry = registry }

    /// Compiles `domain` after pushing every `!` down to the leaves, as Odoo does.
    public mutating func compile(_ domain: Domain, model: ModelSpec, alias: String, into sql: inout SQLBuilder) throws {
        try emit(domain.distributingNot(), model: model, alias: alias, into: &sql)
    }

    private mutating func emit(_ domain: Domain, model: ModelSpec, alias: String, into sql: inout SQLBuilder) throws {
        switch domain {
        case .all: sql += "TRUE"
        case .none: sql += "FALSE"
        case .and(let parts), .or(let parts):
            let joiner: String
            if case .and = domain { joiner = " AND " } else { joiner = " OR " }
            sql += "("
            for (i, part) in parts.enumerated() {
                if i > 0 { sql += joiner }
                try emit(part, model: model, alias: alias, into: &sql)
            }
            sql += ")"
        case .not(let inner):
            sql += "NOT ("
            try emit(inner, model: model, alias: alias, into: &sql)
            sql += ")"
        case .leaf(let path, let op, let value):
            try leaf(path: path[...], op: op, value: value, model: model, alias: alias, into: &sql, whole: domain)
        }
    }

    /// Compiles a record-rule domain (see `compilingRules`).
    public mutating func compileRules(_ domain: Domain, model: ModelSpec, alias: String, into sql: inout SQLBuilder) throws {
        let saved = compilingRules
        compilingRules = true
        defer { compilingRules = saved }
        try compile(domain, model: model, alias: alias, into: &sql)
    }

    mutating func nextAlias() -> String {
        aliasCounter += 1
        return "d\(aliasCounter)"
    }

    private mutating func leaf(
        path: ArraySlice<String>, op: DomainOperator, value: Value, model: ModelSpec, alias: String,
        into sql: inout SQLBuilder, whole: Domain
    ) throws {
        // Rules name hidden fields too (a row's branch): they are the module's, not the caller's.
        guard let name = path.first, let field = model.fields[name], compilingRules || isVisible(field), name != "display_name" || path.count == 1 else {
            throw ChainstoreError.valueError("Invalid field \(model.name).\(path.first ?? "") in leaf \(describe(whole))")
        }
        if let via = field.delegate, !field.mirrored, let link = model.fields[via] {
            // `name` on a variant is `product_tmpl_id.name`.
            try relationalPath(link, rest: path, op: op, value: value, model: model, alias: alias, into: &sql, whole: whole)
            return
        }
        if path.count > 1 {
            try relationalPath(field, rest: path.dropFirst(), op: op, value: value, model: model, alias: alias, into: &sql, whole: whole)
            return
        }
        if name == "display_name" {
            try displayName(op: op, value: value, model: model, alias: alias, into: &sql)
            return
        }
        if field.computedForRecords {
            throw ChainstoreError.valueError("Field '\(name)' on model '\(model.name)' is computed for the records read: it cannot be searched, sorted or grouped (leaf \(describe(whole)))")
        }
        if field.contextual {
            guard let contextual else { throw ChainstoreError.valueError("Field '\(name)' cannot be searched in leaf \(describe(whole))") }
            let (column, support) = try contextual(model, field, alias)
            try ContextualCondition.write(column: column, support: support, field: field, op: op, value: value, alias: alias, into: &sql)
            return
        }
        switch op {
        case .any, .notAny:
            guard let comodel = field.kind.comodel.flatMap({ registry.models[$0] }) else {
                throw ChainstoreError.valueError("Operator '\(op.rawValue)' needs a relational field in leaf \(describe(whole))")
            }
            let sub = try Domain.parse(value)
            if op == .notAny { sql += "NOT " }
            try related(field, model: model, comodel: comodel, alias: alias, into: &sql) { this, inner, subAlias in
                try this.emit(sub.distributingNot(), model: comodel, alias: subAlias, into: &inner)
            }
        case .childOf, .parentOf:
            try hierarchy(field, op: op, value: value, model: model, alias: alias, into: &sql, whole: whole)
        default:
            if field.kind.isX2Many {
                try x2many(field, op: op, value: value, model: model, alias: alias, into: &sql, whole: whole)
            } else if case .many2one = field.kind, case .string = value, op != .equalIfSet || !value.isEmpty {
                try many2oneByName(field, op: op, value: value, model: model, alias: alias, into: &sql)
            } else {
                try ColumnCondition.write(
                    column: field.columnSQL(alias: alias), field: field, op: op, value: value, model: model, into: &sql, leaf: whole)
            }
        }
    }

    /// `partner_id.country_id.code = 'CN'`, `line_ids.product_id = 5`.
    private mutating func relationalPath(
        _ field: FieldSpec, rest: ArraySlice<String>, op: DomainOperator, value: Value, model: ModelSpec, alias: String,
        into sql: inout SQLBuilder, whole: Domain
    ) throws {
        guard let comodel = field.kind.comodel.flatMap({ registry.models[$0] }) else {
            throw ChainstoreError.valueError("Invalid field \(model.name).\(field.name) in leaf \(describe(whole)): not relational")
        }
        var effective = op
        if field.kind.isX2Many, let positive = op.positive {
            sql += "NOT "
            effective = positive
        }
        try related(field, model: model, comodel: comodel, alias: alias, into: &sql) { this, inner, subAlias in
            try this.leaf(path: rest, op: effective, value: value, model: comodel, alias: subAlias, into: &inner, whole: whole)
        }
    }

    /// Writes "the related record(s) of `alias` through `field` satisfy <body>".
    mutating func related(
        _ field: FieldSpec, model: ModelSpec, comodel: ModelSpec, alias: String, into sql: inout SQLBuilder,
        body: (inout DomainCompiler, inout SQLBuilder, String) throws -> Void
    ) throws {
        let sub = nextAlias()
        var closing = ")"
        switch field.kind {
        case .many2one where compilingRules:
            // The related rows read once per statement into an array: an index condition on this
            // row's column, which PostgreSQL can OR with the others of the rule (BitmapOr).
            sql += "\(alias).\(quoted(field.name)) = ANY(ARRAY(SELECT \(sub).id FROM \(quoted(comodel.table)) \(sub) WHERE "
            closing = "))"
        case .many2one:
            sql += "\(alias).\(quoted(field.name)) IN (SELECT \(sub).id FROM \(quoted(comodel.table)) \(sub) WHERE "
        case .one2many(_, let inverse):
            sql += "EXISTS (SELECT 1 FROM \(quoted(comodel.table)) \(sub) WHERE \(sub).\(quoted(inverse)) = \(alias).id AND "
        case .many2many(_, let relation, let column1, let column2):
            let rel = nextAlias()
            sql += "EXISTS (SELECT 1 FROM \(quoted(relation)) \(rel) JOIN \(quoted(comodel.table)) \(sub) ON \(sub).id = \(rel).\(quoted(column2)) "
            sql += "WHERE \(rel).\(quoted(column1)) = \(alias).id AND "
        default:
            throw ChainstoreError.valueError("Field \(model.name).\(field.name) is not relational")
        }
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw ChainstoreError.valueError("Invalid domain: relations nested too deeply") }
        try body(&self, &sql, sub)
        if let rules = relatedRules?(comodel), rules != .all {
            sql += " AND "
            let saved = relatedRules
            relatedRules = nil
            defer { relatedRules = saved }
            try compileRules(rules, model: comodel, alias: sub, into: &sql)
        }
        sql += closing
    }

    /// x2many compared directly: ids, names, or emptiness.
    private mutating func x2many(
        _ field: FieldSpec, op: DomainOperator, value: Value, model: ModelSpec, alias: String, into sql: inout SQLBuilder,
        whole: Domain
    ) throws {
        guard let comodel = field.kind.comodel.flatMap({ registry.models[$0] }) else { return }
        if value.isEmpty, op == .equal || op == .notEqual {
            if op == .equal { sql += "NOT " }
            try related(field, model: model, comodel: comodel, alias: alias, into: &sql) { _, inner, _ in inner += "TRUE" }
            return
        }
        var effective = op
        if let positive = op.positive {
            sql += "NOT "
            effective = positive
        }
        try related(field, model: model, comodel: comodel, alias: alias, into: &sql) { this, inner, sub in
            if case .string = value {
                try this.displayName(op: effective, value: value, model: comodel, alias: sub, into: &inner)
            } else {
                let idOp: DomainOperator = effective == .equal ? .in : effective
                let ids: Value = value.arrayValue.map(Value.array) ?? .array([value])
                try ColumnCondition.write(
                    column: "\(sub).id", field: comodel.fields["id"]!, op: idOp, value: ids, model: comodel, into: &inner, leaf: whole)
            }
        }
    }

    /// `partner_id ilike 'Azure'`: matched through the comodel's display name.
    private mutating func many2oneByName(
        _ field: FieldSpec, op: DomainOperator, value: Value, model: ModelSpec, alias: String, into sql: inout SQLBuilder
    ) throws {
        guard let comodel = field.kind.comodel.flatMap({ registry.models[$0] }) else { return }
        let column = "\(alias).\(quoted(field.name))"
        let negative = op.positive != nil
        let positive = op.positive ?? op
        if negative { sql += "(\(column) IS NULL OR NOT " }
        try related(field, model: model, comodel: comodel, alias: alias, into: &sql) { this, inner, sub in
            try this.displayName(op: positive, value: value, model: comodel, alias: sub, into: &inner)
        }
        if negative { sql += ")" }
    }

    /// Conditions on the display name (the `$t` expression or the `recName` column).
    mutating func displayName(op: DomainOperator, value: Value, model: ModelSpec, alias: String, into sql: inout SQLBuilder) throws {
        let text = FieldSpec("display_name", "Display Name", kind: .char(size: nil))
        try ColumnCondition.write(
            column: Self.displayExpression(model, alias: alias), field: text, op: op, value: value, model: model,
            into: &sql, leaf: .leaf(path: ["display_name"], op: op, value: value))
    }

    /// SQL for a record's display name over `alias`.
    public static func displayExpression(_ model: ModelSpec, alias: String) -> String {
        if let expression = model.displayNameSQL { return expression.replacingOccurrences(of: "$t", with: alias) }
        return "\(alias).\(quoted(model.recName))"
    }

    func describe(_ domain: Domain) -> String {
        if case .leaf(let path, let op, let value) = domain {
            return "('\(path.joined(separator: "."))', '\(op.rawValue)', \(value))"
        }
        return "\(domain)"
    }
}
