import Logging

/// Upkeep of time-partitioned tables: monthly partitions are created ahead by the cron role, so
/// rows never land in the default partition.
public enum Partitions {
    public static let timePartitioned = ["audit_log"]

    @discardableResult
    public static func ensure(_ database: Database, monthsAhead: Int = 3, logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { tx in
            var created = 0
            for table in timePartitioned {
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
