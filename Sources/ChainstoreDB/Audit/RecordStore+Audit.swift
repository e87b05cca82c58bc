import ChainstoreCore

extension RecordStore {
    /// Appends `aud AS (INSERT INTO audit_log …)` to a `WITH` list, reading the changed rows from
    /// the CTEs named `old` / `new` (either may be nil). Only audited fields are recorded; for a
    /// write only the fields whose value changed.
    func auditInsert(_ model: ModelSpec, operation: String, old: String?, new: String?, into sql: inout SQLBuilder) throws {
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
            sql += "NULL, to_jsonb(\(new)) - "
            sql.bind(.textArray(excluded), cast: "text[]")
            sql += " FROM \(new))"
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
