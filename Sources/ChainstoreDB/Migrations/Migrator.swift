import ChainstoreCore
import Crypto
import Foundation
import Logging

/// Applies each module's migrations once, in order, each in its own transaction, under a
/// PostgreSQL advisory lock: two nodes starting together never apply a step twice. A ledger
/// (`chainstore_migration`) records what ran, with a checksum that catches an edited step.
public struct Migrator: Sendable {
    public let manifests: [ModuleManifest]
    static let lockKey: Int64 = 0x4348_4149_4E53_544F  // "CHAINSTO"

    public init(manifests: [ModuleManifest]) {
        self.manifests = [CoreSchema.manifest] + manifests
    }

    /// Every step in apply order, as (module, migration).
    public var steps: [(module: String, migration: Migration)] {
        manifests.flatMap { manifest in manifest.migrations.map { (manifest.name, $0) } }
    }

    /// Applies what is missing and returns the names applied.
    @discardableResult
    public func migrate(_ database: Database, logger: Logger) async throws -> [String] {
        try await database.withoutTransaction(logger: logger) { tx in
            try await tx.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
            do {
                let applied = try await migrateLocked(tx, logger: logger)
                try await tx.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
                // Statements parsed before may no longer describe the tables: parse them again.
                if !applied.isEmpty { database.statements?.invalidate() }
                return applied
            } catch {
                try? await tx.execute("ROLLBACK")
                try? await tx.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
                throw error
            }
        }
    }

    private func migrateLocked(_ tx: Transaction, logger: Logger) async throws -> [String] {
        try await tx.execute("""
            CREATE TABLE IF NOT EXISTS chainstore_migration (
                module text NOT NULL, name text NOT NULL, checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (module, name))
            """)
        let done = try await ledger(tx)
        var applied: [String] = []
        for (module, migration) in steps {
            let checksum = Self.checksum(migration.sql)
            if let recorded = done["\(module)/\(migration.name)"] {
                if recorded != checksum {
                    logger.warning("applied migration differs from the source", metadata: ["migration": "\(module)/\(migration.name)"])
                }
                continue
            }
            try await tx.execute("BEGIN")
            for statement in SQLScript.statements(migration.sql) { try await tx.execute(statement) }
            var record = SQLBuilder("INSERT INTO chainstore_migration (module, name, checksum) VALUES (")
            record.bind(.text(module))
            record += ", "
            record.bind(.text(migration.name))
            record += ", "
            record.bind(.text(checksum))
            record += ")"
            try await tx.query(record)
            try await tx.execute("COMMIT")
            logger.info("migration applied", metadata: ["migration": "\(module)/\(migration.name)"])
            applied.append("\(module)/\(migration.name)")
        }
        for manifest in manifests {
            guard let load = manifest.referenceData else { continue }
            try await tx.execute("BEGIN")
            try await load(tx, logger)
            try await tx.execute("COMMIT")
        }
        return applied
    }

    /// Steps not yet applied (empty when the schema is current). Used by `/health/ready`.
    public func pending(_ database: Database, logger: Logger) async throws -> [String] {
        try await database.withoutTransaction(logger: logger) { tx in
            let exists = try await tx.query(SQLBuilder("SELECT to_regclass('chainstore_migration') IS NOT NULL")).first?.decode(Bool.self) ?? false
            let done = exists ? try await ledger(tx) : [:]
            return steps.map { "\($0.module)/\($0.migration.name)" }.filter { done[$0] == nil }
        }
    }

    private func ledger(_ tx: Transaction) async throws -> [String: String] {
        var done: [String: String] = [:]
        for row in try await tx.query(SQLBuilder("SELECT module || '/' || name, checksum FROM chainstore_migration")) {
            let (key, checksum) = try row.decode((String, String).self)
            done[key] = checksum
        }
        return done
    }

    static func checksum(_ sql: String) -> String {
        SHA256.hash(data: Array(sql.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
