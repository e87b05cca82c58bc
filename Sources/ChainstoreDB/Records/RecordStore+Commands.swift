import ChainstoreCore

/// One x2many command (`odoo.fields.Command`).
enum X2ManyCommand: Sendable {
    case create(RecordValues)
    case update(Int64, RecordValues)
    case delete(Int64)
    case unlink(Int64)
    case link(Int64)
    case clear
    case set([Int64])

    /// Parses a command list, also accepting Odoo's conveniences: a plain id list (SET) and a
    /// list of dicts (CREATE).
    static func parse(_ value: Value, field: String) throws -> [X2ManyCommand] {
        func bad(_ item: Value) -> ChainstoreError {
            ChainstoreError.valueError("Invalid x2many command \(item) for field '\(field)'")
        }
        if value.isEmpty { return [.clear] }
        guard case .array(let items) = value else { throw bad(value) }
        if !items.isEmpty, items.allSatisfy({ $0.intValue != nil }) { return [.set(items.compactMap(\.intValue))] }
        return try items.map { item in
            if case .dict(let vals) = item { return .create(vals) }
            guard case .array(let parts) = item, let code = parts.first?.intValue else { throw bad(item) }
            let id = parts.count > 1 ? parts[1].intValue : nil
            let third = parts.count > 2 ? parts[2] : nil
            switch (code, id, third) {
            case (0, _, .dict(let vals)?): return .create(vals)
            case (1, let id?, .dict(let vals)?): return .update(id, vals)
            case (2, let id?, _): return .delete(id)
            case (3, let id?, _): return .unlink(id)
            case (4, let id?, _): return .link(id)
            case (5, _, _): return .clear
            case (6, _, let ids?):
                guard let list = ids.idList ?? (ids.isEmpty ? [] : nil) else { throw bad(item) }
                return .set(list)
            default: throw bad(item)
            }
        }
    }
}

extension X2ManyCommand {
    /// The ids a command list leaves linked when applied to a record with no links, or nil when
    /// it does more than link (creates, updates, deletes).
    static func linksOnly(_ value: Value, field: String) throws -> [Int64]? {
        var targets: [Int64] = []
        for command in try parse(value, field: field) {
            switch command {
            case .set(let ids): targets = ids
            case .link(let id): if !targets.contains(id) { targets.append(id) }
            case .unlink(let id): targets.removeAll { $0 == id }
            case .clear: targets = []
            default: return nil
            }
        }
        var seen = Set<Int64>()
        return targets.filter { seen.insert($0).inserted }
    }
}

extension RecordStore {
    /// Links many2many targets to records just created, for a whole batch: one check of the
    /// targets, one statement for the link rows and their audit rows.
    func linkNew(_ model: ModelSpec, field: FieldSpec, _ links: [(Int64, [Int64])]) async throws {
        guard case .many2many(let comodel, let relation, let column1, let column2) = field.kind, !links.isEmpty else { return }
        try await checkLinkable(comodel, field: field, Array(Set(links.flatMap(\.1))))
        var json = JSONWriter(capacity: links.count * 32)
        json.byte("[")
        for (offset, (id, targets)) in links.enumerated() {
            if offset > 0 { json.byte(",") }
            json.byte("{")
            json.string("id")
            json.byte(":")
            json.append(.int(id))
            json.byte(",")
            json.string("targets")
            json.byte(":")
            json.append(.intArray(targets))
            json.byte("}")
        }
        json.byte("]")
        var sql = SQLBuilder("WITH x AS (SELECT * FROM jsonb_to_recordset(")
        sql.bind(.text(json.text), cast: "jsonb")
        sql += ") AS x(id bigint, targets bigint[])), ins AS (INSERT INTO \(quoted(relation)) (\(quoted(column1)), \(quoted(column2))) "
        sql += "SELECT x.id, unnest(x.targets) FROM x ON CONFLICT DO NOTHING) "
        sql += "INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values) SELECT "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", "
        sql.bind(.text(model.name), cast: "text")
        sql += ", x.id, 'write', \(companySQL(model, alias: "r")), jsonb_build_object("
        sql.bind(.text(field.name), cast: "text")
        sql += ", '[]'::jsonb), jsonb_build_object("
        sql.bind(.text(field.name), cast: "text")
        sql += ", to_jsonb(x.targets)) FROM x JOIN \(quoted(model.table)) r ON r.id = x.id"
        try await tx.query(sql)
    }

    /// Applies a command list to the x2many `field` of record `id`, in order. Changes to the
    /// records go through this store (rules, audit); link changes of many2many are audited on the
    /// owning record as a write of the field (old ids → new ids).
    func applyCommands(_ model: ModelSpec, id: Int64, field: FieldSpec, _ value: Value) async throws {
        let commands = try X2ManyCommand.parse(value, field: field.name)
        switch field.kind {
        case .one2many(let comodel, let inverse):
            try await applyOne2many(commands, comodel: comodel, inverse: inverse, id: id)
        case .many2many(let comodel, let relation, let column1, let column2):
            let before = try await links(relation, column1, column2, id: id)
            var after = before
            var doomed: [Int64] = []
            for command in commands {
                switch command {
                case .create(let vals): after.append(contentsOf: try await create(comodel, [vals]))
                case .update(let target, let vals): try await write(comodel, ids: [target], vals)
                case .delete(let target):
                    after.removeAll { $0 == target }
                    doomed.append(target)
                case .unlink(let target): after.removeAll { $0 == target }
                case .link(let target): if !after.contains(target) { after.append(target) }
                case .clear: after = []
                case .set(let targets): after = uniqued(targets)
                }
            }
            if Set(after) != Set(before) {
                try await checkLinkable(comodel, field: field, Array(Set(after).subtracting(before)))
                try await setLinks(relation, column1, column2, id: id, after)
                try await auditLinks(model, id: id, field: field.name, before: before, after: after)
            }
            // Deleted only once the final links are known, so nothing is linked unchecked meanwhile.
            if !doomed.isEmpty { try await unlink(comodel, ids: doomed) }
        default:
            throw ChainstoreError.valueError("Field '\(field.name)' is not an x2many field")
        }
    }

    private func applyOne2many(_ commands: [X2ManyCommand], comodel: String, inverse: String, id: Int64) async throws {
        let co = try model(comodel)
        let inverseField = try co.field(inverse)
        let deleteOnDetach: Bool = {
            if case .many2one(_, .cascade) = inverseField.kind { return true }
            return inverseField.required
        }()
        func detach(_ targets: [Int64]) async throws {
            guard !targets.isEmpty else { return }
            if deleteOnDetach { try await unlink(comodel, ids: targets) } else { try await write(comodel, ids: targets, [inverse: .false]) }
        }
        func children() async throws -> [Int64] {
            var sql = SQLBuilder("SELECT id FROM \(table: co) WHERE \(identifier: inverse) = ")
            sql.bind(.int(id), cast: "bigint")
            return try await tx.query(sql).map { try $0.decode(Int64.self) }
        }
        // Consecutive creations are one `create` of them all (as Odoo batches them): one insert,
        // and each hook once for the lines of a document rather than once per line.
        var creating: [RecordValues] = []
        for (index, command) in commands.enumerated() {
            if case .create(var vals) = command {
                vals[inverse] = .int(id)
                creating.append(vals)
                if index + 1 < commands.count, case .create = commands[index + 1] { continue }
                _ = try await create(comodel, creating)
                creating = []
                continue
            }
            switch command {
            case .create: break
            case .update(let target, let vals): try await write(comodel, ids: [target], vals)
            case .delete(let target): try await unlink(comodel, ids: [target])
            case .unlink(let target): try await detach([target])
            case .link(let target): try await write(comodel, ids: [target], [inverse: .int(id)])
            case .clear: try await detach(try await children())
            case .set(let targets):
                try await detach(try await children().filter { !targets.contains($0) })
                if !targets.isEmpty { try await write(comodel, ids: targets, [inverse: .int(id)]) }
            }
        }
    }

    private func links(_ relation: String, _ column1: String, _ column2: String, id: Int64) async throws -> [Int64] {
        var sql = SQLBuilder("SELECT \(identifier: column2) FROM \(identifier: relation) WHERE \(identifier: column1) = ")
        sql.bind(.int(id), cast: "bigint")
        sql += " ORDER BY 1"
        return try await tx.query(sql).map { try $0.decode(Int64.self) }
    }

    private func setLinks(_ relation: String, _ column1: String, _ column2: String, id: Int64, _ targets: [Int64]) async throws {
        var sql = SQLBuilder("WITH gone AS (DELETE FROM \(identifier: relation) WHERE \(identifier: column1) = ")
        sql.bind(.int(id), cast: "bigint")
        sql += " AND NOT (\(quoted(column2)) = ANY("
        sql.bind(.intArray(targets), cast: "bigint[]")
        sql += "))) INSERT INTO \(quoted(relation)) (\(quoted(column1)), \(quoted(column2))) SELECT "
        sql.bind(.int(id), cast: "bigint")
        sql += ", u FROM unnest("
        sql.bind(.intArray(targets), cast: "bigint[]")
        sql += ") u ON CONFLICT DO NOTHING"
        try await tx.query(sql)
    }

    /// Linking needs the targets to exist and be readable by the user (archived ones included, as
    /// in Odoo), and to satisfy the field's link domain.
    func checkLinkable(_ comodel: String, field: FieldSpec, _ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        let reader = RecordStore(registry: registry, tx: tx, env: env.withContext(["active_test": false]))
        var domain = Domain.leaf(path: ["id"], op: .in, value: .array(ids.map(Value.int)))
        if let linkDomain = field.linkDomain, !env.isSystem { domain = .allOf([domain, linkDomain(env)]) }
        let found = try await reader.search(comodel, domain: domain, order: "id")
        let refused = Set(ids).subtracting(found)
        if !refused.isEmpty {
            let list = refused.sorted().map(String.init).joined(separator: ", ")
            if field.linkDomain != nil {
                throw ChainstoreError.accessError("You are not allowed to link \(comodel) records \(list) through '\(field.name)'.")
            }
            throw ChainstoreError.missing("Record does not exist or has been deleted.\n(Record: \(comodel)(\(list)), User: \(env.uid))")
        }
    }

    private func auditLinks(_ model: ModelSpec, id: Int64, field: String, before: [Int64], after: [Int64]) async throws {
        var sql = SQLBuilder("INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values) VALUES (")
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", "
        sql.bind(.text(model.name), cast: "text")
        sql += ", "
        sql.bind(.int(id), cast: "bigint")
        sql += ", 'write', "
        if model.fields["company_id"] != nil {
            sql += "(SELECT \(companySQL(model, alias: "x")) FROM \(quoted(model.table)) x WHERE x.id = "
            sql.bind(.int(id), cast: "bigint")
            sql += ")"
        } else {
            sql += "NULL"
        }
        sql += ", jsonb_build_object("
        sql.bind(.text(field), cast: "text")
        sql += ", to_jsonb("
        sql.bind(.intArray(before.sorted()), cast: "bigint[]")
        sql += ")), jsonb_build_object("
        sql.bind(.text(field), cast: "text")
        sql += ", to_jsonb("
        sql.bind(.intArray(after.sorted()), cast: "bigint[]")
        sql += ")))"
        try await tx.query(sql)
    }
}

/// Keeps the first occurrence of each id, in order.
func uniqued(_ ids: [Int64]) -> [Int64] {
    var seen = Set<Int64>()
    return ids.filter { seen.insert($0).inserted }
}
