import ChainstoreCore

/// A business method a module makes callable over RPC (`action_confirm`, `button_validate`):
/// the allow-list beside the generic methods. Record methods receive the ids of the first
/// positional argument, as in Odoo.
public struct ModelMethod: Sendable {
    public enum Receiver: Sendable { case records, model }

    public let model: String
    public let name: String
    public let receiver: Receiver
    public let handler: @Sendable (MethodCall) async throws -> Value

    public init(model: String, name: String, receiver: Receiver, handler: @escaping @Sendable (MethodCall) async throws -> Value) {
        self.model = model
        self.name = name
        self.receiver = receiver
        self.handler = handler
    }
}

/// One call of a business method: the store of the calling user, the record ids (record
/// methods), and the remaining arguments.
public struct MethodCall: Sendable {
    public let store: RecordStore
    public let ids: [Int64]
    public let args: [Value]
    public let kwargs: RecordValues

    public init(store: RecordStore, ids: [Int64], args: [Value], kwargs: RecordValues) {
        self.store = store
        self.ids = ids
        self.args = args
        self.kwargs = kwargs
    }

    /// An argument given by position or by keyword, as Odoo's methods take them: the
    /// `position`-th of `args` (after the record ids) when there are that many, else `kwargs[name]`.
    public func argument(_ position: Int, _ name: String) -> Value? {
        args.count > position ? args[position] : kwargs[name]
    }
}

/// Every registered business method, by model and name; validated against the registry.
public struct MethodTable: Sendable {
    private let methods: [String: ModelMethod]

    init(_ methods: [ModelMethod], models: [String: ModelSpec]) throws {
        var table: [String: ModelMethod] = [:]
        for method in methods {
            guard models[method.model] != nil else {
                throw ChainstoreError.validation("Method \(method.name) names unknown model \(method.model)")
            }
            guard !method.name.hasPrefix("_") else { throw ChainstoreError.validation("Method \(method.name) is private") }
            guard table.updateValue(method, forKey: "\(method.model)/\(method.name)") == nil else {
                throw ChainstoreError.validation("Method \(method.model).\(method.name) registered twice")
            }
        }
        self.methods = table
    }

    public func method(_ model: String, _ name: String) -> ModelMethod? { methods["\(model)/\(name)"] }
}

/// Runs after records of `model` are created, in the same transaction, as the same user, with
/// the new ids and the values given for them (a template makes its variants).
public struct AfterCreate: Sendable {
    public let model: String
    public let run: @Sendable (RecordStore, [Int64], [RecordValues]) async throws -> Void

    public init(model: String, run: @escaping @Sendable (RecordStore, [Int64], [RecordValues]) async throws -> Void) {
        self.model = model
        self.run = run
    }
}

/// Runs after a write on `model` that names one of `fields`, in the same transaction, with the
/// values written.
public struct AfterWrite: Sendable {
    public let model: String
    public let fields: Set<String>
    public let run: @Sendable (RecordStore, [Int64], RecordValues) async throws -> Void

    public init(model: String, fields: Set<String>, run: @escaping @Sendable (RecordStore, [Int64], RecordValues) async throws -> Void) {
        self.model = model
        self.fields = fields
        self.run = run
    }
}

/// A hook of the record store, declared in a module's manifest.
public enum RecordHook: Sendable {
    case created(AfterCreate)
    case written(AfterWrite)

    /// Runs after records of `model` are created (same transaction, same user).
    public static func afterCreate(
        _ model: String, _ run: @escaping @Sendable (RecordStore, [Int64], [RecordValues]) async throws -> Void
    ) -> RecordHook {
        .created(AfterCreate(model: model, run: run))
    }

    /// Runs after a write on `model` that names one of `fields`.
    public static func afterWrite(
        _ model: String, fields: Set<String>, _ run: @escaping @Sendable (RecordStore, [Int64], RecordValues) async throws -> Void
    ) -> RecordHook {
        .written(AfterWrite(model: model, fields: fields, run: run))
    }
}

extension MethodCall {
    /// The records a business method changes: the caller may write `model` and each record under
    /// its rules; locked in id order (an unknown id is a MissingError). Answers the ids, sorted.
    public func recordsToWrite(_ model: String) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        let spec = try store.model(model)
        try await store.checkAccess(spec, .write)
        try await store.lockAndCheck(spec, ids: ids, operation: .write)
        return ids.sorted()
    }
}
