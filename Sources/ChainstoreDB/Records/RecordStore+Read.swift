import ChainstoreCore
import Foundation
import PostgresNIO

extension RecordStore {
    /// How many2one values are rendered: `[id, name]` (Odoo's `_classic_read`) or the bare id.
    public enum Load: Sendable { case classicRead, classicWrite }

    /// Reads `fields` (all readable fields when nil or empty) of `ids`, in the order given.
    /// Unknown ids are skipped; ids the user may not read raise `AccessError`.
    public func read(_ modelName: String, ids: [Int64], fields: [String]? = nil, load: Load = .classicRead) async throws -> [RecordValues] {
        let model = try model(modelName)
        try await checkAccess(model, .read)
        guard !ids.isEmpty else { return [] }
        let (names, computed) = splitComputed(model, try readableFields(model, fields))
        var sql = SQLBuilder("SELECT t.id, ")
        try appendRules(model, .read, alias: "t", into: &sql)
        var links = LinkJoins(joining: true)
        let columns = try selectList(model, names, load: load, links: &links, into: &sql)
        sql += " FROM \(quoted(model.table)) t"
        joinDelegates(model, names, into: &sql)
        sql += links.clauses
        sql += " WHERE t.id"
        sql.appendEquals(ids: ids)
        var byId: [Int64: RecordValues] = [:]
        var denied: [Int64] = []
        for row in try await tx.query(sql) {
            let cells = row.makeRandomAccess()
            let id = try cells[0].decode(Int64.self)
            guard try cells[1].decode(Bool?.self) == true else { denied.append(id); continue }
            var record = RecordValues(minimumCapacity: columns.count + 1)
            record["id"] = .int(id)
            for (offset, column) in columns.enumerated() {
                record[column.name] = try column.decode(cells[offset + 2])
            }
            byId[id] = record
        }
        if !denied.isEmpty { throw ruleViolation(model, .read, ids: denied.sorted()) }
        var records = ids.compactMap { byId[$0] }
        try await fillComputed(model, computed, into: &records)
        return records
    }

    /// `search` then `read` in one round trip.
    public func searchRead(
        _ modelName: String, domain: Domain, fields: [String]? = nil, offset: Int = 0, limit: Int? = nil, order: String? = nil,
        load: Load = .classicRead
    ) async throws -> [RecordValues] {
        let model = try model(modelName)
        try await checkAccess(model, .read)
        let (names, computed) = splitComputed(model, try readableFields(model, fields))
        var sql = SQLBuilder("SELECT t.id")
        // A page's linked names are joined to its rows once the page is cut (the planner may then
        // memoize or hash a small linked table); a whole result keeps the row-by-row look-up,
        // whose cost does not hang on the planner's guess of how many rows match.
        var links = LinkJoins(joining: limit != nil)
        let columns = try selectList(model, names, load: load, links: &links, into: &sql)
        sql += " FROM "
        if limit != nil {
            sql += "(SELECT t.* FROM "
            try appendRows(model, domain, order: order, offset: offset, limit: limit, into: &sql)
            try orderClause(model, order, into: &sql)
            try pagination(offset: offset, limit: limit, into: &sql)
            sql += ") t"
            joinDelegates(model, names, into: &sql)
            sql += links.clauses
            try orderClause(model, order, into: &sql)
        } else {
            try appendRows(model, domain, order: order, offset: offset, limit: limit, joins: { joinDelegates($0, names, into: &$1) }, into: &sql)
            try orderClause(model, order, into: &sql)
            try pagination(offset: offset, limit: limit, into: &sql)
        }
        var records = try await tx.query(sql).map { row in
            let cells = row.makeRandomAccess()
            var record = RecordValues(minimumCapacity: columns.count + 1)
            record["id"] = .int(try cells[0].decode(Int64.self))
            for (offset, column) in columns.enumerated() {
                record[column.name] = try column.decode(cells[offset + 1])
            }
            return record
        }
        try await fillComputed(model, computed, into: &records)
        return records
    }

    /// Field names to read: validated, `id` handled by the caller, hidden fields left out.
    func readableFields(_ model: ModelSpec, _ requested: [String]?) throws -> [String] {
        guard let requested, !requested.isEmpty else {
            return model.fields.values.filter { $0.name != "id" && visible($0) }.map(\.name)
        }
        var names: [String] = []
        for name in requested where name != "id" {
            let field = try model.field(name)
            guard visible(field) else { throw ChainstoreError.valueError("Invalid field '\(name)' on model '\(model.name)'") }
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    func visible(_ field: FieldSpec) -> Bool {
        field.groups.isEmpty || env.isSystem || field.groups.contains(where: env.groups.contains)
    }

    /// Writes `, <expression>` per field, each producing a value that decodes directly to the wire
    /// shape. x2many id lists only hold records the user may read. Delegated fields are read on
    /// the parent row, joined once (`joinDelegates`) whatever the number of its fields.
    func selectList(_ model: ModelSpec, _ names: [String], load: Load, links: inout LinkJoins, into sql: inout SQLBuilder) throws -> [ReadColumn] {
        var compiler = DomainCompiler(registry: registry)
        return try names.map { name in
            sql += ", "
            let field = model.fields[name]!
            guard let via = field.delegate, let parent = model.fields[via]?.kind.comodel.flatMap({ registry.models[$0] }) else {
                return ReadColumn(name: name, shape: try readExpression(model, field, alias: "t", load: load, compiler: &compiler, links: &links, into: &sql))
            }
            let target = parent.fields[name] ?? field
            let alias = Self.delegateAlias(via)
            if target.kind.isX2Many { sql += "coalesce(" }
            let shape = try readExpression(parent, target, alias: alias, load: load, compiler: &compiler, links: &links, into: &sql)
            if target.kind.isX2Many { sql += ", '{}')" }
            return ReadColumn(name: name, shape: shape)
        }
    }

    static func delegateAlias(_ via: String) -> String { "dg_" + via }

    /// ` LEFT JOIN parent dg_<via> ON dg_<via>.id = t.<via>` for each delegation the fields use.
    func joinDelegates(_ model: ModelSpec, _ names: [String], into sql: inout SQLBuilder) {
        var joined = Set<String>()
        for name in names {
            guard let via = model.fields[name]?.delegate, !joined.contains(via),
                  let parent = model.fields[via]?.kind.comodel.flatMap({ registry.models[$0] }) else { continue }
            joined.insert(via)
            let alias = Self.delegateAlias(via)
            sql += " LEFT JOIN \(quoted(parent.table)) \(alias) ON \(alias).id = t.\(quoted(via))"
        }
    }

    /// The SQL of one stored field of `model` over `alias`, and how its cell decodes.
    private func readExpression(
        _ model: ModelSpec, _ field: FieldSpec, alias: String, load: Load, compiler: inout DomainCompiler, links: inout LinkJoins,
        into sql: inout SQLBuilder
    ) throws -> ReadColumn.Shape {
        if field.contextual {
            // A number (the registry refuses anything else).
            sql += try contextualColumn(model, field, alias: alias).value
            if case .integer = field.kind {
                sql += "::bigint"
                return .integer
            }
            sql += "::float8"
            return .float
        }
        let column = field.columnSQL(alias: alias)
        switch field.kind {
        case _ where field.name == "display_name":
            sql += DomainCompiler.displayExpression(model, alias: alias)
            return .text
        case .char, .text, .html, .selection:
            sql += column
            return .text
        case .integer:
            sql += "\(column)::bigint"
            return .integer
        case .float, .decimal, .monetary:
            sql += "\(column)::float8"
            return .float
        case .boolean:
            sql += column
            return .boolean
        case .date:
            sql += "to_char(\(column), 'YYYY-MM-DD')"
            return .text
        case .datetime:
            sql += "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
            return .text
        case .binary:
            sql += "encode(\(column), 'base64')"
            return .base64
        case .many2one(let comodel, _):
            guard load == .classicRead, let co = registry.models[comodel] else {
                sql += column
                return .id
            }
            // Odoo shows the name of a linked record even when the record itself is not readable.
            guard let link = links.join(co, on: column) else {
                let display = DomainCompiler.displayExpression(co, alias: "o")
                sql += "(SELECT ROW(o.id, \(display)::text) FROM \(quoted(co.table)) o WHERE o.id = \(column))"
                return .pair
            }
            sql += "CASE WHEN \(link).id IS NOT NULL THEN ROW(\(link).id, \(DomainCompiler.displayExpression(co, alias: link))::text) END"
            return .pair
        case .one2many(let comodel, let inverse):
            let co = registry.models[comodel]!
            sql += "ARRAY(SELECT c.id FROM \(quoted(co.table)) c WHERE c.\(quoted(inverse)) = \(alias).id"
            try visibleFilter(co, alias: "c", compiler: &compiler, into: &sql)
            sql += " ORDER BY c.id)"
            return .ids
        case .many2many(let comodel, let relation, let column1, let column2):
            let co = registry.models[comodel]!
            sql += "ARRAY(SELECT c.id FROM \(quoted(relation)) r JOIN \(quoted(co.table)) c ON c.id = r.\(quoted(column2)) "
            sql += "WHERE r.\(quoted(column1)) = \(alias).id"
            try visibleFilter(co, alias: "c", compiler: &compiler, into: &sql)
            sql += " ORDER BY c.id)"
            return .ids
        }
    }

    /// ` AND <active filter> AND <read rules>` for related records listed in an x2many value.
    private func visibleFilter(_ co: ModelSpec, alias: String, compiler: inout DomainCompiler, into sql: inout SQLBuilder) throws {
        if co.hasActive, env.activeTest { sql += " AND \(alias).active" }
        let rules = ruleDomain(co, .read)
        if rules != .all {
            sql += " AND "
            try compiler.compileRules(rules, model: co, alias: alias, into: &sql)
        }
    }
}

/// The linked tables a read joins for its many2one names: ` LEFT JOIN <comodel> lkN ON lkN.id =
/// <column>` per field, written after the read's rows (and their delegations) are named.
struct LinkJoins: Sendable {
    /// Whether many2one names are joined; otherwise each is looked up by a sub-select per row.
    let joining: Bool
    private(set) var clauses = ""
    private var count = 0

    init(joining: Bool) { self.joining = joining }

    /// The alias of a new join of `comodel` on `column`, or nil when not joining.
    mutating func join(_ comodel: ModelSpec, on column: String) -> String? {
        guard joining else { return nil }
        count += 1
        let alias = "lk\(count)"
        clauses += " LEFT JOIN \(quoted(comodel.table)) \(alias) ON \(alias).id = \(column)"
        return alias
    }
}

/// One column of a read: its SQL and how its cell becomes a wire value (empty → `false`).
struct ReadColumn: Sendable {
    enum Shape: Sendable { case text, integer, id, float, boolean, base64, pair, ids }
    let name: String
    let shape: Shape

    func decode(_ cell: PostgresCell) throws -> Value {
        switch shape {
        case .text, .base64:
            guard let text = try cell.decode(String?.self) else { return .false }
            return .string(shape == .base64 ? text.replacingOccurrences(of: "\n", with: "") : text)
        case .integer:
            return .int(try cell.decode(Int64?.self) ?? 0)
        case .id:
            return try cell.decode(Int64?.self).map(Value.int) ?? .false
        case .float:
            return .double(try cell.decode(Double?.self) ?? 0)
        case .boolean:
            return .bool(try cell.decode(Bool?.self) ?? false)
        case .ids:
            return .array(try cell.decode([Int64].self).map(Value.int))
        case .pair:
            guard let bytes = cell.bytes else { return .false }
            return try Self.decodePair(bytes)
        }
    }

    /// Decodes `ROW(id, name)` sent in PostgreSQL's binary record format.
    static func decodePair(_ buffer: ByteBuffer) throws -> Value {
        var buffer = buffer
        guard let count = buffer.readInteger(as: Int32.self), count == 2,
            buffer.readInteger(as: UInt32.self) != nil, let idLength = buffer.readInteger(as: Int32.self), idLength == 8,
            let id = buffer.readInteger(as: Int64.self), buffer.readInteger(as: UInt32.self) != nil,
            let nameLength = buffer.readInteger(as: Int32.self)
        else { throw ChainstoreError(.internalError, "Unexpected many2one value from the database") }
        let name = nameLength < 0 ? "" : (buffer.readString(length: Int(nameLength)) ?? "")
        return .array([.int(id), .string(name)])
    }
}
