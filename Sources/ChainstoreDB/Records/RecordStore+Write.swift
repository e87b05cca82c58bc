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
        var own = vals
        var delegated: [String: RecordValues] = [:]
        for (name, value) in vals {
            if let via = model.fields[name]?.delegate {
                delegated[via, default: [:]][name] = value
                own[name] = nil
            }
        }
        let (scalars, x2many) = try prepare(model, own)
        try await lockAndCheck(model, ids: ids, operation: .write)
        for (via, parentVals) in delegated.sorted(by: { $0.key < $1.key }) {
            guard case .many2one(let parent, _)? = model.fields[via]?.kind else { continue }
            var sql = SQLBuilder("SELECT DISTINCT \(identifier: via) FROM \(table: model) WHERE \(identifier: via) IS NOT NULL AND id = ANY(")
            sql.bind(.intArray(ids), cast: "bigint[]")
            sql += ")"
            let parents = try await tx.query(sql).map { try $0.decode(Int64.self) }
            try await write(parent, ids: parents, parentVals)
        }
        if !scalars.isEmpty {
            try await update(model, ids: ids, scalars)
        } else if !x2many.isEmpty {
            try await touch(model, ids: ids)
        }
        for (field, commands) in x2many {
            for id in ids { try await applyCommands(model, id: id, field: field, commands) }
        }
        if let parent = model.parentField, vals[parent] != nil { try await checkRecursion(model, ids: ids, parent: parent) }
        for hook in registry.afterWrite where hook.model == model.name && vals.keys.contains(where: hook.fields.contains) {
            try await hook.run(self, ids, vals)
        }
    }

    /// Writes different values on different records (an import updating what it imported
    /// before): records whose values are plain columns are locked and checked together and
    /// updated in one statement per set of columns, with their audit rows; values that need more
    /// (delegated fields, x2many commands, hooks) are written record by record.
    public func writeEach(_ modelName: String, _ updates: [(id: Int64, vals: RecordValues)]) async throws {
        guard !updates.isEmpty else { return }
        let model = try model(modelName)
        try await checkAccess(model, .write)
        let hooked = Set(registry.afterWrite.filter { $0.model == model.name }.flatMap(\.fields))
        func isPlain(_ name: String) -> Bool {
            guard let field = model.fields[name] else { return false }
            return field.delegate == nil && !field.kind.isX2Many && !field.computedWhenRead && !hooked.contains(name)
        }
        // Values that need more than a column update are first compared with what is stored:
        // importing the same file again then costs one read, not one write per row.
        let involved = Set(updates.flatMap { $0.vals.keys.filter { !isPlain($0) && model.fields[$0] != nil } })
        var current: [Int64: RecordValues] = [:]
        if !involved.isEmpty {
            for row in try await read(model.name, ids: Array(Set(updates.map(\.id))), fields: involved.sorted(), load: .classicWrite) {
                if let id = row["id"]?.intValue { current[id] = row }
            }
        }
        var groups: [[String]: [(Int64, [String: SQLBind])]] = [:]
        var oneByOne: [(id: Int64, vals: RecordValues)] = []
        var seen = Set<Int64>()
        for var update in updates {
            if let stored = current[update.id] {
                for name in involved where update.vals[name] != nil {
                    if let field = model.fields[name], Self.sameValue(update.vals[name]!, stored[name] ?? .false, field) { update.vals[name] = nil }
                }
            }
            let plain = update.vals.keys.allSatisfy(isPlain)
            guard plain, seen.insert(update.id).inserted else {
                oneByOne.append(update)
                continue
            }
            let (scalars, _) = try prepare(model, update.vals)
            guard !scalars.isEmpty else { continue }
            groups[scalars.keys.sorted(), default: []].append((update.id, scalars))
        }
        let ids = groups.values.flatMap { $0.map(\.0) }.sorted()
        try await lockAndCheck(model, ids: ids, operation: .write)
        for (columns, rows) in groups.sorted(by: { $0.key.joined(separator: ",") < $1.key.joined(separator: ",") }) {
            try await updateRows(model, columns: columns, rows)
        }
        for update in oneByOne { try await write(model.name, ids: [update.id], update.vals) }
    }

    /// Whether writing `new` would leave the stored `current` value (as read with
    /// `classicWrite`) unchanged: same ids for a relation set by a plain list or a SET command,
    /// same number, same text.
    static func sameValue(_ new: Value, _ current: Value, _ field: FieldSpec) -> Bool {
        if field.kind.isX2Many {
            guard let wanted = try? X2ManyCommand.parse(new, field: field.name), wanted.count == 1, case .set(let ids) = wanted[0] else {
                return false
            }
            return Set(ids) == Set(current.idList ?? [])
        }
        if new.isEmpty || current.isEmpty { return new.isEmpty && current.isEmpty }
        if let a = new.doubleValue ?? new.intValue.map(Double.init), let b = current.doubleValue ?? current.intValue.map(Double.init) {
            return a == b
        }
        return new == current
    }

    /// One `UPDATE … FROM jsonb_to_recordset` for rows that set the same columns to their own values.
    private func updateRows(_ model: ModelSpec, columns: [String], _ rows: [(Int64, [String: SQLBind])]) async throws {
        let fields = columns.map { model.fields[$0]! }
        var json = JSONWriter(capacity: rows.count * 16 * (columns.count + 1))
        json.byte("[")
        for (offset, (id, scalars)) in rows.enumerated() {
            if offset > 0 { json.byte(",") }
            json.byte("{")
            json.string("__id")
            json.byte(":")
            json.append(.int(id))
            for name in columns {
                json.byte(",")
                json.string(name)
                json.byte(":")
                json.append(scalars[name]!)
            }
            json.byte("}")
        }
        json.byte("]")
        try await runUpdate(model, ids: rows.map(\.0), fields: fields, values: json, perRow: true)
    }

    func update(_ model: ModelSpec, ids: [Int64], _ scalars: [String: SQLBind]) async throws {
        let columns = scalars.keys.sorted()
        let fields = columns.map { model.fields[$0]! }
        var json = JSONWriter()
        json.byte("{")
        for (i, name) in columns.enumerated() {
            if i > 0 { json.byte(",") }
            json.string(name)
            json.byte(":")
            json.append(scalars[name]!)
        }
        json.byte("}")
        try await runUpdate(model, ids: ids, fields: fields, values: json, perRow: false)
    }

    /// `UPDATE … FROM jsonb_to_record(set)`: the changed rows, their audit rows (changed fields
    /// only) and the write rules checked on the new values, in one statement. `values` holds
    /// one object for every record, or (`perRow`) an array of objects keyed by `__id`.
    private func runUpdate(_ model: ModelSpec, ids: [Int64], fields: [FieldSpec], values: JSONWriter, perRow: Bool) async throws {
        var sql = SQLBuilder("WITH old AS (SELECT * FROM \(table: model) WHERE id")
        sql.appendEquals(ids: ids)
        sql += "), upd AS (UPDATE \(quoted(model.table)) t SET "
        sql += fields.map { "\(quoted($0.name)) = \(Self.recordsetValue($0, alias: "x"))" }.joined(separator: ", ")
        sql += ", write_uid = "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += perRow ? ", write_date = now() FROM jsonb_to_recordset(" : ", write_date = now() FROM jsonb_to_record("
        sql.bind(.text(values.text), cast: "jsonb")
        let columns = fields.map(Self.recordsetColumn).joined(separator: ", ")
        if perRow {
            sql += ") AS x(\"__id\" bigint, " + columns + ") WHERE t.id = x.\"__id\" RETURNING t.*), "
        } else {
            sql += ") AS x(" + columns + ") WHERE t.id"
            sql.appendEquals(ids: ids)
            sql += " RETURNING t.*), "
        }
        try auditInsert(model, operation: "write", old: "old", new: "upd", into: &sql)
        sql += " SELECT upd.id FROM upd WHERE NOT COALESCE("
        try appendRules(model, .write, alias: "upd", into: &sql)
        sql += ", FALSE)"
        let denied = try await tx.query(sql).map { try $0.decode(Int64.self) }
        if !denied.isEmpty { throw ruleViolation(model, .write, ids: denied) }
    }

    /// Marks records as written (x2many-only changes still move `write_date`).
    func touch(_ model: ModelSpec, ids: [Int64]) async throws {
        var sql = SQLBuilder("UPDATE \(table: model) SET write_date = now(), write_uid = ")
        sql.bind(.int(env.uid), cast: "bigint")
        sql += " WHERE id"
        sql.appendEquals(ids: ids)
        try await tx.query(sql)
    }

    /// Deletes records with their audit rows. What the foreign keys would do silently is done
    /// through this store first, so it is audited too: records pointing here with `cascade` are
    /// deleted, those with `set null` are written, and the link rows of many2many fields are
    /// recorded as a change of their owners.
    public func unlink(_ modelName: String, ids: [Int64]) async throws {
        let model = try model(modelName)
        try await checkAccess(model, .unlink)
        let ids = Array(Set(ids)).sorted()
        guard !ids.isEmpty else { return }
        try await lockAndCheck(model, ids: ids, operation: .unlink)
        let system = asSystem(reason: "effects of deleting \(model.name) records")
        for (other, field) in registry.incomingMany2one[model.name] ?? [] {
            guard case .many2one(_, let onDelete) = field.kind, onDelete != .restrict, let co = registry.models[other] else { continue }
            var sql = SQLBuilder("SELECT id FROM \(table: co) WHERE \(identifier: field.name) = ANY(")
            sql.bind(.intArray(ids), cast: "bigint[]")
            sql += ")"
            if co.name == model.name {
                sql += " AND NOT (id = ANY("
                sql.bind(.intArray(ids), cast: "bigint[]")
                sql += "))"
            }
            let dependents = try await tx.query(sql).map { try $0.decode(Int64.self) }
            guard !dependents.isEmpty else { continue }
            if onDelete == .cascade {
                try await system.unlink(other, ids: dependents)
            } else {
                try await system.write(other, ids: dependents, [field.name: .false])
            }
        }
        for (owner, field) in registry.incomingMany2many[model.name] ?? [] {
            try await auditVanishingLinks(owner: try self.model(owner), field: field, targets: ids)
        }
        var sql = SQLBuilder("WITH del AS (DELETE FROM \(table: model) WHERE id")
        sql.appendEquals(ids: ids)
        sql += " RETURNING *), "
        try auditInsert(model, operation: "unlink", old: "del", new: nil, into: &sql)
        sql += " SELECT count(*) FROM del"
        try await tx.query(sql)
    }

    /// Audits, on each owner, the many2many links to `targets` that the database is about to drop.
    private func auditVanishingLinks(owner: ModelSpec, field: FieldSpec, targets: [Int64]) async throws {
        guard case .many2many(_, let relation, let column1, let column2) = field.kind else { return }
        let (rel, c1, c2) = (quoted(relation), quoted(column1), quoted(column2))
        var sql = SQLBuilder("WITH owners AS (SELECT DISTINCT \(unsafeRaw: c1) AS owner FROM \(unsafeRaw: rel) WHERE \(unsafeRaw: c2) = ANY(")
        sql.bind(.intArray(targets), cast: "bigint[]")
        sql += ")), links AS (SELECT r.\(c1) AS owner, array_agg(r.\(c2) ORDER BY r.\(c2)) AS before FROM \(rel) r "
        sql += "JOIN owners o ON o.owner = r.\(c1) GROUP BY r.\(c1)) "
        sql += "INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values) SELECT "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", "
        sql.bind(.text(owner.name), cast: "text")
        sql += ", owner, 'write', "
        sql += owner.fields["company_id"] != nil ? "(SELECT \(companySQL(owner, alias: "x")) FROM \(quoted(owner.table)) x WHERE x.id = owner)" : "NULL"
        sql += ", jsonb_build_object("
        sql.bind(.text(field.name), cast: "text")
        sql += ", to_jsonb(before)), jsonb_build_object("
        sql.bind(.text(field.name), cast: "text")
        sql += ", to_jsonb(ARRAY(SELECT x FROM unnest(before) x WHERE x <> ALL("
        sql.bind(.intArray(targets), cast: "bigint[]")
        sql += ")))) FROM links"
        try await tx.query(sql)
    }
}

extension RecordStore {
    /// A record cannot become its own ancestor (Odoo's `_check_recursion`): the chain of parents
    /// from each written record is followed until it ends or meets itself, in one query.
    func checkRecursion(_ model: ModelSpec, ids: [Int64], parent: String) async throws {
        let sql: SQLBuilder = """
            WITH RECURSIVE up(start, id) AS (
                SELECT t.id, t.\(identifier: parent) FROM \(table: model) t WHERE t.id = ANY(\(ids)) AND t.\(identifier: parent) IS NOT NULL
                UNION SELECT up.start, t.\(identifier: parent) FROM up JOIN \(table: model) t ON t.id = up.id
                WHERE up.id <> up.start AND t.\(identifier: parent) IS NOT NULL)
            SELECT 1 FROM up WHERE up.id = up.start LIMIT 1
            """
        if try await !tx.query(sql).isEmpty {
            throw ChainstoreError.validation("You cannot create recursive \(model.label) hierarchies.")
        }
    }
}
