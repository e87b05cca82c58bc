/// Odoo's filter language as a tree. Parsed once at the edge from the prefix-notation list;
/// compiled to SQL with bound values by the record store.
public indirect enum Domain: Sendable, Hashable {
    /// Matches every record (`[]`, `(1, '=', 1)`).
    case all
    /// Matches no record (`(0, '=', 1)`).
    case none
    case leaf(path: [String], op: DomainOperator, value: Value)
    case and([Domain])
    case or([Domain])
    case not(Domain)

    public static func leaf(_ path: String, _ op: DomainOperator, _ value: Value) -> Domain {
        .leaf(path: path.split(separator: ".", omittingEmptySubsequences: false).map(String.init), op: op, value: value)
    }

    /// AND of the given domains, simplified.
    public static func allOf(_ parts: [Domain]) -> Domain {
        let kept = parts.filter { $0 != .all }
        if kept.contains(.none) { return .none }
        switch kept.count {
        case 0: return .all
        case 1: return kept[0]
        default: return .and(kept)
        }
    }

    /// OR of the given domains, simplified.
    public static func anyOf(_ parts: [Domain]) -> Domain {
        let kept = parts.filter { $0 != .none }
        if kept.contains(.all) { return .all }
        switch kept.count {
        case 0: return .none
        case 1: return kept[0]
        default: return .or(kept)
        }
    }

    /// Whether any leaf's first path element is `name` (Odoo skips the implicit active filter then).
    public func mentions(field name: String) -> Bool {
        switch self {
        case .all, .none: return false
        case .leaf(let path, _, _): return path.first == name
        case .and(let parts), .or(let parts): return parts.contains { $0.mentions(field: name) }
        case .not(let inner): return inner.mentions(field: name)
        }
    }
}

public enum DomainOperator: String, Sendable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="
    case equalIfSet = "=?"
    case like
    case notLike = "not like"
    case ilike
    case notIlike = "not ilike"
    case rawLike = "=like"
    case rawIlike = "=ilike"
    case `in`
    case notIn = "not in"
    case childOf = "child_of"
    case parentOf = "parent_of"
    case any
    case notAny = "not any"

    /// Operators whose x2many form means "no related record matches the positive one".
    public var positive: DomainOperator? {
        switch self {
        case .notEqual: return .equal
        case .notIn: return .in
        case .notLike: return .like
        case .notIlike: return .ilike
        case .notAny: return .any
        default: return nil
        }
    }
}
