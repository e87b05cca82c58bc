import ChainstoreCore
import ChainstoreDB
import Foundation

/// `GET /web/dashboard` (role `web`, the session cookie; `?lang=`): every dashboard card of the
/// modules whose model the user may read, each a `read_group` run as the user — so a store sees
/// its own figures, a city manager its city's, the group everything:
/// `{"cards": [{"id", "title", "chart", "measure", "labels": [...], "values": [...]}]}`.
enum DashboardAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.get, "/web/dashboard", role: .web, access: .anyone) { request in
            let caller = try await SecurityAPI.caller(request)
            return .json(try await caller.read(context: WebClientAPI.language(request)) { store in try await cards(store, now: Date()) })
        },
    ]

    static func cards(_ store: RecordStore, now: Date) async throws -> Value {
        var cards: [Value] = []
        for card in store.registry.modules.flatMap(\.dashboard) {
            guard let model = store.registry.models[card.model], try await WebClientAPI.readable(model, store) else { continue }
            var (labels, values) = try await figures(card, store: store, now: now)
            if case .city = card.rollUp { (labels, values) = try await rolledUp(labels, values, store: store) }
            if let limit = card.limit, card.chart != .line {
                let kept = zip(labels, values).sorted { $0.1 > $1.1 }.prefix(limit)
                (labels, values) = (kept.map(\.0), kept.map(\.1))
            }
            let terms = store.registry.terms
            let measureLabel = card.measure.flatMap { model.fields[String($0.split(separator: ":")[0])]?.label } ?? "Count"
            cards.append([
                "id": .string(card.id), "title": .string(terms.translate(card.title, lang: store.env.lang)), "chart": .string(card.chart.rawValue),
                "measure": .string(terms.translate(measureLabel, lang: store.env.lang)),
                "labels": .array(labels.map { .array([$0.key, .string($0.name)]) }), "values": .array(values.map(Value.double)),
            ])
        }
        return ["cards": .array(cards)]
    }

    /// A group's key (a record id, a date, a selection value) and its name as shown.
    struct Label: Sendable {
        let key: Value
        let name: String
    }

    static func figures(_ card: DashboardCard, store: RecordStore, now: Date) async throws -> ([Label], [Double]) {
        let model = try store.registry.model(card.model)
        let groups = try await store.readGroup(
            card.model, domain: card.domain(now), fields: card.measure.map { [$0] } ?? [], groupby: [card.groupby],
            orderby: card.chart == .line ? card.groupby : nil, lazy: true)
        let field = model.fields[String(card.groupby.split(separator: ":")[0])]
        let described = try await store.fieldsGet(card.model, names: field.map { [$0.name] } ?? [])
        let options = described.values.first?.dictValue?["selection"]?.arrayValue ?? []
        var labels: [Label] = [], values: [Double] = []
        for group in groups {
            let key = group[card.groupby] ?? .false
            let name: String
            switch key {
            case .array(let pair) where pair.count == 2: name = pair[1].stringValue ?? ""
            case .string(let text):
                name = options.compactMap(\.arrayValue).first { $0.first?.stringValue == text }?.last?.stringValue ?? text
            case .false, .null: name = store.registry.terms.translate("None", lang: store.env.lang)
            default: name = "\(key)"
            }
            let measured: Value? = if let measure = card.measure {
                group[String(measure.split(separator: ":")[0])]
            } else {
                group.first { $0.key.hasSuffix("_count") }?.value
            }
            labels.append(Label(key: key, name: name))
            values.append(measured?.doubleValue ?? 0)
        }
        return (labels, values)
    }

    /// Company groups summed per city subsidiary (the nearest company of kind `city` at or above
    /// each), named as the user may read them.
    static func rolledUp(_ labels: [Label], _ values: [Double], store: RecordStore) async throws -> ([Label], [Double]) {
        let ids = labels.compactMap { $0.key.arrayValue?.first?.intValue }
        guard !ids.isEmpty else { return (labels, values) }
        let sql: SQLBuilder = """
            SELECT c.id, coalesce((SELECT a.id FROM res_company a WHERE a.company_kind = 'city' AND c.parent_path LIKE a.parent_path || '%'
                                   ORDER BY length(a.parent_path) DESC LIMIT 1), c.id)
            FROM res_company c WHERE c.id = ANY(\(ids))
            """
        var city: [Int64: Int64] = [:]
        for row in try await store.tx.query(sql) {
            let (company, parent) = try row.decode((Int64, Int64).self)
            city[company] = parent
        }
        // A city the user may not read (a store's own) leaves its companies as they are.
        let cities = try await store.read("res.company", ids: Array(Set(city.values)), fields: ["display_name"])
        var named: [Int64: String] = [:]
        for row in cities { if let id = row["id"]?.intValue { named[id] = row["display_name"]?.stringValue ?? "" } }
        var sums: [Int64: Double] = [:]
        for (label, value) in zip(labels, values) {
            guard let id = label.key.arrayValue?.first?.intValue else { continue }
            let target = city[id].flatMap { named[$0] == nil ? nil : $0 } ?? id
            if named[target] == nil { named[target] = label.name }
            sums[target, default: 0] += value
        }
        let rows = sums.sorted { $0.value > $1.value }
        return (rows.map { Label(key: .array([.int($0.key), .string(named[$0.key] ?? "")]), name: named[$0.key] ?? "") },
                rows.map(\.value))
    }
}
