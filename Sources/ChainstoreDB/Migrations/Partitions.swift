import Logging

/// Upkeep of time-partitioned tables: monthly partitions are created ahead by the cron role, so
/// rows never land in the default partition. A table is kept so when it is partitioned by range
/// and has a default partition named `<table>_default` (`audit_log`, the POS orders and lines).
public enum Partitions {
    public static func timePartitioned(_ tx: Transaction) async throws -> [String] {
        try await tx.query(SQLBuilder("""
            SELECT c.relname::text FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
            WHERE p.partstrat = 'r' AND EXISTS (
                SELECT 1 FROM pg_inherits i JOIN pg_class d ON d.oid = i.inhrelid WHERE i.inhparent = c.oid AND d.relname = c.relname || '_default')
            ORDER BY 1
            """)).map { try $0.decode(String.self) }
    }

    @discardableResult
    public static func ensure(_ database: Database, monthsAhead: Int = 3, logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { tx in
            var created = 0
            for table in try await timePartitioned(tx) {
                var sql = SQLBuilder("SELECT chainstore_ensure_monthly_partitions(")
                sql.bind(.text(table))
                sql += ", "
                sql.bind(.int(Int64(monthsAhead)), cast: "integer")
                sql += ")"
                created += Int(try await tx.query(sql).first?.decode(Int32.self) ?? 0)
            }
            if created > 0 { logger.info("partitions created", metadata: ["count": "\(created)"]) }
            return created
        }
    }
}
