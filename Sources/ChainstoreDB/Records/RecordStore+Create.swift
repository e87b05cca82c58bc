import ChainstoreCore

extension RecordStore {
    /// Creates one record per values dictionary in one statement (with its audit rows) and returns
    /// the new ids in input order. x2many command lists are applied after the rows exist.
    public func create(_ modelName: String, _ valsList: [RecordValues]) async throws -> [Int64] {
        let model = try model(modelName)
        try await checkAccess(model, .create)
        guard !valsList.isEmpty else { return [] }
        var rows: [[String: SQLBind]] = []
        var relational: [[(FieldSpec, Value)]] = []
        var columns: [String] = []
        rows.reserveCapacity(valsList.count)
        for vals in valsList {
            let (scalars, x2many) = try prepare(model, withDefaults(model, vals), creating: true)
            for name in scalars.keys where !columns.contains(name) { columns.append(name) }
            rows.append(scalars)
            relational.append(x2many)
        }
        columns.sort()
        let ids = try await insert(model, columns: columns, rows: rows)
        for (id, x2many) in zip(ids, relational) where !x2many.isEmpty {
            for (field, commands) in x2many {
                try await applyCommands(model, id: id, field: field, commands)
            }
        }
        return ids
    }

    /// The values to create with: given values, then `default_<field>` from the context, then
    /// the field defaults.
    func withDefaults(_ model: ModelSpec, _ vals: RecordValues) -> RecordValues {
        var result = vals
        for field in model.fields.values where result[field.name] == nil {
            if let contextDefault = env.context["default_\(field.name)"] {
                result[field.name] = contextDefault
            } else if let fieldDefault = field.defaultValue {
                result[field.name] = fieldDefault.resolve(env)
            }
        }
        return result
    }

    /// Splits client values into column binds and x2many commands, checking names, types and
    /// required fields. Magic and database-computed fields are ignored, as Odoo does.
    func prepare(_ model: ModelSpec, _ vals: RecordValues, creating: Bool) throws -> ([String: SQLBind], [(FieldSpec, Value)]) {
        var scalars: [String: SQLBind] = [:]
        var x2many: [(FieldSpec, Value)] = []
        for (name, value) in vals {
            let field = try model.field(name)
            guard visible(field) else { throw ChainstoreError.valueError("Invalid field '\(name)' on model '\(model.name)'") }
            if Self.magicFields.contains(name) || field.computedInDatabase { continue }
            if field.kind.isX2Many {
                x2many.append((field, value))
                continue
            }
            if value.isEmpty || (value == .int(0) && field.kind.isRelational) {
                if case .boolean = field.kind {
                    scalars[name] = .bool(false)
                } else if field.required {
                    throw Self.missingRequired(model, field)
                } else {
                    scalars[name] = .null
                }
                continue
            }
            if case .char = field.kind, value == .string(""), field.required { throw Self.missingRequired(model, field) }
            if case .selection(let options) = field.kind, case .string(let s) = value, !options.contains(where: { $0.value == s }) {
                throw ChainstoreError.valueError("Wrong value for \(model.name).\(name): '\(s)'")
            }
            scalars[name] = try ValueBinding.scalar(value, for: field, model: model.name).0
        }
        if creating {
            for field in model.fields.values where field.required && !field.computedInDatabase && scalars[field.name] == nil {
                throw Self.missingRequired(model, field)
            }
        }
        return (scalars, x2many)
    }

    static let magicFields: Set<String> = ["id", "display_name", "create_uid", "create_date", "write_uid", "write_date"]

    static func missingRequired(_ model: ModelSpec, _ field: FieldSpec) -> ChainstoreError {
        ChainstoreError.validation("Missing required value for the field '\(field.label)' (\(field.name)) on model '\(model.name)'")
    }

    /// `INSERT … SELECT FROM jsonb_to_recordset(…)` with its audit rows and the create rules,
    /// in one round trip.
    func insert(_ model: ModelSpec, columns: [String], rows: [[String: SQLBind]]) async throws -> [Int64] {
        var json = "["
        json.reserveCapacity(rows.count * max(columns.count, 1) * 16)
        for (i, row) in rows.enumerated() {
            if i > 0 { json += "," }
            json += "{"
            var first = true
            for name in columns {
                guard let bind = row[name] else { continue }
                if !first { json += "," }
                first = false
                JSONText.appendString(name, to: &json)
                json += ":"
                JSONText.append(bind, to: &json)
            }
            json += "}"
        }
        json += "]"
        let fields = columns.map { model.fields[$0]! }
        var sql = SQLBuilder("WITH ins AS (INSERT INTO \(quoted(model.table)) (")
        sql += (columns.map(quoted) + ["create_uid", "write_uid", "create_date", "write_date"]).joined(separator: ", ")
        sql += ") SELECT "
        sql += fields.map { Self.recordsetValue($0, alias: "x") }.joined(separator: ", ")
        sql += columns.isEmpty ? "" : ", "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", now(), now() FROM jsonb_to_recordset("
        sql.bind(.text(json), cast: "jsonb")
        sql += ") AS x(" + (fields.isEmpty ? "\"__none\" text" : fields.map(Self.recordsetColumn).joined(separator: ", ")) + ") RETURNING *), "
        try auditInsert(model, operation: "create", old: nil, new: "ins", into: &sql)
        sql += " SELECT ins.id, "
        var compiler = DomainCompiler(registry: registry)
        try compiler.compile(ruleDomain(model, .create), model: model, alias: "ins", into: &sql)
        sql += " FROM ins ORDER BY ins.id"
        var ids: [Int64] = []
        ids.reserveCapacity(rows.count)
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
