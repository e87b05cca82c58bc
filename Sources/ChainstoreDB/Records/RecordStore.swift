import ChainstoreCore
import Logging
import PostgresNIO

/// The generic path: every Odoo-style operation on any registered model, inside one transaction,
/// as one user. Access rights and record rules are applied here on every operation, so callers
/// cannot forget them; every change writes audit rows in the same statement.
public struct RecordStore: Sendable {
    public let registry: Registry
    public let tx: Transaction
    public let env: Env

    public init(registry: Registry, tx: Transaction, env: Env) {
        self.registry = registry
        self.tx = tx
        self.env = env
    }

    /// The same store acting through the privileged door (logged with its reason).
    public func asSystem(reason: String) -> RecordStore {
        RecordStore(registry: registry, tx: tx, env: env.asSystem(reason: reason))
    }

    public func model(_ name: String) throws -> ModelSpec { try registry.model(name) }

    // MARK: search

    /// Ids of the records matching `domain`, ordered, after access rights, record rules and the
    /// implicit `active` filter.
    public func search(
        _ modelName: String, domain: Domain, offset: Int = 0, limit: Int? = nil, order: String? = nil
    ) async throws -> [Int64] {
        let model = try model(modelName)
        try await checkAccess(model, .read)
        var sql = SQLBuilder("SELECT t.id FROM ")
        try appendRows(model, domain, order: order, offset: offset, limit: limit, into: &sql)
        try orderClause(model, order, into: &sql)
        try pagination(offset: offset, limit: limit, into: &sql)
        return try await tx.query(sql).map { try $0.decode(Int64.self) }
    }

    /// `FROM` and `WHERE` of a search as `t`: the table and the domain with the rules. For a
    /// caller whose rows lie in several branch ranges (a city's, and those of no company), a page
    /// is each range's first rows in order, read from the range's index, then merged: in one
    /// scan PostgreSQL would walk the whole order for the few ranges it keeps. `joins` adds the
    /// joins over `t`.
    func appendRows(
        _ model: ModelSpec, _ domain: Domain, order: String?, offset: Int, limit: Int?,
        joins: (_ model: ModelSpec, _ sql: inout SQLBuilder) -> Void = { _, _ in }, into sql: inout SQLBuilder
    ) throws {
        guard let limit, let parts = branchParts(model, .read), parts.count > 1 else {
            sql += "\(table: model) t"
            joins(model, &sql)
            sql += " WHERE "
            try whereClause(model, domain, operation: .read, into: &sql)
            return
        }
        sql += "("
        for (index, part) in parts.enumerated() {
            if index > 0 { sql += " UNION ALL " }
            sql += "(SELECT t.* FROM \(table: model) t WHERE "
            try whereClause(model, domain, operation: .read, branch: part, into: &sql)
            try orderClause(model, order, into: &sql)
            try pagination(offset: 0, limit: limit + offset, into: &sql)
            sql += ")"
        }
        sql += ") t"
        joins(model, &sql)
    }

    public func searchCount(_ modelName: String, domain: Domain, limit: Int? = nil) async throws -> Int {
        let model = try model(modelName)
        try await checkAccess(model, .read)
        var sql = SQLBuilder("SELECT count(*) FROM (SELECT 1 FROM \(table: model) t WHERE ")
        try whereClause(model, domain, operation: .read, into: &sql)
        try pagination(offset: 0, limit: limit, into: &sql)
        sql += ") c"
        return Int(try await tx.query(sql).first?.decode(Int64.self) ?? 0)
    }

    /// `WHERE` body: the domain, the `active` filter (unless the domain mentions `active` or the
    /// context turns it off) and the record rules for `operation`.
    func whereClause(
        _ model: ModelSpec, _ domain: Domain, operation: Operation, alias: String = "t", branch: BranchPart = .all, into sql: inout SQLBuilder
    ) throws {
        var parts = [domain]
        if model.hasActive, env.activeTest, !domain.mentions(field: "active") {
            parts.append(.leaf(path: ["active"], op: .equal, value: .true))
        }
        var compiler = userCompiler()
        sql += "("
        try compiler.compile(.allOf(parts), model: model, alias: alias, into: &sql)
        sql += ") AND ("
        compiler.relatedRules = nil
        // A caller whose rows all lie in one branch range reads that range.
        var part = branch
        if case .all = branch, let parts = branchParts(model, operation), parts.count == 1 { part = parts[0] }
        let rules = Domain.allOf([ruleDomain(model, operation, branch: part), branchDomain(model, operation, part)])
        try compiler.compileRules(rules, model: model, alias: alias, into: &sql)
        sql += ")"
    }

    /// A compiler for domains written by the user: relations are searched within their own read
    /// rules and hidden fields cannot be named. (Rule domains are compiled without either.)
    func userCompiler() -> DomainCompiler {
        var compiler = DomainCompiler(registry: registry)
        let this = self
        compiler.contextual = { try this.contextualColumn($0, $1, alias: $2) }
        guard !env.isSystem else { return compiler }
        let store = self
        compiler.relatedRules = { store.ruleDomain($0, .read) }
        compiler.isVisible = { store.visible($0) }
        return compiler
    }

    func orderClause(_ model: ModelSpec, _ order: String?, alias: String = "t", into sql: inout SQLBuilder) throws {
        let text = (order?.isEmpty ?? true) ? model.order : order!
        let spec = try OrderSpec.parse(text, model: model)
        var terms: [SQLBuilder] = []
        for term in spec.terms {
            var expression: SQLBuilder
            let field = model.fields[term.field]!
            guard visible(field) else { throw ChainstoreError.valueError("Invalid field '\(term.field)' in order on model '\(model.name)'") }
            if field.computedForRecords { throw Self.notSearchable(model, term.field) }
            if field.contextual {
                expression = try contextualColumn(model, field, alias: alias).value
            } else if term.field == "display_name" {
                expression = SQLBuilder(DomainCompiler.displayExpression(model, alias: alias))
            } else if let via = field.delegate, !field.mirrored, let parent = model.fields[via]?.kind.comodel.flatMap({ registry.models[$0] }) {
                let target = parent.fields[term.field] ?? field
                expression = "(SELECT \(unsafeRaw: target.columnSQL(alias: "p")) FROM \(table: parent) p WHERE p.id = \(unsafeRaw: alias).\(identifier: via))"
            } else if case .many2one = field.kind, let column = field.sortColumn {
                // The kept key, then the link, each in the linked model's direction (reversed for `desc`).
                let kept = registry.keptSortDescending(field)
                let direction = kept.column != term.descending ? " DESC" : " ASC"
                expression = "\(unsafeRaw: alias).\(identifier: column)\(unsafeRaw: direction), \(unsafeRaw: alias).\(identifier: term.field)"
                expression += kept.link != term.descending ? " DESC" : " ASC"
                if let first = term.nullsFirst { expression += first ? " NULLS FIRST" : " NULLS LAST" }
                terms.append(expression)
                continue
            } else if case .many2one(let comodel, _) = field.kind, let co = registry.models[comodel] {
                expression = "(SELECT \(unsafeRaw: DomainCompiler.displayExpression(co, alias: "o")) FROM \(table: co) o WHERE o.id = \(unsafeRaw: alias).\(identifier: term.field))"
            } else {
                expression = SQLBuilder(field.columnSQL(alias: alias))
            }
            expression += term.descending ? " DESC" : " ASC"
            if let first = term.nullsFirst { expression += first ? " NULLS FIRST" : " NULLS LAST" }
            terms.append(expression)
        }
        if !spec.terms.contains(where: { $0.field == "id" }) { terms.append("\(unsafeRaw: alias).id ASC") }
        sql += " ORDER BY "
        for (index, term) in terms.enumerated() {
            if index > 0 { sql += ", " }
            sql += term
        }
    }

    func pagination(offset: Int, limit: Int?, into sql: inout SQLBuilder) throws {
        guard offset >= 0, (limit ?? 0) >= 0 else { throw ChainstoreError.valueError("offset and limit must not be negative") }
        if let limit {
            sql += " LIMIT "
            sql.bind(.int(Int64(limit)))
        }
        if offset > 0 {
            sql += " OFFSET "
            sql.bind(.int(Int64(offset)))
        }
    }
}

extension PostgresRow {
    func decode<T: PostgresDecodable>(_ type: T.Type, at index: Int = 0) throws -> T {
        try makeRandomAccess()[index].decode(T.self)
    }
}
