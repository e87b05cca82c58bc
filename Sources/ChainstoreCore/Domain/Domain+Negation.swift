extension DomainOperator {
    /// Odoo's `TERM_OPERATORS_NEGATION`: the operator a `!` turns this one into, when there is one.
    public var negation: DomainOperator? {
        switch self {
        case .equal: return .notEqual
        case .notEqual: return .equal
        case .less: return .greaterOrEqual
        case .greaterOrEqual: return .less
        case .greater: return .lessOrEqual
        case .lessOrEqual: return .greater
        case .in: return .notIn
        case .notIn: return .in
        case .like: return .notLike
        case .notLike: return .like
        case .ilike: return .notIlike
        case .notIlike: return .ilike
        case .any: return .notAny
        case .notAny: return .any
        default: return nil
        }
    }
}

extension Domain {
    /// Pushes every `!` down to the leaves as Odoo's `distribute_not` does: De Morgan on `&`/`|`,
    /// the negated operator on a leaf when one exists (so `!(a > 5)` is `a <= 5`, which, like in
    /// Odoo, does not match NULL), and a plain `NOT` left on the other leaves.
    public func distributingNot() -> Domain {
        switch self {
        case .all, .none, .leaf: return self
        case .and(let parts): return .and(parts.map { $0.distributingNot() })
        case .or(let parts): return .or(parts.map { $0.distributingNot() })
        case .not(let inner): return inner.negated()
        }
    }

    func negated() -> Domain {
        switch self {
        case .all: return .none
        case .none: return .all
        case .not(let inner): return inner.distributingNot()
        case .and(let parts): return .or(parts.map { $0.negated() })
        case .or(let parts): return .and(parts.map { $0.negated() })
        case .leaf(let path, let op, let value):
            if let negation = op.negation { return .leaf(path: path, op: negation, value: value) }
            return .not(self)
        }
    }
}
