import ChainstoreCore

extension RecordStore {
    /// Creates one record per values dictionary in one statement (with its audit rows) and returns
    /// the new ids in input order. x2many command lists are applied after the rows exist.
    public func create(_ modelName: String, _ valsList: [RecordValues]) async throws -> [Int64] {
        let model = try model(modelName)
        try await checkAccess(model, .create)
        guard !valsList.isEmpty else { return [] }
        let (valsList, parentWrites) = try await createDelegatedParents(model, valsList)
        let defaults = defaults(model).filter { model.fields[$0.0]?.delegate == nil }
        let required = model.fields.values.filter {
            $0.required && !$0.computedInDatabase && $0.delegate == nil && !Self.magicFields.contains($0.name)
        }
        // Rows go straight into the JSON bind: no per-row dictionaries on the way.
        var json = JSONWriter(capacity: valsList.count * 24 * max(valsList[0].count + defaults.count, 1))
        var columns: [String] = []
        var relational: [[(FieldSpec, Value)]] = []
        relational.reserveCapacity(valsList.count)
        json.byte("[")
        for (row, vals) in valsList.enumerated() {
            if row > 0 { json.byte(",") }
            json.byte("{")
            var first = true
            var x2many: [(FieldSpec, Value)] = []
            func emit(_ name: String, _ value: Value) throws {
                let field = try model.field(name)
                switch try prepareValue(model, field, value) {
                case .skip: return
                case .relational: x2many.append((field, value))
                case .bind(let bind):
                    if !first { json.byte(",") }
                    first = false
                    json.string(name)
                    json.byte(":")
                    json.append(bind)
                    if !columns.contains(name) { columns.append(name) }
                }
            }
            for (name, value) in vals { try emit(name, value) }
            for (name, value) in defaults where vals[name] == nil { try emit(name, value) }
            for field in required where (vals[field.name] ?? defaults.first(where: { $0.0 == field.name })?.1) == nil {
                throw Self.missingRequired(model, field)
            }
            json.byte("}")
            relational.append(x2many)
        }
        json.byte("]")
        columns.sort()
        let ids = try await insert(model, columns: columns, json: json, count: valsList.count)
        // New records have no links yet: many2many values that only link are set for the whole
        // batch at once; anything else goes command by command.
        var batched: [String: [(Int64, [Int64])]] = [:]
        for (id, x2many) in zip(ids, relational) where !x2many.isEmpty {
            for (field, commands) in x2many {
                if case .many2many = field.kind, let targets = try X2ManyCommand.linksOnly(commands, field: field.name) {
                    if !targets.isEmpty { batched[field.name, default: []].append((id, targets)) }
                } else {
                    try await applyCommands(model, id: id, field: field, commands)
                }
            }
        }
        for (name, links) in batched.sorted(by: { $0.key < $1.key }) {
            try await linkNew(model, field: model.fields[name]!, links)
        }
        for (row, vals) in parentWrites {
            try await write(model.name, ids: [ids[row]], vals)
        }
        for hook in registry.afterCreate where hook.model == model.name {
            try await hook.run(self, ids, valsList)
        }
        return ids
    }

    /// Odoo's `_inherits` on create: rows without their parent get one, created in one batch from
    /// the delegated values (a variant created alone gets its template); rows naming their parent
    /// have the delegated values written to it once they exist.
    private func createDelegatedParents(
        _ model: ModelSpec, _ valsList: [RecordValues]
    ) async throws -> ([RecordValues], [(row: Int, vals: RecordValues)]) {
        let links = Set(model.fields.values.compactMap(\.delegate))
        guard !links.isEmpty else { return (valsList, []) }
        var result = valsList
        var writes: [(row: Int, vals: RecordValues)] = []
        for via in links.sorted() {
            guard case .many2one(let parent, _) = model.fields[via]?.kind else { continue }
            var pending: [(row: Int, vals: RecordValues)] = []
            for (row, vals) in result.enumerated() {
                var own = RecordValues(minimumCapacity: vals.count)
                var delegated = RecordValues()
                for (name, value) in vals {
                    if model.fields[name]?.delegate == via { delegated[name] = value } else { own[name] = value }
                }
                result[row] = own
                if own[via].map({ $0.isEmpty || $0 == .int(0) }) ?? true {
                    pending.append((row, delegated))
                } else if !delegated.isEmpty {
                    writes.append((row, delegated))
                }
            }
            guard !pending.isEmpty else { continue }
            // Odoo's context key: the parent's hooks know a child is on its way (a template
            // created for a variant must not make a variant of its own).
            let parentStore = RecordStore(registry: registry, tx: tx, env: env.withContext(["create_\(model.table)": true]))
            let parents = try await parentStore.create(parent, pending.map(\.vals))
            for ((row, _), id) in zip(pending, parents) { result[row][via] = .int(id) }
        }
        return (result, writes)
    }

    /// The defaults for a create call, resolved once: `default_<field>` from the context, then the
    /// field defaults.
    func defaults(_ model: ModelSpec) -> [(String, Value)] {
        model.fields.values.compactMap { field in
            if let contextDefault = env.context["default_\(field.name)"] { return (field.name, contextDefault) }
            return field.defaultValue.map { (field.name, $0.resolve(env)) }
        }
    }

    enum Prepared { case skip, relational, bind(SQLBind) }

    /// Checks one client value against its field: visibility, type, required, selection values.
    /// Magic and database-computed fields are ignored, as Odoo does.
    func prepareValue(_ model: ModelSpec, _ field: FieldSpec, _ value: Value) throws -> Prepared {
        guard visible(field) else { throw ChainstoreError.valueError("Invalid field '\(field.name)' on model '\(model.name)'") }
        if field.computedInDatabase || field.computedWhenRead || Self.magicFields.contains(field.name) { return .skip }
        if field.kind.isX2Many { return .relational }
        if value.isEmpty || (value == .int(0) && field.kind.isRelational) {
            if case .boolean = field.kind { return .bind(.bool(false)) }
            if field.required { throw Self.missingRequired(model, field) }
            return .bind(.null)
        }
        if case .char = field.kind, value == .string(""), field.required { throw Self.missingRequired(model, field) }
        if case .selection(let options) = field.kind, case .string(let s) = value, !options.contains(where: { $0.value == s }) {
            throw ChainstoreError.valueError("Wrong value for \(model.name).\(field.name): '\(s)'")
        }
        if let check = field.check, let problem = check(value) {
            throw ChainstoreError.validation("\(field.label) (\(model.name).\(field.name)): \(problem)")
        }
        return .bind(try ValueBinding.scalar(value, for: field, model: model.name).0)
    }

    /// Splits client values of a write into column binds and x2many commands.
    func prepare(_ model: ModelSpec, _ vals: RecordValues) throws -> ([String: SQLBind], [(FieldSpec, Value)]) {
        var scalars: [String: SQLBind] = [:]
        var x2many: [(FieldSpec, Value)] = []
        for (name, value) in vals {
            let field = try model.field(name)
            switch try prepareValue(model, field, value) {
            case .skip: continue
            case .relational: x2many.append((field, value))
            case .bind(let bind): scalars[name] = bind
            }
        }
        return (scalars, x2many)
    }

    /// Fields the store maintains itself; clients cannot set them.
    public static let magicFields: Set<String> = ["id", "display_name", "create_uid", "create_date", "write_uid", "write_date"]

    static func missingRequired(_ model: ModelSpec, _ field: FieldSpec) -> ChainstoreError {
        ChainstoreError.validation("Missing required value for the field '\(field.label)' (\(field.name)) on model '\(model.name)'")
    }

    /// `INSERT … SELECT FROM jsonb_to_recordset(…)` with its audit rows and the create rules,
    /// in one round trip.
    func insert(_ model: ModelSpec, columns: [String], json: JSONWriter, count: Int) async throws -> [Int64] {
        let fields = columns.map { model.fields[$0]! }
        var sql = SQLBuilder("WITH ins AS (INSERT INTO \(table: model) (")
        sql += (columns.map(quoted) + ["create_uid", "write_uid", "create_date", "write_date"]).joined(separator: ", ")
        sql += ") SELECT "
        sql += fields.map { Self.recordsetValue($0, alias: "x") }.joined(separator: ", ")
        sql += columns.isEmpty ? "" : ", "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", now(), now() FROM jsonb_to_recordset("
        sql.bind(.text(json.text), cast: "jsonb")
        sql += ") AS x(" + (fields.isEmpty ? "\"__none\" text" : fields.map(Self.recordsetColumn).joined(separator: ", ")) + ") RETURNING *), "
        try auditInsert(model, operation: "create", old: nil, new: "ins", columns: columns, into: &sql)
        sql += " SELECT ins.id, "
        try appendRules(model, .create, alias: "ins", into: &sql)
        sql += " FROM ins ORDER BY ins.id"
        var ids: [Int64] = []
        ids.reserveCapacity(count)
        var denied: [Int64] = []
        for row in try await tx.query(sql) {
            let (id, ok) = try row.decode((Int64, Bool?).self)
            ids.append(id)
            if ok != true { denied.append(id) }
        }
        if !denied.isEmpty { throw ruleViolation(model, .create, ids: denied) }
        return ids
    }

    static func recordsetColumn(_ field: FieldSpec) -> String {
        if case .binary = field.kind { return "\(quoted(field.name)) text" }
        return "\(quoted(field.name)) \(field.kind.sqlType)"
    }

    static func recordsetValue(_ field: FieldSpec, alias: String) -> String {
        if case .binary = field.kind { return "decode(\(alias).\(quoted(field.name)), 'base64')" }
        return "\(alias).\(quoted(field.name))"
    }
}
