import ChainstoreCore
import Foundation

/// One bound parameter. Values reach PostgreSQL only this way; SQL text holds `$n` placeholders.
public enum SQLBind: Sendable, Hashable {
    case int(Int64)
    case double(Double)
    case text(String)
    case bool(Bool)
    case intArray([Int64])
    case textArray([String])
    case bytes([UInt8])
    case null

    /// The PostgreSQL type the value is sent as (nil for NULL, which has no bytes to read).
    var wireType: String? {
        switch self {
        case .int: return "bigint"
        case .double: return "float8"
        case .text: return "text"
        case .bool: return "boolean"
        case .intArray: return "bigint[]"
        case .textArray: return "text[]"
        case .bytes: return "bytea"
        case .null: return nil
        }
    }

    /// Whether a cast to `type` would not change the value's own wire type.
    func travelsAs(_ type: String) -> Bool {
        guard let wire = wireType else { return false }
        let spelled = ["int8": "bigint", "double precision": "float8", "bool": "boolean", "int8[]": "bigint[]"][type.lowercased()] ?? type.lowercased()
        return spelled == wire
    }
}

/// SQL text and its binds, built together so a placeholder can never drift from its value.
///
/// Written as a string literal, every interpolated value is bound, never spliced:
/// ```swift
/// let sql: SQLBuilder = "SELECT id FROM stock_move WHERE id = ANY(\(ids)) AND state = \(state) AND product_qty > \(minimum)"
/// // → "… id = ANY($1::bigint[]) AND state = $2::text AND product_qty > $3::numeric", three binds
/// ```
/// Int, Int64, String, Bool, Double, Decimal, their optionals (NULL) and arrays, and string-backed
/// enums (states) are bindable; a fragment (`\(otherBuilder)`) keeps its own binds, renumbered.
/// Identifiers come only from the registry (`\(table: model)`, `\(column: field)`); trusted text
/// built by code is spliced only through `\(unsafeRaw: …)`, named so a reviewer sees it.
public struct SQLBuilder: Sendable, ExpressibleByStringInterpolation {
    /// Text between placeholders: `segments[i]` comes before `$(i+1)`; one more than `binds`.
    private var segments: [String] = [""]
    public private(set) var binds: [SQLBind] = []

    public init() {}

    /// Trusted SQL text with no values (keywords, registry identifiers).
    public init(_ text: String) { segments = [text] }

    public init(stringLiteral value: String) { segments = [value] }

    public init(stringInterpolation: StringInterpolation) { self = stringInterpolation.sql }

    /// The SQL text with `$1`, `$2`, … placeholders.
    public var text: String {
        var text = segments[0]
        for index in binds.indices {
            text += "$\(index + 1)"
            text += segments[index + 1]
        }
        return text
    }

    /// Appends trusted SQL text (keywords, registry identifiers).
    public mutating func append(_ sql: String) { segments[segments.count - 1] += sql }

    /// Appends another builder: its text, and its binds renumbered after ours.
    public mutating func append(_ fragment: SQLBuilder) {
        segments[segments.count - 1] += fragment.segments[0]
        segments += fragment.segments.dropFirst()
        binds += fragment.binds
    }

    /// Appends a placeholder for `value`, typed as the value travels (`$2::bigint`): the type a
    /// statement prepared once and executed again expects is then the one every execution sends.
    public mutating func bind(_ value: SQLBind) {
        binds.append(value)
        segments.append(value.wireType.map { "::" + $0 } ?? "")
    }

    /// Appends a placeholder with an explicit cast (`$3::numeric`, sent as text: `$3::text::numeric`).
    public mutating func bind(_ value: SQLBind, cast: String) {
        bind(value)
        if !value.travelsAs(cast) { append("::" + cast) }
    }

    /// Appends `= $n::bigint` for one id and `= ANY($n::bigint[])` for several: PostgreSQL plans a
    /// prepared statement comparing with one value once (a generic plan), but one over an array
    /// again at every execution, because it cannot tell the array's length.
    public mutating func appendEquals(ids: [Int64]) {
        if ids.count == 1 {
            append(" = ")
            bind(.int(ids[0]), cast: "bigint")
        } else {
            append(" = ANY(")
            bind(.intArray(ids), cast: "bigint[]")
            append(")")
        }
    }

    /// Appends `unnest($1::bigint[], $2::numeric[], …) AS <alias>`: many rows bound as one array
    /// per column, for set-based inserts and updates.
    /// `unnest($1::t1, $2::t2, …) AS alias`; `WITH ORDINALITY` numbers the rows (the alias then
    /// names one more column, the row's number).
    public mutating func appendUnnest(_ columns: [(SQLBind, String)], as alias: String, ordinality: Bool = false) {
        append("unnest(")
        for (index, (value, cast)) in columns.enumerated() {
            if index > 0 { append(", ") }
            bind(value, cast: cast)
        }
        append(ordinality ? ") WITH ORDINALITY AS " + alias : ") AS " + alias)
    }

    public static func += (lhs: inout SQLBuilder, rhs: String) { lhs.append(rhs) }
    public static func += (lhs: inout SQLBuilder, rhs: SQLBuilder) { lhs.append(rhs) }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = SQLBuilder()

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) { sql.append(literal) }

        public mutating func appendInterpolation(_ value: Int64) { sql.bind(.int(value), cast: "bigint") }
        public mutating func appendInterpolation(_ value: Int) { sql.bind(.int(Int64(value)), cast: "bigint") }
        public mutating func appendInterpolation(_ value: String) { sql.bind(.text(value), cast: "text") }
        public mutating func appendInterpolation(_ value: Bool) { sql.bind(.bool(value), cast: "boolean") }
        public mutating func appendInterpolation(_ value: Double) { sql.bind(.double(value), cast: "float8") }
        /// Bound as its exact decimal text and cast: no binary rounding on the way.
        public mutating func appendInterpolation(_ value: Decimal) { sql.bind(.text("\(value)"), cast: "numeric") }
        public mutating func appendInterpolation(_ values: [Int64]) { sql.bind(.intArray(values), cast: "bigint[]") }
        public mutating func appendInterpolation(_ values: [String]) { sql.bind(.textArray(values), cast: "text[]") }
        public mutating func appendInterpolation(_ values: [Decimal]) { sql.bind(.textArray(values.map { "\($0)" }), cast: "numeric[]") }
        public mutating func appendInterpolation(_ values: [Bool]) { sql.bind(.textArray(values.map { $0 ? "t" : "f" }), cast: "boolean[]") }
        public mutating func appendInterpolation(_ value: Int64?) { sql.bind(value.map(SQLBind.int) ?? .null, cast: "bigint") }
        public mutating func appendInterpolation(_ value: String?) { sql.bind(value.map(SQLBind.text) ?? .null, cast: "text") }
        public mutating func appendInterpolation(_ value: Decimal?) { sql.bind(value.map { .text("\($0)") } ?? .null, cast: "numeric") }
        /// A state or other string-backed value: bound as its raw value.
        public mutating func appendInterpolation<State: RawRepresentable>(_ value: State) where State.RawValue == String {
            sql.bind(.text(value.rawValue), cast: "text")
        }
        public mutating func appendInterpolation<State: RawRepresentable>(_ values: [State]) where State.RawValue == String {
            sql.bind(.textArray(values.map(\.rawValue)), cast: "text[]")
        }
        /// A value bound as given, with a cast when the placeholder needs one.
        public mutating func appendInterpolation(_ value: SQLBind, cast: String) { sql.bind(value, cast: cast) }
        /// A fragment built elsewhere; its binds follow ours.
        public mutating func appendInterpolation(_ fragment: SQLBuilder) { sql.append(fragment) }
        /// A model's table, from the registry.
        public mutating func appendInterpolation(table model: ModelSpec) { sql.append(quoted(model.table)) }
        /// A stored field's column, from the registry, optionally qualified by a table alias.
        public mutating func appendInterpolation(column field: FieldSpec, of alias: String? = nil) {
            sql.append((alias.map { $0 + "." } ?? "") + quoted(field.name))
        }
        /// An identifier taken from the registry (a relation table, a column name), quoted.
        public mutating func appendInterpolation(identifier name: String) { sql.append(quoted(name)) }
        /// Text the code itself composed (an alias, a fixed filter): never a value from outside.
        public mutating func appendInterpolation(unsafeRaw text: String) { sql.append(text) }
    }
}

/// Double-quotes an identifier that comes from the registry. Registry names are checked at boot
/// to be plain identifiers, so this only guards against reserved words.
public func quoted(_ identifier: String) -> String {
    // Foundation's replacing is slow for what is nearly always a plain name: skip it then.
    guard identifier.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + identifier + "\"" }
    return "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
