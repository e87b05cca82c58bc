import ChainstoreCore

/// Odoo's calling convention: positional `args` and keyword `kwargs`, each parameter found by
/// position or by name. Unexpected keywords are a `TypeError`, as in Python.
struct Arguments {
    let method: String
    let positional: [Value]
    let keywords: RecordValues

    func value(_ index: Int, _ name: String) -> Value? {
        index < positional.count ? positional[index] : keywords[name]
    }

    /// Refuses keywords the method does not take, and more positional values than it takes.
    func accept(_ names: [String]) throws {
        if positional.count > names.count {
            throw ChainstoreError.typeError("\(method)() takes \(names.count) positional arguments but \(positional.count) were given")
        }
        for key in keywords.keys where key != "context" && !names.contains(key) {
            throw ChainstoreError.typeError("\(method)() got an unexpected keyword argument '\(key)'")
        }
    }

    func domain(_ index: Int, _ name: String) throws -> Domain {
        try Domain.parse(value(index, name) ?? .array([]))
    }

    func ids(_ index: Int, _ name: String) throws -> [Int64] {
        guard let value = value(index, name) else { throw ChainstoreError.typeError("\(method)() missing required argument '\(name)'") }
        if value.isEmpty { return [] }
        guard let ids = value.idList else { throw ChainstoreError.valueError("Invalid ids \(value) for \(method)()") }
        return ids
    }

    func int(_ index: Int, _ name: String) throws -> Int? {
        guard let value = value(index, name), !value.isEmpty else { return nil }
        guard let int = value.intValue, int >= 0, int <= Int64(Int32.max) else {
            throw ChainstoreError.valueError("Invalid \(name) \(value) for \(method)()")
        }
        return Int(int)
    }

    func string(_ index: Int, _ name: String) throws -> String? {
        guard let value = value(index, name), !value.isEmpty else { return nil }
        guard case .string(let text) = value else { throw ChainstoreError.valueError("Invalid \(name) \(value) for \(method)()") }
        return text
    }

    func strings(_ index: Int, _ name: String) throws -> [String]? {
        guard let value = value(index, name), !value.isEmpty else { return nil }
        if case .string(let single) = value { return [single] }
        guard case .array(let items) = value else { throw ChainstoreError.valueError("Invalid \(name) \(value) for \(method)()") }
        return try items.map { item in
            guard case .string(let text) = item else { throw ChainstoreError.valueError("Invalid \(name) \(value) for \(method)()") }
            return text
        }
    }

    func bool(_ index: Int, _ name: String, default fallback: Bool) -> Bool {
        guard let value = value(index, name) else { return fallback }
        if case .bool(let b) = value { return b }
        return !value.isEmpty
    }
}
