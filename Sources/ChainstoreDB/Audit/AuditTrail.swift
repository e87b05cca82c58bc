import ChainstoreCore

/// Audit rows written by hot paths (POS ingest, stock moves, …) that change rows with their own
/// SQL: the same `audit_log` table and chain as the generic path, one statement per batch, inside
/// the caller's transaction.
public enum AuditTrail {
    public enum Operation: String, Sendable { case create, write, unlink }

    public struct Entry: Sendable {
        public let recordId: Int64
        public let companyId: Int64?
        public let operation: Operation
        public let oldValues: RecordValues?
        public let newValues: RecordValues?

        public init(recordId: Int64, companyId: Int64?, operation: Operation, oldValues: RecordValues? = nil, newValues: RecordValues? = nil) {
            self.recordId = recordId
            self.companyId = companyId
            self.operation = operation
            self.oldValues = oldValues
            self.newValues = newValues
        }
    }

    /// `set_config(…)` naming `uid` as the actor of the rest of the transaction, for the audit
    /// triggers of tables audited in the database: a select-list item, so it rides on a query
    /// the caller makes anyway (loading the user).
    public static func actorSQL(uid column: String) -> String { "set_config('chainstore.uid', \(column)::text, true)" }

    /// Names `uid` as the actor of the rest of the transaction (when no query loaded the user).
    public static func setActor(_ tx: Transaction, uid: Int64) async throws {
        try await tx.query("SELECT set_config('chainstore.uid', \(String(uid)), true)")
    }

    public static func record(_ tx: Transaction, env: Env, model: String, _ entries: [Entry]) async throws {
        guard !entries.isEmpty else { return }
        var json = JSONWriter(capacity: entries.count * 96)
        json.byte("[")
        for (i, entry) in entries.enumerated() {
            if i > 0 { json.byte(",") }
            json.raw("{\"record_id\":")
            json.append(.int(entry.recordId))
            json.raw(",\"company_id\":")
            json.append(entry.companyId.map(SQLBind.int) ?? .null)
            json.raw(",\"operation\":")
            json.string(entry.operation.rawValue)
            json.raw(",\"old_values\":")
            appendObject(entry.oldValues, to: &json)
            json.raw(",\"new_values\":")
            appendObject(entry.newValues, to: &json)
            json.byte("}")
        }
        json.byte("]")
        var sql = SQLBuilder("INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values) SELECT ")
        sql.bind(.int(env.uid), cast: "bigint")
        sql += ", "
        sql.bind(.text(model), cast: "text")
        sql += ", x.record_id, x.operation, x.company_id, x.old_values, x.new_values FROM jsonb_to_recordset("
        sql.bind(.text(json.text), cast: "jsonb")
        sql += ") AS x(record_id bigint, company_id bigint, operation text, old_values jsonb, new_values jsonb)"
        try await tx.query(sql)
    }

    static func appendObject(_ values: RecordValues?, to json: inout JSONWriter) {
        guard let values else { json.raw("null"); return }
        json.value(.dict(values))
    }
}
