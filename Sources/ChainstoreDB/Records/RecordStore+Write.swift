import ChainstoreCore

extension RecordStore {
    /// Writes `vals` on every record of `ids`: rows are locked in id order and checked against
    /// the write rules first, updated with their audit rows in one statement, and checked again
    /// so that no record can be moved out of the user's reach (e.g. to another company).
    public func write(_ modelName: String, ids: [Int64], _ vals: RecordValues) async throws {
        let model = try model(modelName)
        try await checkAccess(model, .write)
        let ids = Array(Set(ids)).sorted()
        guard !ids.isEmpty else { return }
        let (scalars, x2many) = try prepare(model, vals)
        try await lockAndCheck(model, ids: ids, operation: .write)
        if !scalars.isEmpty {
            try await update(model, ids: ids, scalars)
        } else if !x2many.isEmpty {
            try await touch(model, ids: ids)
        }
        for (field, commands) in x2many {
            for id in ids { try await applyCommands(model, id: id, field: field, commands) }
        }
    }

    func update(_ model: ModelSpec, ids: [Int64], _ scalars: [String: SQLBind]) async throws {
        let columns = scalars.keys.sorted()
        let fields = columns.map { model.fields[$0]! }
        var json = JSONText()
        json.byte("{")
        for (i, name) in columns.enumerated() {
            if i > 0 { json.byte(",") }
            json.string(name)
            json.byte(":")
            json.append(scalars[name]!)
        }
        json.byte("}")
        var sql = SQLBuilder("WITH old AS (SELECT * FROM \(quoted(model.table)) WHERE id = ANY(")
        sql.bind(.intArray(ids), cast: "bigint[]")
        sql += ")), upd AS (UPDATE \(quoted(model.table)) t SET "
        sql += fields.map { "\(quoted($0.name)) = \(Self.recordsetValue($0, alias: "x"))" }.joined(separator: ", ")
        sql += ", write_uid = "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", write_date = now() FROM jsonb_to_record("
        sql.bind(.text(json.text), cast: "jsonb")
        sql += ") AS x(" + fields.map(Self.recordsetColumn).joined(separator: ", ") + ") WHERE t.id = ANY("
        sql.bind(.intArray(ids), cast: "bigint[]")
        sql += ") RETURNING t.*), "
        try auditInsert(model, operation: "write", old: "old", new: "upd", into: &sql)
        sql += " SELECT upd.id FROM upd WHERE NOT COALESCE("
        var compiler = DomainCompiler(registry: registry)
        try compiler.compile(ruleDomain(model, .write), model: model, alias: "upd", into: &sql)
        sql += ", FALSE)"
        let denied = try await tx.query(sql).map { try $0.decode(Int64.self) }
        if !denied.isEmpty { throw ruleViolation(model, .write, ids: denied) }
    }

    /// Marks records as written (x2many-only changes still move `write_date`).
    func touch(_ model: ModelSpec, ids: [Int64]) async throws {
        var sql = SQLBuilder("UPDATE \(quoted(model.table)) SET write_date = now(), write_uid = ")
        sql.bind(.int(env.uid), cast: "bigint")
        sql += " WHERE id = ANY("
        sql.bind(.intArray(ids), cast: "bigint[]")
        sql += ")"
        try await tx.query(sql)
    }

    /// Deletes records with their audit rows. Children held by a cascading one2many are deleted
    /// first through this same path, so their deletion is audited too.
    public func unlink(_ modelName: String, ids: [Int64]) async throws {
        let model = try model(modelName)
        try await checkAccess(model, .unlink)
        let ids = Array(Set(ids)).sorted()
        guard !ids.isEmpty else { return }
        try await lockAndCheck(model, ids: ids, operation: .unlink)
        for field in model.fields.values {
            guard case .one2many(let comodel, let inverse) = field.kind, let co = registry.models[comodel],
                case .many2one(_, .cascade)? = co.fields[inverse]?.kind
            else { continue }
            var sql = SQLBuilder("SELECT id FROM \(quoted(co.table)) WHERE \(quoted(inverse)) = ANY(")
            sql.bind(.intArray(ids), cast: "bigint[]")
            sql += ")"
            let children = try await tx.query(sql).map { try $0.decode(Int64.self) }
            if !children.isEmpty {
                try await asSystem(reason: "cascade delete of \(model.name) lines").unlink(comodel, ids: children)
            }
        }
        var sql = SQLBuilder("WITH del AS (DELETE FROM \(quoted(model.table)) WHERE id = ANY(")
        sql.bind(.intArray(ids), cast: "bigint[]")
        sql += ") RETURNING *), "
        try auditInsert(model, operation: "unlink", old: "del", new: nil, into: &sql)
        sql += " SELECT count(*) FROM del"
        try await tx.query(sql)
    }
}
