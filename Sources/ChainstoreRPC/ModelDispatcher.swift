import ChainstoreCore
import ChainstoreDB

/// Calls a model method the way Odoo's `execute_kw` does: the generic methods of every model,
/// then the business methods modules registered. Results use Odoo's shapes (`create(dict)` → id,
/// `create([dict])` → ids, `write` → true, …).
public struct ModelDispatcher: Sendable {
    public let methods: MethodTable

    public init(methods: MethodTable) { self.methods = methods }

    public func call(_ store: RecordStore, model: String, method: String, args: [Value], kwargs: RecordValues) async throws -> Value {
        if method.hasPrefix("_") || method == "init" {
            throw ChainstoreError.accessError("Private methods (such as \(method)) cannot be called remotely.")
        }
        let spec = try store.model(model)
        let a = Arguments(method: method, positional: args, keywords: kwargs)
        if let generic = try await callGeneric(store, spec, a) { return generic }
        if let custom = methods.method(model, method) {
            var rest = args
            var ids: [Int64] = []
            if custom.receiver == .records {
                ids = try a.ids(0, "ids")
                rest = Array(args.dropFirst())
            }
            return try await custom.handler(MethodCall(store: store, ids: ids, args: rest, kwargs: kwargs))
        }
        throw ChainstoreError(.attributeError, "The method '\(method)' does not exist on the model '\(model)'")
    }

    /// The generic methods; nil when `a.method` is not one of them.
    private func callGeneric(_ store: RecordStore, _ model: ModelSpec, _ a: Arguments) async throws -> Value? {
        let name = model.name
        switch a.method {
        case "search":
            try a.accept(["domain", "offset", "limit", "order"])
            let ids = try await store.search(name, domain: try a.domain(0, "domain"), offset: try a.int(1, "offset") ?? 0,
                                             limit: try a.int(2, "limit"), order: try a.string(3, "order"))
            return .array(ids.map(Value.int))
        case "search_count":
            try a.accept(["domain", "limit"])
            return .int(Int64(try await store.searchCount(name, domain: try a.domain(0, "domain"), limit: try a.int(1, "limit"))))
        case "read":
            try a.accept(["ids", "fields", "load"])
            let rows = try await store.read(name, ids: try a.ids(0, "ids"), fields: try a.strings(1, "fields"), load: load(a.value(2, "load")))
            return .array(rows.map(Value.dict))
        case "search_read":
            try a.accept(["domain", "fields", "offset", "limit", "order", "load"])
            let rows = try await store.searchRead(
                name, domain: try a.domain(0, "domain"), fields: try a.strings(1, "fields"), offset: try a.int(2, "offset") ?? 0,
                limit: try a.int(3, "limit"), order: try a.string(4, "order"), load: load(a.value(5, "load")))
            return .array(rows.map(Value.dict))
        case "create":
            try a.accept(["vals_list"])
            guard let given = a.value(0, "vals_list") else { throw ChainstoreError.typeError("create() missing required argument 'vals_list'") }
            switch given {
            case .dict(let vals): return .int(try await store.create(name, [vals])[0])
            case .array(let items):
                let list = try items.map { item -> RecordValues in
                    guard case .dict(let vals) = item else { throw ChainstoreError.valueError("create() expects dictionaries of values") }
                    return vals
                }
                return .array(try await store.create(name, list).map(Value.int))
            default: throw ChainstoreError.valueError("create() expects a dictionary or a list of dictionaries")
            }
        case "write":
            try a.accept(["ids", "vals"])
            guard case .dict(let vals)? = a.value(1, "vals") else { throw ChainstoreError.valueError("write() expects a dictionary of values") }
            try await store.write(name, ids: try a.ids(0, "ids"), vals)
            return .true
        case "unlink":
            try a.accept(["ids"])
            try await store.unlink(name, ids: try a.ids(0, "ids"))
            return .true
        case "fields_get":
            try a.accept(["allfields", "attributes"])
            return .dict(try await store.fieldsGet(name, names: try a.strings(0, "allfields"), attributes: try a.strings(1, "attributes")))
        case "default_get":
            try a.accept(["fields_list"])
            return .dict(try await store.defaultGet(name, fields: try a.strings(0, "fields_list") ?? []))
        case "name_search":
            try a.accept(["name", "args", "operator", "limit"])
            let op = try a.string(2, "operator") ?? "ilike"
            guard let parsed = DomainOperator(rawValue: op) else { throw ChainstoreError.valueError("Invalid operator '\(op)'") }
            let limit = a.value(3, "limit").map { $0.isEmpty ? nil : $0.intValue.map(Int.init) } ?? 100
            return .array(try await store.nameSearch(name, name: try a.string(0, "name") ?? "", args: try a.domain(1, "args"), op: parsed, limit: limit))
        case "name_get":
            try a.accept(["ids"])
            let rows = try await store.read(name, ids: try a.ids(0, "ids"), fields: ["display_name"])
            return .array(rows.map { .array([$0["id"] ?? .false, $0["display_name"] ?? .false]) })
        case "read_group":
            try a.accept(["domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"])
            let groups = try await store.readGroup(
                name, domain: try a.domain(0, "domain"), fields: try a.strings(1, "fields") ?? [], groupby: try a.strings(2, "groupby") ?? [],
                offset: try a.int(3, "offset") ?? 0, limit: try a.int(4, "limit"), orderby: try a.string(5, "orderby"),
                lazy: a.bool(6, "lazy", default: true))
            return .array(groups.map(Value.dict))
        case "check_access_rights":
            try a.accept(["operation", "raise_exception"])
            guard let operation = try a.string(0, "operation").flatMap(Operation.init(rawValue:)) else {
                throw ChainstoreError.valueError("Invalid access mode")
            }
            do {
                try await store.checkAccess(model, operation)
                return .true
            } catch let error as ChainstoreError where error.code == .accessError && !a.bool(1, "raise_exception", default: true) {
                return .false
            }
        case "exists":
            try a.accept(["ids"])
            let ids = try a.ids(0, "ids")
            let reader = RecordStore(registry: store.registry, tx: store.tx, env: store.env.withContext(["active_test": false]))
            let found = try await reader.search(name, domain: .leaf(path: ["id"], op: .in, value: .array(ids.map(Value.int))), order: "id")
            return .array(ids.filter(found.contains).map(Value.int))
        case "copy":
            try a.accept(["id", "default"])
            return .int(try await copy(store, model, id: try a.ids(0, "id").first, defaults: a.value(1, "default")?.dictValue ?? [:]))
        case "load":
            try a.accept(["fields", "data"])
            guard let fields = try a.strings(0, "fields"), case .array(let data)? = a.value(1, "data") else {
                throw ChainstoreError.typeError("load() takes a list of field names and a list of rows")
            }
            let rows = try data.map { row -> [Value] in
                guard case .array(let values) = row else { throw ChainstoreError.valueError("load(): each row is a list of values") }
                return values
            }
            return try await store.load(name, fields: fields, rows: rows).value
        case "context_get" where name == "res.users":
            try a.accept([])
            return ["lang": .string(store.env.lang), "tz": store.env.context["tz"] ?? "Asia/Shanghai", "uid": .int(store.env.uid)]
        default:
            return nil
        }
    }

    private func load(_ value: Value?) -> RecordStore.Load {
        guard let value, case .string(let text) = value else { return .classicRead }
        return text == "_classic_read" ? .classicRead : .classicWrite
    }

    /// Odoo's `copy`: stored values and many2many links, not one2many children; names marked "(copy)".
    private func copy(_ store: RecordStore, _ model: ModelSpec, id: Int64?, defaults: RecordValues) async throws -> Int64 {
        guard let id else { throw ChainstoreError.typeError("copy() missing required argument 'id'") }
        let copyable = model.fields.values.filter { field in
            !RecordStore.magicFields.contains(field.name)
                && !field.computedInDatabase && { if case .one2many = field.kind { return false } else { return true } }()
        }
        guard let row = try await store.read(model.name, ids: [id], fields: copyable.map(\.name), load: .classicWrite).first else {
            throw ChainstoreError.missing("Record does not exist or has been deleted.\n(Record: \(model.name)(\(id)), User: \(store.env.uid))")
        }
        var vals = RecordValues()
        for field in copyable {
            guard let value = row[field.name] else { continue }
            if case .many2many = field.kind { vals[field.name] = [[6, 0, value]] } else { vals[field.name] = value }
        }
        if case .string(let recName)? = vals[model.recName], defaults[model.recName] == nil {
            vals[model.recName] = .string("\(recName) (copy)")
        }
        for (key, value) in defaults { vals[key] = value }
        return try await store.create(model.name, [vals])[0]
    }
}
