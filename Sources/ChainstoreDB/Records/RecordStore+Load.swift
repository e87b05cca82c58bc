import ChainstoreCore

/// The outcome of Odoo's `load`: the ids of the rows in order, or nil when anything was wrong —
/// then nothing was applied and `messages` says what, row by row.
public struct LoadResult: Sendable {
    public var ids: [Int64]?
    public var messages: [LoadMessage]
    /// How many of `ids` are new records (the rest were updated).
    public var created = 0

    /// Odoo's wire shape: `{"ids": [...] | false, "messages": [{type, message, record, field, rows}]}`.
    public var value: Value {
        [
            "ids": ids.map { .array($0.map(Value.int)) } ?? .false,
            "messages": .array(messages.map(\.value)),
        ]
    }
}

public struct LoadMessage: Sendable, Equatable {
    public var type: String
    public var message: String
    /// The row index (0-based) in the rows given, nil for a problem with the columns.
    public var record: Int?
    public var field: String?

    public var value: Value {
        var dict: RecordValues = ["type": .string(type), "message": .string(message)]
        if let record {
            dict["record"] = .int(Int64(record))
            dict["rows"] = ["from": .int(Int64(record)), "to": .int(Int64(record))]
        }
        if let field { dict["field"] = .string(field) }
        return .dict(dict)
    }
}

extension RecordStore {
    /// Odoo's `load(fields, data)`: imports rows of values (strings from a CSV, or typed values).
    /// Columns are field names; `id` is an external id (`module.name`, or a bare name in
    /// `__import__`) that makes a second import update instead of duplicating; `.id` is a
    /// database id; `field/id` and `field/.id` name relations by external or database id, a bare
    /// relational column by display name (many2many: comma-separated).
    ///
    /// All or nothing: rows are checked, then applied in batches under a savepoint; if any row
    /// fails, every failing row is reported with its reason, `ids` is nil, and the savepoint is
    /// rolled back.
    ///
    /// Rows that pass stay applied while the rest is checked, so a duplicate of an earlier good
    /// row is found too. With `rollBack` false the caller (an import of a whole file in one
    /// transaction) undoes everything itself.
    public func load(_ modelName: String, fields: [String], rows: [[Value]], rollBack: Bool = true) async throws -> LoadResult {
        let model = try model(modelName)
        let columns = try fields.map { try LoadColumn.parse($0, model: model, visible: visible) }
        try await tx.execute("SAVEPOINT chainstore_load")
        var ids: [Int64] = []
        var created = 0
        var messages: [LoadMessage] = []
        var failed = false
        for segment in Self.segments(model, columns: columns, rows: rows) {
            switch try await loadSegment(model, columns: columns, rows: rows, segment) {
            case .success(let part, let new, let notes):
                ids += part
                created += new
                messages += notes
            case .failure(let errors):
                failed = true
                messages += errors
            }
        }
        guard failed else {
            try await tx.execute("RELEASE SAVEPOINT chainstore_load")
            return LoadResult(ids: ids, messages: messages, created: created)
        }
        try await tx.execute(rollBack ? "ROLLBACK TO SAVEPOINT chainstore_load" : "RELEASE SAVEPOINT chainstore_load")
        return LoadResult(ids: nil, messages: messages.filter { $0.type == "error" })
    }

    /// Rows are applied in consecutive segments such that no row names (by external id) a record
    /// another row of its own segment creates: a parent category defined a few lines above is
    /// found, as in Odoo, while rows are still written in batches.
    static func segments(_ model: ModelSpec, columns: [LoadColumn], rows: [[Value]]) -> [Range<Int>] {
        guard let idColumn = columns.firstIndex(where: { if case .externalID = $0 { true } else { false } }) else { return [0..<rows.count] }
        let selfReferences = columns.indices.filter {
            if case .field(let field, .externalID) = columns[$0], field.kind.comodel == model.name { return true }
            return false
        }
        guard !selfReferences.isEmpty else { return [0..<rows.count] }
        var segments: [Range<Int>] = []
        var start = 0
        var defined = Set<String>()
        for (index, row) in rows.enumerated() {
            let named = selfReferences.flatMap { column -> [String] in
                guard column < row.count, let text = row[column].stringValue else { return [] }
                return text.split(separator: ",").map { LoadColumn.qualified($0.trimmingCharacters(in: .whitespaces)) }
            }
            if named.contains(where: defined.contains) {
                segments.append(start..<index)
                start = index
                defined = []
            }
            if idColumn < row.count, let text = row[idColumn].stringValue, !text.isEmpty { defined.insert(LoadColumn.qualified(text)) }
        }
        segments.append(start..<rows.count)
        return segments
    }

    enum SegmentOutcome { case success([Int64], created: Int, [LoadMessage]), failure([LoadMessage]) }

    /// Checks and applies `rows[segment]`; on failure nothing of it is kept and every bad row is
    /// named (by its index in the whole import).
    private func loadSegment(_ model: ModelSpec, columns: [LoadColumn], rows all: [[Value]], _ segment: Range<Int>) async throws -> SegmentOutcome {
        let rows = Array(all[segment])
        var messages: [LoadMessage] = []
        let references = try await resolveReferences(model, columns: columns, rows: rows)
        var prepared: [(row: Int, id: Int64?, xmlid: String?, vals: RecordValues)] = []
        prepared.reserveCapacity(rows.count)
        for (offset, row) in rows.enumerated() {
            let index = segment.lowerBound + offset
            do {
                guard row.count == columns.count else {
                    throw ChainstoreError.valueError("The row has \(row.count) values for \(columns.count) columns")
                }
                var vals = RecordValues(minimumCapacity: columns.count)
                var existing: Int64?
                var xmlid: String?
                for (column, raw) in zip(columns, row) {
                    switch column {
                    case .externalID:
                        guard let text = raw.stringValue, !text.isEmpty else { continue }
                        xmlid = LoadColumn.qualified(text)
                        if let found = references.xmlids[xmlid!] {
                            guard found.model == model.name else {
                                throw ChainstoreError.valueError("External ID \(text) names a \(found.model) record, not a \(model.name)")
                            }
                            existing = found.id
                        }
                    case .databaseID:
                        guard !raw.isEmpty else { continue }
                        guard let id = raw.intValue ?? raw.stringValue.flatMap({ Int64($0) }) else {
                            throw ChainstoreError.valueError("Invalid database id '\(raw)'")
                        }
                        existing = id
                    case .field(let field, let mode):
                        vals[field.name] = try importValue(field, mode: mode, raw, references: references)
                    }
                }
                prepared.append((index, existing, xmlid, vals))
            } catch let error as ChainstoreError {
                messages.append(LoadMessage(type: "error", message: error.message, record: index, field: nil))
            }
        }
        if !messages.isEmpty {
            // The rows that passed the checks are still tried, so the report also names the rows
            // the database or the model's checks refuse; then nothing is kept.
            messages += try await rowFailures(model, prepared)
            return .failure(messages.sorted { ($0.record ?? -1) < ($1.record ?? -1) })
        }
        try await tx.execute("SAVEPOINT chainstore_load_segment")
        do {
            let ids = try await apply(model, prepared)
            try await tx.execute("RELEASE SAVEPOINT chainstore_load_segment")
            return .success(ids, created: prepared.filter { $0.id == nil }.count, references.warnings)
        } catch let error as ChainstoreError {
            try await tx.execute("ROLLBACK TO SAVEPOINT chainstore_load_segment")
            messages = try await rowFailures(model, prepared)
            if messages.isEmpty { messages.append(LoadMessage(type: "error", message: error.message, record: nil, field: nil)) }
            return .failure(messages)
        }
    }

    /// The rows that fail when applied one by one, each under its own savepoint. What succeeds
    /// stays applied until `load` decides.
    private func rowFailures(_ model: ModelSpec, _ prepared: [(row: Int, id: Int64?, xmlid: String?, vals: RecordValues)]) async throws -> [LoadMessage] {
        var messages: [LoadMessage] = []
        for item in prepared {
            try await tx.execute("SAVEPOINT chainstore_load_row")
            do {
                _ = try await apply(model, [item])
                try await tx.execute("RELEASE SAVEPOINT chainstore_load_row")
            } catch let rowError as ChainstoreError {
                messages.append(LoadMessage(type: "error", message: rowError.message, record: item.row, field: nil))
                try await tx.execute("ROLLBACK TO SAVEPOINT chainstore_load_row")
            }
        }
        return messages
    }

    /// Creates the new rows in one batch, writes the known ones, and records new external ids.
    private func apply(_ model: ModelSpec, _ prepared: [(row: Int, id: Int64?, xmlid: String?, vals: RecordValues)]) async throws -> [Int64] {
        var ids = [Int64](repeating: 0, count: prepared.count)
        var fresh: [Int] = []
        var updates: [(id: Int64, vals: RecordValues)] = []
        for (offset, item) in prepared.enumerated() {
            if let id = item.id {
                if !item.vals.isEmpty { updates.append((id, item.vals)) }
                ids[offset] = id
            } else {
                fresh.append(offset)
            }
        }
        try await writeEach(model.name, updates)
        // An empty cell on a new record leaves the field's default (the category "All", the
        // unit "Units"); on an existing record it clears the field.
        let created = try await create(model.name, fresh.map { offset in
            prepared[offset].vals.filter { !($0.value.isEmpty && model.fields[$0.key]?.defaultValue != nil) }
        })
        var external: [RecordValues] = []
        for (offset, id) in zip(fresh, created) {
            ids[offset] = id
            if let xmlid = prepared[offset].xmlid {
                let (module, name) = LoadColumn.split(xmlid)
                external.append(["module": .string(module), "name": .string(name), "model": .string(model.name), "res_id": .int(id)])
            }
        }
        _ = try await asSystem(reason: "external ids of imported records").create("ir.model.data", external)
        return ids
    }

    /// Converts one imported value to what `create`/`write` take.
    private func importValue(_ field: FieldSpec, mode: LoadColumn.Mode, _ raw: Value, references: LoadReferences) throws -> Value {
        if case .string(let text) = raw {
            let text = text.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return field.kind.isX2Many ? [[6, 0, []]] : .false }
            switch field.kind {
            case .many2one:
                return .int(try references.resolve(field, mode: mode, text))
            case .one2many, .many2many:
                let ids = try text.split(separator: ",").map { try references.resolve(field, mode: mode, $0.trimmingCharacters(in: .whitespaces)) }
                return [[6, 0, .array(ids.map(Value.int))]]
            case .integer:
                guard let number = Int64(text) else { throw Self.badValue(field, text, "an integer") }
                return .int(number)
            case .float, .decimal, .monetary:
                guard let number = Double(text) else { throw Self.badValue(field, text, "a number") }
                return .double(number)
            case .boolean:
                switch text.lowercased() {
                case "1", "true", "yes", "y", "t": return .true
                case "0", "false", "no", "n", "f": return .false
                default: throw Self.badValue(field, text, "true or false")
                }
            case .selection(let options):
                if let option = options.first(where: { $0.value == text || $0.label.lowercased() == text.lowercased() }) {
                    return .string(option.value)
                }
                throw Self.badValue(field, text, "one of " + options.map { "'\($0.value)'" }.joined(separator: ", "))
            default:
                return .string(text)
            }
        }
        return raw  // typed values (from RPC) go to create/write as they are
    }

    static func badValue(_ field: FieldSpec, _ text: String, _ expected: String) -> ChainstoreError {
        ChainstoreError.valueError("'\(text)' does not seem to be \(expected) for field '\(field.label)'")
    }

    /// Every external id and relational name the rows mention, resolved in one query per column.
    private func resolveReferences(_ model: ModelSpec, columns: [LoadColumn], rows: [[Value]]) async throws -> LoadReferences {
        var references = LoadReferences()
        var xmlids = Set<String>()
        for (index, column) in columns.enumerated() {
            var values = Set<String>()
            for row in rows where index < row.count {
                guard let text = row[index].stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
                if case .field(let field, _) = column, field.kind.isX2Many {
                    for part in text.split(separator: ",") { values.insert(part.trimmingCharacters(in: .whitespaces)) }
                } else {
                    values.insert(text)
                }
            }
            switch column {
            case .externalID: xmlids.formUnion(values.map(LoadColumn.qualified))
            case .field(_, .externalID): xmlids.formUnion(values.map(LoadColumn.qualified))
            case .field(let field, .name):
                guard let comodel = field.kind.comodel, !values.isEmpty else { continue }
                try await references.names(field.name, comodel: comodel, values: Array(values), store: self)
            default: continue
            }
        }
        if !xmlids.isEmpty {
            // By (module, name), so the unique index answers.
            let pairs = xmlids.map(LoadColumn.split)
            var sql = SQLBuilder("SELECT d.module || '.' || d.name, d.model, d.res_id FROM unnest(")
            sql.bind(.textArray(pairs.map(\.0)), cast: "text[]")
            sql += ", "
            sql.bind(.textArray(pairs.map(\.1)), cast: "text[]")
            sql += ") AS k(module, name) JOIN ir_model_data d ON d.module = k.module AND d.name = k.name"
            for row in try await tx.query(sql) {
                let (xmlid, model, id) = try row.decode((String, String, Int64).self)
                references.xmlids[xmlid] = (model, id)
            }
        }
        return references
    }
}

/// One column of an import: the external id, the database id, or a field (by name, external
/// id or database id for relations).
enum LoadColumn: Sendable {
    enum Mode: Sendable { case name, externalID, databaseID }
    case externalID
    case databaseID
    case field(FieldSpec, Mode)

    static func parse(_ header: String, model: ModelSpec, visible: (FieldSpec) -> Bool) throws -> LoadColumn {
        if header == "id" { return .externalID }
        if header == ".id" { return .databaseID }
        let parts = header.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let field = model.fields[parts[0]], visible(field), parts.count <= 2 else {
            throw ChainstoreError.valueError("Unknown column '\(header)' for model '\(model.name)'")
        }
        guard !RecordStore.magicFields.contains(field.name), !field.computedInDatabase else {
            throw ChainstoreError.valueError("Column '\(header)' cannot be imported: '\(field.name)' is computed")
        }
        switch parts.count == 2 ? parts[1] : nil {
        case nil: return .field(field, .name)
        case "id"? where field.kind.isRelational: return .field(field, .externalID)
        case ".id"? where field.kind.isRelational: return .field(field, .databaseID)
        default: throw ChainstoreError.valueError("Unknown column '\(header)' for model '\(model.name)'")
        }
    }

    /// `module.name`; a bare name belongs to `__import__`, as in Odoo.
    static func qualified(_ text: String) -> String { text.contains(".") ? text : "__import__." + text }

    static func split(_ xmlid: String) -> (String, String) {
        let dot = xmlid.firstIndex(of: ".")!
        return (String(xmlid[..<dot]), String(xmlid[xmlid.index(after: dot)...]))
    }
}

/// External ids and names found for an import, and warnings about ambiguous names.
struct LoadReferences: Sendable {
    var xmlids: [String: (model: String, id: Int64)] = [:]
    var byName: [String: [String: Int64]] = [:]
    var warnings: [LoadMessage] = []

    /// Records of `comodel` whose display name (or name) is one of `values`, within the user's
    /// read rules; archived ones too (an import names what exists).
    mutating func names(_ field: String, comodel: String, values: [String], store: RecordStore) async throws {
        let reader = RecordStore(registry: store.registry, tx: store.tx, env: store.env.withContext(["active_test": false]))
        let model = try store.model(comodel)
        var domain: [Domain] = [.leaf("display_name", .in, .array(values.map(Value.string)))]
        if model.fields[model.recName] != nil, model.recName != "display_name" {
            domain.append(.leaf(model.recName, .in, .array(values.map(Value.string))))
        }
        var found: [String: Int64] = [:]
        let rows = try await reader.searchRead(comodel, domain: .anyOf(domain), fields: ["display_name", model.fields[model.recName] != nil ? model.recName : "display_name"],
                                               order: "id")
        for row in rows {
            guard let id = row["id"]?.intValue else { continue }
            for key in Set([row["display_name"]?.stringValue, row[model.recName]?.stringValue].compactMap { $0 }) where found[key] == nil {
                found[key] = id
            }
        }
        byName[field] = found
    }

    func resolve(_ field: FieldSpec, mode: LoadColumn.Mode, _ text: String) throws -> Int64 {
        switch mode {
        case .databaseID:
            guard let id = Int64(text) else { throw ChainstoreError.valueError("Invalid database id '\(text)' for field '\(field.label)'") }
            return id
        case .externalID:
            guard let found = xmlids[LoadColumn.qualified(text)] else {
                throw ChainstoreError.valueError("No matching record found for external id '\(text)' in field '\(field.label)'")
            }
            guard found.model == field.kind.comodel else {
                throw ChainstoreError.valueError("External id '\(text)' names a \(found.model), not a \(field.kind.comodel ?? "") in field '\(field.label)'")
            }
            return found.id
        case .name:
            guard let id = byName[field.name]?[text] else {
                throw ChainstoreError.valueError("No matching record found for name '\(text)' in field '\(field.label)'")
            }
            return id
        }
    }
}
