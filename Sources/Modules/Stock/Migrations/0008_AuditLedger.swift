import ChainstoreCore

extension Migration {
    /// Every change of a transfer, a move, a move line or a balance writes its audit rows in the
    /// same transaction, whoever makes it (the generic path, the ledger's own SQL, a scan, a
    /// count): statement-level triggers read the changed rows from transition tables, so a
    /// statement that changes a thousand rows writes its thousand audit rows in one more
    /// statement. The user is the transaction's signed-in user (`chainstore.uid`, set where the
    /// caller is loaded), else the row's last writer.
    static let auditLedger = Migration("0008_audit_ledger", sql: #"""
        CREATE FUNCTION chainstore_audit_rows() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            actor bigint := nullif(current_setting('chainstore.uid', true), '')::bigint;
            -- Noise, not business: who and when are the audit row's own columns.
            ignored text[] := ARRAY['write_uid', 'write_date', 'create_uid', 'create_date'];
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values)
                SELECT coalesce(actor, n.create_uid), TG_ARGV[0], n.id, 'create', n.company_id, NULL,
                       jsonb_strip_nulls(to_jsonb(n) - ignored)
                FROM new_rows n;
            ELSIF TG_OP = 'UPDATE' THEN
                INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values)
                SELECT coalesce(actor, n.write_uid), TG_ARGV[0], n.id, 'write', n.company_id, d.before, d.after
                FROM new_rows n JOIN old_rows o ON o.id = n.id
                CROSS JOIN LATERAL (
                    SELECT jsonb_object_agg(a.key, b.value) AS before, jsonb_object_agg(a.key, a.value) AS after
                    FROM jsonb_each(to_jsonb(n) - ignored) a JOIN jsonb_each(to_jsonb(o) - ignored) b ON b.key = a.key
                    WHERE a.value IS DISTINCT FROM b.value) d
                WHERE d.after IS NOT NULL;
            ELSE
                INSERT INTO audit_log (uid, model, record_id, operation, company_id, old_values, new_values)
                SELECT coalesce(actor, o.write_uid), TG_ARGV[0], o.id, 'unlink', o.company_id, jsonb_strip_nulls(to_jsonb(o) - ignored), NULL
                FROM old_rows o;
            END IF;
            RETURN NULL;
        END
        $fn$;

        CREATE TRIGGER stock_picking_audit_insert AFTER INSERT ON stock_picking REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.picking');
        CREATE TRIGGER stock_picking_audit_update AFTER UPDATE ON stock_picking REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.picking');
        CREATE TRIGGER stock_picking_audit_delete AFTER DELETE ON stock_picking REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.picking');
        CREATE TRIGGER stock_move_audit_insert AFTER INSERT ON stock_move REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.move');
        CREATE TRIGGER stock_move_audit_update AFTER UPDATE ON stock_move REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.move');
        CREATE TRIGGER stock_move_audit_delete AFTER DELETE ON stock_move REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.move');
        CREATE TRIGGER stock_move_line_audit_insert AFTER INSERT ON stock_move_line REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.move.line');
        CREATE TRIGGER stock_move_line_audit_update AFTER UPDATE ON stock_move_line REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.move.line');
        CREATE TRIGGER stock_move_line_audit_delete AFTER DELETE ON stock_move_line REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.move.line');
        CREATE TRIGGER stock_quant_audit_insert AFTER INSERT ON stock_quant REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.quant');
        CREATE TRIGGER stock_quant_audit_update AFTER UPDATE ON stock_quant REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.quant');
        CREATE TRIGGER stock_quant_audit_delete AFTER DELETE ON stock_quant REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_audit_rows('stock.quant');
        """#)
}
