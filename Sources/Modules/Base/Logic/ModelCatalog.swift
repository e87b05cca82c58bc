import ChainstoreCore
import ChainstoreDB

/// Keeps `ir.model` and `ir.model.fields` equal to the registry: run at start-up after the
/// migrations, in two set-based statements.
public enum ModelCatalog {
    public static func sync(_ tx: Transaction, registry: Registry) async throws {
        var models = JSONWriter(capacity: 4096)
        var fields = JSONWriter(capacity: 65_536)
        models.byte("[")
        fields.byte("[")
        for (m, model) in registry.models.values.sorted(by: { $0.name < $1.name }).enumerated() {
            if m > 0 { models.byte(",") }
            models.value(["model": .string(model.name), "name": .string(model.label)])
            for field in model.fields.values {
                if fields.bytes.count > 1 { fields.byte(",") }
                var relationField: Value = .null
                if case .one2many(_, let inverse) = field.kind { relationField = .string(inverse) }
                fields.value([
                    "model": .string(model.name), "name": .string(field.name), "field_description": .string(field.label),
                    "ttype": .string(field.kind.typeName), "relation": field.kind.comodel.map(Value.string) ?? .null,
                    "relation_field": relationField, "required": .bool(field.required), "readonly": .bool(field.readonly),
                    "store": .bool(field.name != "display_name"), "index": .bool(field.index),
                ])
            }
        }
        models.byte("]")
        fields.byte("]")
        var sql = SQLBuilder("""
            WITH given AS (SELECT * FROM jsonb_to_recordset(
            """)
        sql.bind(.text(models.text), cast: "jsonb")
        sql += """
            ) AS x(model text, name text)),
            gone AS (DELETE FROM ir_model WHERE model NOT IN (SELECT model FROM given))
            INSERT INTO ir_model (model, name, create_date, write_date) SELECT model, name, now(), now() FROM given
            ON CONFLICT (model) DO UPDATE SET name = excluded.name
            """
        try await tx.query(sql)
        var fieldSQL = SQLBuilder("WITH given AS (SELECT * FROM jsonb_to_recordset(")
        fieldSQL.bind(.text(fields.text), cast: "jsonb")
        fieldSQL += """
            ) AS x(model text, name text, field_description text, ttype text, relation text, relation_field text,
                   required boolean, readonly boolean, store boolean, index boolean)),
            gone AS (DELETE FROM ir_model_fields f WHERE NOT EXISTS (SELECT 1 FROM given g WHERE g.model = f.model AND g.name = f.name))
            INSERT INTO ir_model_fields (model, name, model_id, field_description, ttype, relation, relation_field, required, readonly, store, index, create_date, write_date)
            SELECT g.model, g.name, m.id, g.field_description, g.ttype, g.relation, g.relation_field, g.required, g.readonly, g.store, g.index, now(), now()
            FROM given g JOIN ir_model m ON m.model = g.model
            ON CONFLICT (model, name) DO UPDATE SET field_description = excluded.field_description, ttype = excluded.ttype,
              relation = excluded.relation, relation_field = excluded.relation_field, required = excluded.required,
              readonly = excluded.readonly, store = excluded.store, index = excluded.index
            """
        try await tx.query(fieldSQL)
    }
}
