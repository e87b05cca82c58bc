import ChainstoreCore

extension Migration {
    /// The ledger's audit functions run without nested loops (see `AuditTriggers.create`'s
    /// `hashJoin`): a session that had run them on small statements kept a generic plan whose
    /// nested loop made a later large update compare every pair of old and new rows.
    static let auditWithoutNestedLoops = Migration("0012_audit_without_nested_loops", sql: """
        ALTER FUNCTION chainstore_audit_stock_picking() SET enable_nestloop = off;
        ALTER FUNCTION chainstore_audit_stock_move() SET enable_nestloop = off;
        ALTER FUNCTION chainstore_audit_stock_move_line() SET enable_nestloop = off;
        ALTER FUNCTION chainstore_audit_stock_quant() SET enable_nestloop = off;
        """)
}
