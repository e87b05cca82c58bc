import ChainstoreCore

extension RecordStore {
    /// Appends `aud AS (INSERT INTO audit_log …)` to a `WITH` list, reading the changed rows from
    /// the CTEs named `old` / `new` (either may be nil). Only audited fields are recorded — an
    /// allow-list, so a column without a field (a password hash) never reaches the trail — and
    /// for a write only the fields whose value changed. For a create, `columns` (those the INSERT
    /// set) is enough.
    func auditInsert(
        _ model: ModelSpec, operation: String, old: String?, new: String?, columns: [String]? = nil, into sql: inout SQLBuilder
    ) throws {
        // Its table's own triggers audit every change of such a model, ours included.
        guard !model.auditedInDatabase else { sql += "aud AS (SELECT 1)"; return }
        let audited = model.fields.values.filter { $0.audited && $0.isStored }.map(\.name)
        let source = new ?? old!
        let company = companySQL(model, alias: source)
        sql += "aud AS (INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values) SELECT "
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", "
        sql.bind(.text(model.name), cast: "text")
        sql += ", \(source).id, '\(operation)', \(company), "
        switch (old, new) {
        case (nil, let new?):
            let names = columns.map { given in audited.filter(given.contains) } ?? audited
            sql += "NULL, \(Self.auditObject(new, names)) FROM \(new))"
        case (let old?, nil):
            sql += "\(Self.auditObject(old, audited)), NULL FROM \(old))"
        case (let old?, let new?):
            sql += "d.before, d.after FROM \(new) JOIN \(old) ON \(old).id = \(new).id CROSS JOIN LATERAL ("
            sql += "SELECT jsonb_object_agg(a.key, b.value) AS before, jsonb_object_agg(a.key, a.value) AS after "
            sql += "FROM jsonb_each(\(Self.auditObject(new, audited))) a JOIN jsonb_each(\(Self.auditObject(old, audited))) b "
            sql += "ON b.key = a.key WHERE a.value IS DISTINCT FROM b.value) d WHERE d.after IS NOT NULL)"
        case (nil, nil):
            throw ChainstoreError(.internalError, "audit needs old or new rows")
        }
    }

    /// `jsonb_build_object('f', alias."f", …)` over registry field names, in chunks of 50 pairs
    /// (the function takes at most 100 arguments).
    static func auditObject(_ alias: String, _ names: [String]) -> String {
        guard !names.isEmpty else { return "'{}'::jsonb" }
        return stride(from: 0, to: names.count, by: 50).map { start in
            let chunk = names[start..<min(start + 50, names.count)]
            return "jsonb_build_object(" + chunk.map { "'\($0)', \(alias).\(quoted($0))" }.joined(separator: ", ") + ")"
        }.joined(separator: " || ")
    }

    /// The company of the row `alias` of `model` for the audit trail (through the parent for a
    /// delegated `company_id`), or NULL.
    func companySQL(_ model: ModelSpec, alias: String) -> String {
        guard let field = model.fields["company_id"] else { return "NULL::bigint" }
        if let via = field.delegate, let parent = model.fields[via]?.kind.comodel.flatMap({ registry.models[$0] }) {
            return "(SELECT p.company_id FROM \(quoted(parent.table)) p WHERE p.id = \(alias).\(quoted(via)))"
        }
        return "\(alias).company_id"
    }
}
