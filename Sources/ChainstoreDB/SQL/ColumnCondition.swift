import ChainstoreCore

/// Conditions on one column: Odoo's NULL rules (`!=` also matches NULL, `= False` is `IS NULL`),
/// list membership with `False` inside, and date-only bounds on datetimes.
enum ColumnCondition {
    static func write(
        column: String, field: FieldSpec, op: DomainOperator, value: Value, model: ModelSpec, into sql: inout SQLBuilder,
        leaf: Domain
    ) throws {
        let isBoolean: Bool = { if case .boolean = field.kind { return true } else { return false } }()
        switch op {
        case .equalIfSet:
            if value.isEmpty { sql += "TRUE"; return }
            try write(column: column, field: field, op: .equal, value: value, model: model, into: &sql, leaf: leaf)
        case .equal, .notEqual:
            if case .array = value {
                try write(column: column, field: field, op: op == .equal ? .in : .notIn, value: value, model: model, into: &sql, leaf: leaf)
                return
            }
            if value.isEmpty {
                if isBoolean {
                    sql += op == .equal ? "(\(column) IS NULL OR NOT \(column))" : "COALESCE(\(column), FALSE)"
                } else {
                    sql += op == .equal ? "\(column) IS NULL" : "\(column) IS NOT NULL"
                }
                return
            }
            if isBoolean, value == .true {
                sql += op == .equal ? "COALESCE(\(column), FALSE)" : "NOT COALESCE(\(column), FALSE)"
                return
            }
            let (bind, cast) = try ValueBinding.scalar(value, for: field, model: model.name)
            if op == .equal {
                sql += "\(column) = "
                sql.bind(bind, cast: cast)
            } else {
                sql += "(\(column) IS NULL OR \(column) <> "
                sql.bind(bind, cast: cast)
                sql += ")"
            }
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            guard !value.isEmpty else { sql += "FALSE"; return }
            var bound = value
            if case .datetime = field.kind, case .string(let s) = value, s.utf8.count == 10 {
                bound = .string(s + (op == .greater || op == .lessOrEqual ? " 23:59:59" : " 00:00:00"))
            }
            let (bind, cast) = try ValueBinding.scalar(bound, for: field, model: model.name)
            sql += "\(column) \(op.rawValue) "
            sql.bind(bind, cast: cast)
        case .like, .ilike, .notLike, .notIlike, .rawLike, .rawIlike:
            guard case .string(let text) = value else {
                if value.isEmpty, op == .like || op == .ilike { sql += "TRUE"; return }
                throw ChainstoreError.valueError("Invalid value \(value) for operator '\(op.rawValue)' on '\(model.name).\(field.name)'")
            }
            let pattern = (op == .rawLike || op == .rawIlike) ? text : "%" + text + "%"
            let keyword = (op == .ilike || op == .notIlike || op == .rawIlike) ? "ILIKE" : "LIKE"
            let negative = op == .notLike || op == .notIlike
            sql += negative ? "(\(column) IS NULL OR \(column)::text NOT \(keyword) " : "\(column)::text \(keyword) "
            sql.bind(.text(pattern), cast: "text")
            if negative { sql += ")" }
        case .in, .notIn:
            try membership(column: column, field: field, negative: op == .notIn, value: value, model: model, into: &sql)
        case .childOf, .parentOf, .any, .notAny:
            throw ChainstoreError.valueError("Operator '\(op.rawValue)' is not valid on field '\(model.name).\(field.name)'")
        }
    }

    private static func membership(
        column: String, field: FieldSpec, negative: Bool, value: Value, model: ModelSpec, into sql: inout SQLBuilder
    ) throws {
        let items: [Value]
        switch value {
        case .array(let list): items = list
        case .null, .bool(false): items = [.false]
        default: items = [value]
        }
        let hasEmpty = items.contains { $0.isEmpty }
        var values = items.filter { !$0.isEmpty }
        if case .boolean = field.kind, hasEmpty { values.append(.false) }  // False is a value here, and also means NULL
        var list: (bind: SQLBind, cast: String)?
        if !values.isEmpty {
            switch field.kind {
            case .integer, .many2one:
                let ids = try values.map { item -> Int64 in
                    guard let id = item.intValue else { throw wrongValue(item, field, model) }
                    return id
                }
                list = (.intArray(ids), "bigint[]")
            default:
                var texts: [String] = []
                var cast = "text"
                for item in values {
                    let (bind, itemCast) = try ValueBinding.scalar(item, for: field, model: model.name)
                    cast = itemCast
                    switch bind {
                    case .text(let s): texts.append(s)
                    case .double(let d): texts.append("\(d)")
                    case .bool(let b): texts.append(b ? "true" : "false")
                    case .int(let i): texts.append(String(i))
                    default: throw wrongValue(item, field, model)
                    }
                }
                list = (.textArray(texts), cast + "[]")
            }
        }
        if negative {
            sql += "("
            if let list {
                sql += "\(column) <> ALL("
                sql.bind(list.bind, cast: list.cast)
                sql += ")"
                sql += hasEmpty ? " AND \(column) IS NOT NULL" : " OR \(column) IS NULL"
            } else {
                sql += hasEmpty ? "\(column) IS NOT NULL" : "TRUE"
            }
            sql += ")"
        } else {
            if let list {
                sql += "(\(column) = ANY("
                sql.bind(list.bind, cast: list.cast)
                sql += ")"
                if hasEmpty { sql += " OR \(column) IS NULL" }
                sql += ")"
            } else {
                sql += hasEmpty ? "\(column) IS NULL" : "FALSE"
            }
        }
    }

    static func wrongValue(_ value: Value, _ field: FieldSpec, _ model: ModelSpec) -> ChainstoreError {
        ChainstoreError.valueError("Wrong value \(value) for field '\(field.name)' (\(field.kind.typeName)) on model '\(model.name)'")
    }
}

/// Conditions on a number computed per call (a product's quantity on hand): the comparisons Odoo
/// allows on such fields, with a number on the right. When zero cannot satisfy the comparison,
/// only records in the column's support (those that may have a nonzero value) are computed.
enum ContextualCondition {
    static func write(
        column: SQLBuilder, support: SQLBuilder?, field: FieldSpec, op: DomainOperator, value: Value, alias: String, into sql: inout SQLBuilder
    ) throws {
        let compare: (Double, Double) -> Bool
        switch op {
        case .equal: compare = (==)
        case .notEqual: compare = (!=)
        case .less: compare = (<)
        case .lessOrEqual: compare = (<=)
        case .greater: compare = (>)
        case .greaterOrEqual: compare = (>=)
        default: throw ChainstoreError.userError("Invalid domain operator \(op.rawValue)")
        }
        guard let number = value.doubleValue else { throw ChainstoreError.userError("Invalid domain right operand \(value)") }
        sql += "("
        if let support, !compare(0, number) {
            sql += "\(alias).id IN ("
            sql += support
            sql += ") AND "
        }
        sql += column
        sql += " \(op.rawValue) "
        sql.bind(.double(number), cast: "float8")
        sql += ")"
    }
}
