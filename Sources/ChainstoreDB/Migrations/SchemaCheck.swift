import ChainstoreCore

/// Proves the declared models and the migrated schema agree: every model has its table, every
/// stored field its column with the right type, every many2many its relation table. Run at
/// start-up after migrating, so a declaration without its migration fails loudly, not on the
/// first query that touches it.
public enum SchemaCheck {
    public static func problems(_ tx: Transaction, registry: Registry) async throws -> [String] {
        var columns: [String: [String: String]] = [:]
        let sql = SQLBuilder("SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema()")
        for row in try await tx.query(sql) {
            let (table, column, type) = try row.decode((String, String, String).self)
            columns[table, default: [:]][column] = type
        }
        // Per column, its foreign key's ON DELETE; `k` for a column a composite key keeps with
        // its parent's (a line's company, with its order's id): checked through the parent, whose
        // own key to that record has the declared action. A column's own key comes last and wins.
        var foreignKeys: [String: Character] = [:]
        let fkSQL = SQLBuilder("""
            SELECT cl.relname::text || '.' || a.attname::text, CASE WHEN k.n = 1 THEN c.confdeltype::text ELSE 'k' END FROM pg_constraint c
            JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
            CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.contype = 'f' ORDER BY cardinality(c.conkey) DESC
            """)
        for row in try await tx.query(fkSQL) {
            let (column, action) = try row.decode((String, String).self)
            foreignKeys[column] = action.first
        }
        var indexed = Set<String>()
        let indexSQL = SQLBuilder("""
            SELECT t.relname::text || '.' || a.attname::text FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            """)
        for row in try await tx.query(indexSQL) { indexed.insert(try row.decode(String.self)) }
        let partitioned = Set(try await Partitions.timePartitioned(tx))
        let orderIndexes = try await orderIndexes(tx)
        var problems: [String] = []
        for model in registry.models.values.sorted(by: { $0.name < $1.name }) {
            if let problem = orderProblem(model, indexes: orderIndexes[model.table] ?? [], registry: registry) { problems.append(problem) }
            guard let table = columns[model.table] else {
                problems.append("\(model.name): table \(model.table) is missing")
                continue
            }
            for field in model.fields.values where field.name != "display_name" && field.filteredInPlace && !field.computedWhenRead {
                switch field.kind {
                case .one2many: continue
                case .many2many(_, let relation, let column1, let column2):
                    guard let rel = columns[relation] else {
                        problems.append("\(model.name).\(field.name): relation table \(relation) is missing")
                        continue
                    }
                    for column in [column1, column2] where rel[column] == nil {
                        problems.append("\(model.name).\(field.name): column \(relation).\(column) is missing")
                    }
                default:
                    let expected = field.name == "id" ? "bigint" : field.kind.sqlType
                    guard let actual = table[field.name] else {
                        problems.append("\(model.name).\(field.name): column \(model.table).\(field.name) is missing")
                        continue
                    }
                    if !compatible(expected: expected, actual: actual) {
                        problems.append("\(model.name).\(field.name): column type is \(actual), the declaration needs \(expected)")
                    }
                    if field.index, !indexed.contains("\(model.table).\(field.name)") {
                        problems.append("\(model.name).\(field.name): declared indexed, but no index starts with this column")
                    }
                    // No foreign key can point into a partitioned table by id alone: such a link
                    // is checked by a trigger of its table.
                    if case .many2one(let comodel, let onDelete) = field.kind, !["create_uid", "write_uid"].contains(field.name),
                       !partitioned.contains(registry.models[comodel]?.table ?? "") || foreignKeys["\(model.table).\(field.name)"] != nil {
                        let action = foreignKeys["\(model.table).\(field.name)"]
                        let wanted: Set<Character> = onDelete == .cascade ? ["c"] : onDelete == .setNull ? ["n"] : ["r", "a"]
                        if let action, action != "k", !wanted.contains(action) {
                            problems.append("\(model.name).\(field.name): the foreign key's ON DELETE differs from '\(onDelete.rawValue)'")
                        } else if action == nil {
                            problems.append("\(model.name).\(field.name): no foreign key")
                        }
                    }
                }
            }
        }
        return problems
    }

    static func compatible(expected: String, actual: String) -> Bool {
        if expected == actual { return true }
        switch expected {
        case "text": return actual == "character varying"
        case "integer": return actual == "bigint" || actual == "smallint"
        default: return false
        }
    }

    /// One btree index: its key columns with their direction (`-` prefix for descending), for
    /// indexes with the type's default operator class only (a `text_pattern_ops` index cannot
    /// serve an `ORDER BY`).
    static func orderIndexes(_ tx: Transaction) async throws -> [String: [[String]]] {
        let sql = SQLBuilder("""
            SELECT t.relname::text, ARRAY(
                SELECT CASE WHEN (i.indoption[k.n] & 1) = 1 THEN '-' ELSE '' END || a.attname::text
                FROM generate_series(0, i.indnkeyatts - 1) k(n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n]
                ORDER BY k.n)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
            JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am am ON am.oid = x.relam AND am.amname = 'btree'
            WHERE i.indpred IS NULL AND 0 <> ALL(i.indkey::int2[])
              AND NOT EXISTS (SELECT 1 FROM unnest(i.indclass::oid[]) c(oid) JOIN pg_opclass o ON o.oid = c.oid WHERE NOT o.opcdefault)
            """)
        var indexes: [String: [[String]]] = [:]
        for row in try await tx.query(sql) {
            let (table, keys) = try row.decode((String, [String]).self)
            indexes[table, default: []].append(keys)
        }
        return indexes
    }

    /// The model's default order (with the `id` the store adds) must be the leading keys of an
    /// index, scanned forwards or backwards, so a first page is read in order, not sorted. An
    /// order that goes on through a many2one without a `sortColumn` needs its keys up to that
    /// term served (the rest is sorted in small groups); one that starts with it, none.
    static func orderProblem(_ model: ModelSpec, indexes: [[String]], registry: Registry) -> String? {
        guard let spec = try? OrderSpec.parse(model.order, model: model) else { return "\(model.name): its default order does not parse" }
        var keys: [String] = []
        var whole = true
        for term in spec.terms where whole {
            guard let field = model.fields[term.field], field.filteredInPlace, !field.computedWhenRead, term.field != "display_name" else {
                return "\(model.name): its default order \"\(model.order)\" sorts by \(term.field), which no index of its table can serve"
            }
            // Sorting by a many2one sorts by the linked record's name (as Odoo does): no index
            // of this table can serve it unless the name is kept on the row (`sortColumn`).
            if case .many2one = field.kind {
                guard let column = field.sortColumn else { whole = false; break }
                let kept = registry.keptSortDescending(field)
                keys.append((kept.column != term.descending ? "-" : "") + column)
                keys.append((kept.link != term.descending ? "-" : "") + term.field)
                continue
            }
            keys.append((term.descending ? "-" : "") + term.field)
        }
        if keys.isEmpty { return nil }
        if whole, !spec.terms.contains(where: { $0.field == "id" }) { keys.append("id") }
        let flipped = keys.map { $0.hasPrefix("-") ? String($0.dropFirst()) : "-" + $0 }
        // The primary key serves any order that starts with `id`.
        if keys.first == "id" || keys.first == "-id" { return nil }
        if indexes.contains(where: { $0.starts(with: keys) || $0.starts(with: flipped) }) { return nil }
        return "\(model.name): no index serves its default order \"\(model.order)\" (wanted: \(keys.joined(separator: ", ")))"
    }
}
