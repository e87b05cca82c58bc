import Foundation
import ChainstoreCore
import PostgresNIO

/// One `groupby` item of `read_group`: a field, or a date field with a granularity.
struct GroupSpec {
    enum Granularity: String { case day, week, month, quarter, year }
    let key: String
    let field: FieldSpec
    let granularity: Granularity?

    init(parsing text: String, model: ModelSpec, isVisible: (FieldSpec) -> Bool) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, let field = model.fields[name], isVisible(field), field.isStored, name != "display_name" else {
            throw ChainstoreError.valueError("Invalid field '\(text)' on model '\(model.name)' for groupby")
        }
        var granularity: Granularity?
        switch field.kind {
        case .date, .datetime:
            let given = parts.count > 1 ? parts[1] : "month"
            guard let g = Granularity(rawValue: given) else { throw ChainstoreError.valueError("Invalid groupby granularity '\(given)'") }
            granularity = g
        default:
            if parts.count > 1 { throw ChainstoreError.valueError("Granularity is only valid on date fields: '\(text)'") }
        }
        // Odoo keys the group value (and its `__range`) by the groupby text exactly as given.
        self.key = text
        self.field = field
        self.granularity = granularity
    }

    private var column: String { "t.\(quoted(field.name))" }

    var groupExpression: String {
        guard let granularity else { return column }
        if case .datetime = field.kind { return "date_trunc('\(granularity.rawValue)', \(column) AT TIME ZONE 'UTC')" }
        return "date_trunc('\(granularity.rawValue)', \(column))"
    }

    var orderExpression: String { groupExpression }

    /// The group's value as selected: text for dates (the period start), typed otherwise.
    var valueExpression: String {
        switch field.kind {
        case _ where granularity != nil: return "to_char(\(groupExpression), 'YYYY-MM-DD')"
        case .integer, .many2one: return "\(column)::bigint"
        case .float, .decimal, .monetary: return "\(column)::float8"
        case .boolean: return column
        default: return "\(column)::text"
        }
    }

    func displayExpression(_ registry: Registry) -> String? {
        guard case .many2one(let comodel, _) = field.kind, let co = registry.models[comodel] else { return nil }
        return "(SELECT \(DomainCompiler.displayExpression(co, alias: "o"))::text FROM \(quoted(co.table)) o WHERE o.id = \(column))"
    }

    /// Decodes the group value and returns it with the domain selecting the group and its range.
    func decode(_ cells: PostgresRandomAccessRow, at index: inout Int) throws -> (Value, Domain, Value?) {
        defer { index += 1 }
        let name = field.name
        switch field.kind {
        case _ where granularity != nil:
            guard let start = try cells[index].decode(String?.self) else {
                return (.false, .leaf(path: [name], op: .equal, value: .false), nil)
            }
            let end = Self.advance(start, by: granularity!)
            let label = Self.label(start, granularity!)
            let condition = Domain.and([.leaf(path: [name], op: .greaterOrEqual, value: .string(start)), .leaf(path: [name], op: .less, value: .string(end))])
            return (.string(label), condition, ["from": .string(start), "to": .string(end)])
        case .many2one:
            guard let id = try cells[index].decode(Int64?.self) else {
                index += 1
                return (.false, .leaf(path: [name], op: .equal, value: .false), nil)
            }
            index += 1
            let display = try cells[index].decode(String?.self) ?? ""
            return (.array([.int(id), .string(display)]), .leaf(path: [name], op: .equal, value: .int(id)), nil)
        case .integer:
            let v = try cells[index].decode(Int64?.self).map(Value.int) ?? .false
            return (v, .leaf(path: [name], op: .equal, value: v), nil)
        case .float, .decimal, .monetary:
            let v = try cells[index].decode(Double?.self).map(Value.double) ?? .false
            return (v, .leaf(path: [name], op: .equal, value: v), nil)
        case .boolean:
            let v = Value.bool(try cells[index].decode(Bool?.self) ?? false)
            return (v, .leaf(path: [name], op: .equal, value: v), nil)
        default:
            let v = try cells[index].decode(String?.self).map(Value.string) ?? .false
            return (v, .leaf(path: [name], op: .equal, value: v), nil)
        }
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// Odoo's group labels: `"05 Feb 2024"`, `"W06 2024"`, `"February 2024"`, `"Q1 2024"`, `"2024"`.
    static func label(_ start: String, _ granularity: Granularity) -> String {
        let parts = start.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return start }
        let (y, m, d) = (parts[0], parts[1], parts[2])
        switch granularity {
        case .day: return String(format: "%02d %@ %04d", d, String(months[m - 1].prefix(3)), y)
        case .week: return "W\(String(format: "%02d", isoWeek(y, m, d))) \(y)"
        case .month: return "\(months[m - 1]) \(y)"
        case .quarter: return "Q\((m - 1) / 3 + 1) \(y)"
        case .year: return String(y)
        }
    }

    static func advance(_ start: String, by granularity: Granularity) -> String {
        let parts = start.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return start }
        var (y, m, d) = (parts[0], parts[1], parts[2])
        switch granularity {
        case .day, .week:
            var days = granularity == .day ? 1 : 7
            while days > 0 {
                d += 1
                if d > daysIn(y, m) { d = 1; m += 1; if m > 12 { m = 1; y += 1 } }
                days -= 1
            }
        case .month: m += 1
        case .quarter: m += 3
        case .year: y += 1
        }
        while m > 12 { m -= 12; y += 1 }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    static func daysIn(_ y: Int, _ m: Int) -> Int {
        [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    }

    static func isoWeek(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let dayOfYear = (1..<m).reduce(0) { $0 + daysIn(y, $1) } + d
        let weekday = dayOfWeek(y, m, d)  // 1 = Monday … 7 = Sunday
        let week = (dayOfYear - weekday + 10) / 7
        if week < 1 { return isoWeek(y - 1, 12, 31) }
        let weeksInYear = (dayOfWeek(y, 12, 31) == 4 || dayOfWeek(y, 1, 1) == 4) ? 53 : 52
        return week > weeksInYear ? 1 : week
    }

    static func dayOfWeek(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let yy = m < 3 ? y - 1 : y
        let w = (yy + yy / 4 - yy / 100 + yy / 400 + t[m - 1] + d) % 7  // 0 = Sunday
        return w == 0 ? 7 : w
    }
}

/// One aggregate of `read_group`: `f` (the field's default, sum for numbers), `f:agg`, `alias:agg(f)`.
struct Aggregate {
    let alias: String
    let expression: String
    let isInteger: Bool

    init?(parsing text: String, model: ModelSpec, groupedBy specs: [GroupSpec], isVisible: (FieldSpec) -> Bool) throws {
        var alias = text
        var name = text
        var function: String?
        if let colon = text.firstIndex(of: ":") {
            alias = String(text[..<colon])
            let rest = String(text[text.index(after: colon)...])
            if let open = rest.firstIndex(of: "("), rest.hasSuffix(")") {
                function = String(rest[..<open])
                name = String(rest[rest.index(after: open)..<rest.index(before: rest.endIndex)])
            } else {
                function = rest
                name = alias
            }
        }
        if name == "__count" || (name == "id" && function == "count") {
            self.alias = alias
            self.expression = "count(*)"
            self.isInteger = true
            return
        }
        let field = try model.field(name)
        guard isVisible(field) else { throw ChainstoreError.valueError("Invalid field '\(name)' on model '\(model.name)'") }
        if specs.contains(where: { $0.field.name == name }) && function == nil { return nil }
        let numeric: Bool
        switch field.kind {
        case .integer, .float, .decimal, .monetary: numeric = true
        default: numeric = false
        }
        let fn = function?.lowercased() ?? (numeric ? "sum" : "")
        guard !fn.isEmpty, field.isStored else { return nil }
        let column = "t.\(quoted(name))"
        switch fn {
        case "sum", "avg", "min", "max":
            guard numeric || fn == "min" || fn == "max" else {
                throw ChainstoreError.valueError("Cannot aggregate \(model.name).\(name) with \(fn)")
            }
            if case .integer = field.kind, fn != "avg" {
                expression = "\(fn)(\(column))::bigint"
                isInteger = true
            } else {
                expression = numeric ? "\(fn)(\(column))::float8" : "\(fn)(\(column))::text"
                isInteger = false
            }
        case "count": expression = "count(\(column))"; isInteger = true
        case "count_distinct": expression = "count(DISTINCT \(column))"; isInteger = true
        default: throw ChainstoreError.valueError("Invalid aggregate function '\(fn)'")
        }
        self.alias = alias
    }

    func decode(_ cell: PostgresCell) throws -> Value {
        if isInteger { return .int(try cell.decode(Int64?.self) ?? 0) }
        if expression.hasSuffix("::text") { return try cell.decode(String?.self).map(Value.string) ?? .false }
        return try cell.decode(Double?.self).map(Value.double) ?? .false
    }
}
