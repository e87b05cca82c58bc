import ChainstoreCore

extension DomainCompiler {
    /// `child_of` / `parent_of`: through `parent_path` when the hierarchy keeps one (an index range
    /// scan), otherwise by a recursive walk of the parent field.
    mutating func hierarchy(
        _ field: FieldSpec, op: DomainOperator, value: Value, model: ModelSpec, alias: String, into sql: inout SQLBuilder,
        whole: Domain
    ) throws {
        let tree: ModelSpec
        if case .many2one(let comodel, _) = field.kind, let target = registry.models[comodel] {
            tree = target
        } else if field.name == "id" {
            tree = model
        } else {
            throw ChainstoreError.valueError("Operator '\(op.rawValue)' needs a many2one or id in leaf \(describe(whole))")
        }
        let column = "\(alias).\(quoted(field.name))"
        guard let parent = tree.parentField else {
            try ColumnCondition.write(column: column, field: field, op: .in, value: value, model: model, into: &sql, leaf: whole)
            return
        }
        let seed = nextAlias()
        if value.isEmpty {
            sql += "FALSE"
            return
        }
        let ids: [Int64]?
        if case .string = value {
            ids = nil
        } else {
            guard let list = value.idList else {
                throw ChainstoreError.valueError("Invalid value \(value) for '\(op.rawValue)' in leaf \(describe(whole))")
            }
            ids = list
        }
        func writeSeed(_ this: inout DomainCompiler, _ sql: inout SQLBuilder) throws {
            if let ids {
                sql += "\(seed).id = ANY("
                sql.bind(.intArray(ids), cast: "bigint[]")
                sql += ")"
            } else {
                try this.displayName(op: .ilike, value: value, model: tree, alias: seed, into: &sql)
            }
        }
        let table = quoted(tree.table)
        let node = nextAlias()
        if field.name == "id", op == .childOf, tree.hasParentPath {
            // On the record's own path, so it also holds for rows being inserted in this statement.
            sql += "\(alias).parent_path LIKE ANY (SELECT \(seed).parent_path || '%' FROM \(table) \(seed) WHERE "
            try writeSeed(&self, &sql)
            sql += ")"
            return
        }
        sql += "\(column) IN ("
        switch (op, tree.hasParentPath) {
        case (.childOf, true):
            // The subtree of each seed is an index range on the path ("1/5/" ≤ path < "1/50"),
            // read once per statement: PostgreSQL hashes it even under an OR, so each row costs
            // a lookup, however large the tree and whether or not the statement is prepared.
            sql += "SELECT \(node).id FROM \(table) \(seed) JOIN \(table) \(node) ON \(node).parent_path ~>=~ \(seed).parent_path "
            sql += "AND \(node).parent_path ~<~ (left(\(seed).parent_path, -1) || '0') WHERE "
            try writeSeed(&self, &sql)
        case (_, true):
            sql += "SELECT \(node)::bigint FROM \(table) \(seed), unnest(string_to_array(rtrim(\(seed).parent_path, '/'), '/')) \(node) WHERE "
            try writeSeed(&self, &sql)
        case (.childOf, false):
            let walk = nextAlias()
            sql += "WITH RECURSIVE \(walk)(id) AS (SELECT \(seed).id FROM \(table) \(seed) WHERE "
            try writeSeed(&self, &sql)
            sql += " UNION SELECT \(node).id FROM \(table) \(node) JOIN \(walk) ON \(node).\(quoted(parent)) = \(walk).id) SELECT id FROM \(walk)"
        default:
            let walk = nextAlias()
            sql += "WITH RECURSIVE \(walk)(id, parent) AS (SELECT \(seed).id, \(seed).\(quoted(parent)) FROM \(table) \(seed) WHERE "
            try writeSeed(&self, &sql)
            sql += " UNION SELECT \(node).id, \(node).\(quoted(parent)) FROM \(table) \(node) JOIN \(walk) ON \(node).id = \(walk).parent) SELECT id FROM \(walk)"
        }
        sql += ")"
    }
}
