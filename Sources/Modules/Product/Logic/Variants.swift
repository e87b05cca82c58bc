import ChainstoreCore
import ChainstoreDB

/// Keeps each template's variants equal to the combinations of its attribute values (Odoo's
/// `_create_variant_ids`): missing combinations are created, vanished ones archived. A
/// template without attributes has one variant, which carries the template's codes.
enum Variants {
    static let hooks: [RecordHook] = [
        .afterCreate("product.template") { store, ids, vals in
            try await sync(store, templates: ids, codes: vals)
        },
        .afterWrite("product.template", fields: ["attribute_line_ids", "barcode", "default_code"]) { store, ids, vals in
            try await sync(store, templates: ids, codes: Array(repeating: vals, count: ids.count))
        },
        .afterCreate("product.template.attribute.line") { store, ids, _ in
            try await sync(store, templates: try await templates(of: ids, store), codes: [])
        },
        .afterWrite("product.template.attribute.line", fields: ["value_ids"]) { store, ids, _ in
            try await sync(store, templates: try await templates(of: ids, store), codes: [])
        },
    ]

    static func templates(of lines: [Int64], _ store: RecordStore) async throws -> [Int64] {
        var sql = SQLBuilder("SELECT DISTINCT product_tmpl_id FROM product_template_attribute_line WHERE id = ANY(")
        sql.bind(.intArray(lines), cast: "bigint[]")
        sql += ")"
        return try await store.tx.query(sql).map { try $0.decode(Int64.self) }
    }

    /// `codes[i]` holds the values given for `templates[i]` (its `barcode` and `default_code` go
    /// to its variant when it has exactly one).
    static func sync(_ store: RecordStore, templates: [Int64], codes: [RecordValues]) async throws {
        guard !templates.isEmpty, store.env.context["create_product_product"]?.boolValue != true else { return }
        let lines = try await attributeLines(store, templates)
        // Every (line, value) pair gets its template attribute value.
        var known: [String: Int64] = [:]
        var sql = SQLBuilder("SELECT id, attribute_line_id, product_attribute_value_id FROM product_template_attribute_value WHERE product_tmpl_id = ANY(")
        sql.bind(.intArray(templates), cast: "bigint[]")
        sql += ")"
        for row in try await store.tx.query(sql) {
            let (id, line, value) = try row.decode((Int64, Int64, Int64).self)
            known["\(line)/\(value)"] = id
        }
        var missing: [RecordValues] = []
        for line in lines.values.joined() {
            for value in line.values where known["\(line.id)/\(value)"] == nil {
                missing.append([
                    "attribute_line_id": .int(line.id), "product_attribute_value_id": .int(value),
                    "product_tmpl_id": .int(line.template), "attribute_id": .int(line.attribute),
                ])
            }
        }
        let created = try await store.create("product.template.attribute.value", missing)
        for (vals, id) in zip(missing, created) {
            known["\(vals["attribute_line_id"]!.intValue!)/\(vals["product_attribute_value_id"]!.intValue!)"] = id
        }
        // Existing variants by combination.
        var existing: [Int64: [String: (id: Int64, active: Bool)]] = [:]
        sql = SQLBuilder("SELECT id, product_tmpl_id, combination_indices, active FROM product_product WHERE product_tmpl_id = ANY(")
        sql.bind(.intArray(templates), cast: "bigint[]")
        sql += ")"
        for row in try await store.tx.query(sql) {
            let (id, template, combination, active) = try row.decode((Int64, Int64, String, Bool).self)
            existing[template, default: [:]][combination] = (id, active)
        }
        var create: [RecordValues] = []
        var archive: [Int64] = []
        var restore: [Int64] = []
        var codeWrites: [(Int64, RecordValues)] = []
        for (index, template) in templates.enumerated() {
            var combinations: [[Int64]] = [[]]
            for line in lines[template] ?? [] where line.createsVariants && !line.values.isEmpty {
                let values = line.values.compactMap { known["\(line.id)/\($0)"] }
                combinations = combinations.flatMap { prefix in values.map { prefix + [$0] } }
            }
            let wanted = Dictionary(uniqueKeysWithValues: combinations.map { (key(of: $0), $0) })
            let have = existing[template] ?? [:]
            var given = RecordValues()
            if index < codes.count {
                for name in ["barcode", "default_code"] { if let value = codes[index][name] { given[name] = value } }
            }
            for (combination, values) in wanted.sorted(by: { $0.key < $1.key }) {
                if let variant = have[combination] {
                    if !variant.active { restore.append(variant.id) }
                    if wanted.count == 1, !given.isEmpty { codeWrites.append((variant.id, given)) }
                } else {
                    var vals: RecordValues = ["product_tmpl_id": .int(template), "combination_indices": .string(combination)]
                    if !values.isEmpty { vals["product_template_attribute_value_ids"] = [[6, 0, .array(values.map(Value.int))]] }
                    if wanted.count == 1 { for (name, value) in given { vals[name] = value } }
                    create.append(vals)
                }
            }
            archive += have.filter { wanted[$0.key] == nil && $0.value.active }.map(\.value.id)
        }
        if !archive.isEmpty { try await store.write("product.product", ids: archive, ["active": false]) }
        if !restore.isEmpty { try await store.write("product.product", ids: restore, ["active": true]) }
        _ = try await store.create("product.product", create)
        for (variant, vals) in codeWrites { try await store.write("product.product", ids: [variant], vals) }
    }

    static func key(of values: [Int64]) -> String { values.sorted().map(String.init).joined(separator: ",") }

    struct Line {
        let id: Int64
        let template: Int64
        let attribute: Int64
        let createsVariants: Bool
        var values: [Int64]
    }

    static func attributeLines(_ store: RecordStore, _ templates: [Int64]) async throws -> [Int64: [Line]] {
        var sql = SQLBuilder("""
            SELECT l.id, l.product_tmpl_id, l.attribute_id, a.create_variant = 'always', \
            ARRAY(SELECT r.product_attribute_value_id FROM product_attribute_value_product_template_attribute_line_rel r \
            JOIN product_attribute_value v ON v.id = r.product_attribute_value_id \
            WHERE r.product_template_attribute_line_id = l.id ORDER BY v.sequence, v.id) \
            FROM product_template_attribute_line l JOIN product_attribute a ON a.id = l.attribute_id \
            WHERE l.product_tmpl_id = ANY(
            """)
        sql.bind(.intArray(templates), cast: "bigint[]")
        sql += ") ORDER BY l.product_tmpl_id, l.sequence, l.id"
        var lines: [Int64: [Line]] = [:]
        for row in try await store.tx.query(sql) {
            let (id, template, attribute, creates, values) = try row.decode((Int64, Int64, Int64, Bool, [Int64]).self)
            lines[template, default: []].append(Line(id: id, template: template, attribute: attribute, createsVariants: creates, values: values))
        }
        return lines
    }
}
