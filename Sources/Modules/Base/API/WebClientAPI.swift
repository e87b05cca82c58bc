import ChainstoreCore
import ChainstoreDB
import Foundation

/// What the back office (`/web`, role `web`) reads besides Odoo's RPC, with its session cookie, in
/// the user's language (`?lang=zh_CN`, else the user's own):
/// - `GET /web/webclient/load_menus` → `{"areas": [{"key", "label", "items": [{"model", "label"}]}]}`:
///   the modules' menus, holding only the models the user may read.
/// - `GET /web/webclient/views?model=M` → `{"model", "label", "order", "rec_name", "fields":
///   fields_get of the fields shown, "list", "form", "search", "kanban": [field names], "buttons":
///   [{"method", "label", "states", "primary"}]}`: the views the module declared, or views made
///   from the model's fields.
/// Everything else (records, counts, groups, buttons) goes through `/web/dataset/call_kw`, under
/// the same access rights and company rules as any RPC client.
enum WebClientAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.get, "/web/webclient/load_menus", role: .web, access: .anyone) { request in
            let caller = try await SecurityAPI.caller(request)
            return .json(try await caller.run(context: language(request)) { store in try await menus(store) })
        },
        Endpoint(.get, "/web/webclient/views", role: .web, access: .anyone) { request in
            let caller = try await SecurityAPI.caller(request)
            guard let name = request.query["model"], let model = caller.registry.models[name] else {
                throw ChainstoreError.valueError("views takes ?model= naming a model")
            }
            return .json(try await caller.run(context: language(request)) { store in try await views(model, store: store) })
        },
    ]

    static func language(_ request: EndpointRequest) -> RecordValues {
        request.query["lang"].map { ["lang": .string($0)] } ?? [:]
    }

    static func menus(_ store: RecordStore) async throws -> Value {
        let registry = store.registry
        let items = registry.modules.flatMap(\.menus)
        var areas: [Value] = []
        for area in MenuArea.allCases {
            var entries: [Value] = []
            for item in items where item.area == area {
                guard let model = registry.models[item.model], try await readable(model, store) else { continue }
                entries.append(["model": .string(item.model), "label": .string(registry.terms.translate(item.label, lang: store.env.lang))])
            }
            guard !entries.isEmpty else { continue }
            areas.append([
                "key": .string(area.rawValue), "label": .string(registry.terms.translate(area.label, lang: store.env.lang)),
                "items": .array(entries),
            ])
        }
        return ["areas": .array(areas)]
    }

    static func readable(_ model: ModelSpec, _ store: RecordStore) async throws -> Bool {
        do {
            try await store.checkAccess(model, .read)
            return true
        } catch let error as ChainstoreError where error.code == .accessError {
            return false
        }
    }

    static func views(_ model: ModelSpec, store: RecordStore) async throws -> Value {
        let declared = store.registry.modules.flatMap(\.views).filter { $0.model == model.name }
        func fields(_ kind: ViewSpec.Kind) -> [String] {
            declared.first { $0.kind == kind }?.fields ?? generated(model, kind)
        }
        let kinds: [ViewSpec.Kind] = [.list, .form, .search, .kanban]
        let shown = Array(Set(kinds.flatMap(fields)))
        // Only the fields the user may see (fields_get leaves out those of other groups).
        let described = try await store.fieldsGet(model.name, names: shown.isEmpty ? ["id"] : shown)
        var answer: RecordValues = [
            "model": .string(model.name), "label": .string(store.registry.terms.translate(model.label, lang: store.env.lang)),
            "order": .string(model.order), "rec_name": .string(model.recName), "fields": .dict(described),
            "buttons": .array(declared.flatMap(\.buttons).map { button in
                [
                    "method": .string(button.method), "label": .string(store.registry.terms.translate(button.label, lang: store.env.lang)),
                    "states": .array(button.states.map(Value.string)), "primary": .bool(button.primary),
                ]
            }),
        ]
        for kind in kinds { answer[kind.rawValue] = .array(fields(kind).filter { described[$0] != nil }.map(Value.string)) }
        return .dict(answer)
    }

    static let magic: Set<String> = ["id", "display_name", "create_uid", "create_date", "write_uid", "write_date", "parent_path"]

    /// A view made from the model's fields: the list shows the record's name and the next six
    /// simple fields; the form every field; the search the name and what `name_search` matches.
    static func generated(_ model: ModelSpec, _ kind: ViewSpec.Kind) -> [String] {
        let fields = model.fields.values.filter { !magic.contains($0.name) && $0.kind.typeName != "binary" }
        let simple = fields.filter { field in
            switch field.kind {
            case .char, .integer, .float, .decimal, .monetary, .date, .datetime, .selection, .many2one: field.name != "active"
            default: false
            }
        }
        let name = model.fields[model.recName].map { [$0.name] } ?? []
        switch kind {
        case .list, .kanban:
            return name + simple.map(\.name).filter { $0 != model.recName }.prefix(kind == .list ? 6 : 3)
        case .form:
            return name + fields.map(\.name).filter { $0 != model.recName }
        case .search:
            let codes = ["default_code", "barcode", "ref", "code", "email"].filter { model.fields[$0] != nil }
            var seen = Set<String>()
            return (name + model.nameSearchFields + codes).filter { model.fields[$0]?.kind.hasColumn == true && seen.insert($0).inserted }
        }
    }
}
