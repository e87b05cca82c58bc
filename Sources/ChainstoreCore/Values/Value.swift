@_exported import OrderedCollections

/// A dynamically typed value as it crosses the generic path: the union of what XML-RPC and
/// JSON-RPC can carry. `false` is Odoo's "empty"; `null` only exists on the JSON wire and is
/// treated as empty on input.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([Value])
    case dict(OrderedDictionary<String, Value>)
    case bytes([UInt8])

    public static let `false` = Value.bool(false)
    public static let `true` = Value.bool(true)

    /// Odoo treats `false`, `null` and (for relational input) `0` as "no value".
    public var isEmpty: Bool {
        switch self {
        case .null, .bool(false): return true
        default: return false
        }
    }

    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int64(d)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [Value]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var dictValue: OrderedDictionary<String, Value>? {
        if case .dict(let d) = self { return d }
        return nil
    }

    /// A list of record ids, accepting a bare id as Odoo does for record methods.
    public var idList: [Int64]? {
        if let i = intValue { return [i] }
        guard case .array(let items) = self else { return nil }
        var ids: [Int64] = []
        ids.reserveCapacity(items.count)
        for item in items {
            guard let i = item.intValue else { return nil }
            ids.append(i)
        }
        return ids
    }

    public subscript(key: String) -> Value? {
        dictValue?[key]
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .dict(OrderedDictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension Value: CustomStringConvertible {
    /// A short, Python-like rendering used in error messages (never for SQL).
    public var description: String {
        switch self {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "'\(s)'"
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .dict(let d): return "{" + d.map { "'\($0.key)': \($0.value.description)" }.joined(separator: ", ") + "}"
        case .bytes(let b): return "<\(b.count) bytes>"
        }
    }
}

/// A record as returned by `read`: field name → value, in the order asked for.
public typealias RecordValues = OrderedDictionary<String, Value>
