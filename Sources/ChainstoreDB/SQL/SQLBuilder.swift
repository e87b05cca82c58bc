import ChainstoreCore

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
}

/// Builds SQL text and its binds together, so a placeholder can never drift from its value.
/// Identifiers must come from the registry (`quoted(_:)`), never from callers.
public struct SQLBuilder: Sendable {
    public private(set) var text: String = ""
    public private(set) var binds: [SQLBind] = []

    public init() {}
    public init(_ text: String) { self.text = text }

    /// Appends trusted SQL text (keywords, registry identifiers).
    public mutating func append(_ sql: String) { text += sql }

    /// Appends a placeholder for `value` and returns nothing; the value is bound.
    public mutating func bind(_ value: SQLBind) {
        binds.append(value)
        text += "$\(binds.count)"
    }

    /// Appends a placeholder with an explicit cast (`$3::numeric`).
    public mutating func bind(_ value: SQLBind, cast: String) {
        bind(value)
        text += "::" + cast
    }

    /// Appends `unnest($1::bigint[], $2::numeric[], …) AS <alias>`: many rows bound as one array
    /// per column, for set-based inserts and updates.
    public mutating func appendUnnest(_ columns: [(SQLBind, String)], as alias: String) {
        text += "unnest("
        for (index, (value, cast)) in columns.enumerated() {
            if index > 0 { text += ", " }
            bind(value, cast: cast)
        }
        text += ") AS " + alias
    }

    public static func += (lhs: inout SQLBuilder, rhs: String) { lhs.append(rhs) }
}

/// Double-quotes an identifier that comes from the registry. Registry names are checked at boot
/// to be plain identifiers, so this only guards against reserved words.
public func quoted(_ identifier: String) -> String {
    "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
