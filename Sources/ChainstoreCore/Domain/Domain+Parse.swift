extension Domain {
    /// Longest dotted path accepted in a leaf: enough for any real query, and a bound on the
    /// compiler's recursion.
    public static let maxPathLength = 16

    /// Parses Odoo's prefix-notation list (`['|', ('a', '=', 1), ('b', '!=', False)]`).
    /// Consecutive terms are AND-ed. Throws `ValueError` for anything malformed.
    public static func parse(_ value: Value) throws -> Domain {
        switch value {
        case .null, .bool(false): return .all
        case .array(let items):
            var parser = Parser(items: items)
            var terms: [Domain] = []
            while !parser.atEnd { terms.append(try parser.term()) }
            return .allOf(terms)
        default:
            throw ChainstoreError.valueError("Invalid domain: expected a list, got \(value)")
        }
    }

    private struct Parser {
        let items: [Value]
        var position = 0
        var depth = 0
        var atEnd: Bool { position >= items.count }

        init(items: [Value]) { self.items = items }

        mutating func term() throws -> Domain {
            guard position < items.count else {
                throw ChainstoreError.valueError("Invalid domain: an operator is missing an operand")
            }
            depth += 1
            defer { depth -= 1 }
            guard depth < 512 else { throw ChainstoreError.valueError("Invalid domain: nested too deeply") }
            let item = items[position]
            position += 1
            switch item {
            case .string("&"): return .and([try term(), try term()])
            case .string("|"): return .or([try term(), try term()])
            case .string("!"): return .not(try term())
            case .array(let leaf): return try Domain.leaf(from: leaf)
            default: throw ChainstoreError.valueError("Invalid domain term \(item)")
            }
        }
    }

    static func leaf(from items: [Value]) throws -> Domain {
        guard items.count == 3 else { throw ChainstoreError.valueError("Invalid leaf \(Value.array(items))") }
        switch (items[0], items[1], items[2]) {
        case (.int(1), .string("="), .int(1)): return .all
        case (.int(0), .string("="), .int(1)): return .none
        case (.string(let path), .string(let op), let value):
            guard let op = DomainOperator(rawValue: op.lowercased()) else {
                throw ChainstoreError.valueError("Invalid leaf \(Value.array(items)): unknown operator '\(op)'")
            }
            let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
                throw ChainstoreError.valueError("Invalid leaf \(Value.array(items)): empty field name")
            }
            guard parts.count <= maxPathLength else {
                throw ChainstoreError.valueError("Invalid leaf \(Value.array(items)): paths follow at most \(maxPathLength) fields")
            }
            return .leaf(path: parts, op: op, value: value)
        default:
            throw ChainstoreError.valueError("Invalid leaf \(Value.array(items))")
        }
    }
}
