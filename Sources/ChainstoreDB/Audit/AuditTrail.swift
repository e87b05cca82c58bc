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
        try await record(tx, uid: env.uid, model: model, entries)
    }

    /// The same, as the user `uid` (events of sign-in, before or without an environment).
    public static func record(_ tx: Transaction, uid: Int64, model: String, _ entries: [Entry]) async throws {
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
        sql.bind(.int(uid), cast: "bigint")
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

/// The audit trigger of a table written by hand-made SQL as well as by the generic path (the
/// stock ledger's): three statement-level triggers whose function reads the changed rows from
/// transition tables and writes their audit rows in one statement — for an update only the
/// columns that changed, compared column by column (four times cheaper than comparing JSON
/// documents). The user is the transaction's (`AuditTrail.actorSQL`), else the row's writer.
///
/// Migrations are checksummed: this text must never change for a table already migrated; a
/// different shape is a new migration with a new function.
public enum AuditTriggers {
    /// The function and its three triggers; with `replacing`, only a new version of the function
    /// (the table gained columns). `createdWhen` (SQL over the new row `n`) leaves out rows whose
    /// creation is bookkeeping, not a change (an empty balance row made to be locked and filled:
    /// its filling is audited).
    ///
    /// `hashJoin` (every new table; the older ones were altered by their module's migration):
    /// the function runs without nested loops. PL/pgSQL keeps a generic plan of the join of old
    /// and new rows once a session has run it a few times on small statements; a nested loop
    /// chosen then made a later update of 100,000 rows compare every pair (minutes, spilled to disk).
    public static func create(
        table: String, model: String, columns: [String], createdWhen: String = "true", replacing: Bool = false, hashJoin: Bool = false
    ) -> String {
        precondition(columns.count <= 50 && columns.allSatisfy { Registry.isIdentifier($0, dots: false) }, "audited columns of \(table)")
        let function = "chainstore_audit_\(table)"
        func object(_ row: String) -> String {
            "jsonb_strip_nulls(jsonb_build_object(" + columns.map { "'\($0)', \(row).\($0)" }.joined(separator: ", ") + "))"
        }
        func changed(_ row: String) -> String {
            "(" + columns.map { "CASE WHEN n.\($0) IS DISTINCT FROM o.\($0) THEN jsonb_build_object('\($0)', \(row).\($0)) ELSE '{}' END" }
                .joined(separator: "\n             || ") + ")"
        }
        let tuple = { (row: String) in "(" + columns.map { "\(row).\($0)" }.joined(separator: ", ") + ")" }
        let insert = "INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values)"
        var sql = """
            CREATE \(replacing ? "OR REPLACE " : "")FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql\(hashJoin ? " SET enable_nestloop = off" : "") AS $fn$
            DECLARE
                actor bigint := nullif(current_setting('chainstore.uid', true), '')::bigint;
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    \(insert)
                    SELECT coalesce(actor, n.create_uid), '\(model)', n.id, 'create', n.company_id, NULL, \(object("n")) FROM new_rows n
                    WHERE \(createdWhen);
                ELSIF TG_OP = 'UPDATE' THEN
                    \(insert)
                    SELECT coalesce(actor, n.write_uid), '\(model)', n.id, 'write', n.company_id, \(changed("o")), \(changed("n"))
                    FROM new_rows n JOIN old_rows o ON o.id = n.id
                    WHERE \(tuple("n")) IS DISTINCT FROM \(tuple("o"));
                ELSE
                    \(insert)
                    SELECT coalesce(actor, o.write_uid), '\(model)', o.id, 'unlink', o.company_id, \(object("o")), NULL FROM old_rows o;
                END IF;
                RETURN NULL;
            END
            $fn$;

            """
        for (event, referencing) in [("INSERT", "NEW TABLE AS new_rows"), ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                     ("DELETE", "OLD TABLE AS old_rows")] where !replacing {
            sql += "CREATE TRIGGER \(table)_audit_\(event.lowercased()) AFTER \(event) ON \(table) REFERENCING \(referencing)\n"
            sql += "    FOR EACH STATEMENT EXECUTE FUNCTION \(function)();\n"
        }
        return sql
    }
}
