import ChainstoreCore

extension RecordStore {
    /// Appends `aud AS (INSERT INTO audit_log …)` to a `WITH` list, reading the changed rows from
    /// the CTEs named `old` / `new` (either may be nil). Only audited fields are recorded; for a
    /// write only the fields whose value changed.
    /// For a create, `columns` (the columns the INSERT set) builds the new values directly, which
    /// is cheaper than converting the whole returned row.
    func auditInsert(
        _ model: ModelSpec, operation: String, old: String?, new: String?, columns: [String]? = nil, into sql: inout SQLBuilder
    ) throws {
        let excluded = model.fields.values.filter { !$0.audited || !$0.kind.hasColumn }.map(\.name)
        let source = new ?? old!
        let company = model.fields["company_id"] != nil ? "\(source).company_id" : "NULL::bigint"
        sql += "aud AS (INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values) SELECT "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", "
        sql.bind(.text(model.name), cast: "text")
        sql += ", \(source).id, '\(operation)', \(company), "
        switch (old, new) {
        case (nil, let new?):
            if let columns {
                let audited = columns.filter { !excluded.contains($0) }
                let chunks = stride(from: 0, to: audited.count, by: 50).map { Array(audited[$0..<min($0 + 50, audited.count)]) }
                let objects = chunks.map { chunk in
                    "jsonb_build_object(" + chunk.map { "'\($0)', \(new).\(quoted($0))" }.joined(separator: ", ") + ")"
                }
                sql += "NULL, " + (objects.isEmpty ? "'{}'::jsonb" : objects.joined(separator: " || ")) + " FROM \(new))"
            } else {
                sql += "NULL, to_jsonb(\(new)) - "
                sql.bind(.textArray(excluded), cast: "text[]")
                sql += " FROM \(new))"
            }
        case (let old?, nil):
            sql += "to_jsonb(\(old)) - "
            sql.bind(.textArray(excluded), cast: "text[]")
            sql += ", NULL FROM \(old))"
        case (let old?, let new?):
            sql += "d.before, d.after FROM \(new) JOIN \(old) ON \(old).id = \(new).id CROSS JOIN LATERAL ("
            sql += "SELECT jsonb_object_agg(a.key, b.value) AS before, jsonb_object_agg(a.key, a.value) AS after "
            sql += "FROM jsonb_each(to_jsonb(\(new)) - "
            sql.bind(.textArray(excluded), cast: "text[]")
            sql += ") a JOIN jsonb_each(to_jsonb(\(old))) b ON b.key = a.key WHERE a.value IS DISTINCT FROM b.value) d "
            sql += "WHERE d.after IS NOT NULL)"
        case (nil, nil):
            throw ChainstoreError(.internalError, "audit needs old or new rows")
        }
    }
}
