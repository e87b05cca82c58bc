import Base
import ChainstoreCore
import ChainstoreDB
import Finance
import Foundation
import Logging
import Stock

/// Applies the migrations of every module.
public func migrate(_ database: Database, logger: Logger) async throws -> [String] {
    try await Migrator(manifests: Modules.registry().modules).migrate(database, logger: logger)
}

/// Account operations behind `chainstore user …`.
public enum Accounts {
    public static func create(
        _ database: Database, login: String, name: String, company: Int64, admin: Bool, password: String, logger: Logger
    ) async throws -> Int64 {
        let registry = try Modules.registry()
        return try await database.transaction(logger: logger) { tx in
            let env = try await EnvLoader.load(tx, uid: 2, logger: logger).asSystem(reason: "chainstore user create")
            let groups: [Value] = admin ? [1, 2] : [1]
            let uid = try await RecordStore(registry: registry, tx: tx, env: env).create("res.users", [[
                "name": .string(name), "login": .string(login), "company_id": .int(company),
                "company_ids": [[6, 0, [.int(company)]]], "groups_id": [[6, 0, .array(groups)]],
            ]])[0]
            try await Users.setPassword(tx, login: login, password: password)
            return uid
        }
    }

    public static func setPassword(_ database: Database, login: String, password: String, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in try await Users.setPassword(tx, login: login, password: password) }
    }

    public static func issueKey(_ database: Database, login: String, name: String, days: Int?, logger: Logger) async throws -> String {
        try await database.transaction(logger: logger) { tx in
            try await APIKeys.create(tx, uid: try await Users.uid(tx, login: login), name: name, days: days)
        }
    }

    public static func revokeKeys(_ database: Database, login: String, name: String?, logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { tx in
            try await APIKeys.revoke(tx, uid: try await Users.uid(tx, login: login), name: name)
        }
    }
}

public enum AuditTools {
    public static func verify(_ database: Database, logger: Logger) async throws -> AuditChain.Report {
        try await AuditChain.verify(database, logger: logger)
    }

    public static func sealAll(_ database: Database, logger: Logger) async throws -> Int {
        try await AuditChain.sealAll(database, logger: logger)
    }
}

/// `chainstore check stock`: the ledger proof, on one consistent snapshot (REPEATABLE READ),
/// so it can run beside a busy server.
public enum CheckTools {
    public struct StockReport: Sendable, CustomStringConvertible {
        public let balances: Int
        public let differences: [StockCheck.Difference]
        /// Balances below zero (sold at a till before being booked in): to count, not errors.
        public let shortfalls: [StockCheck.Shortfall]
        public let seconds: Double

        public var description: String {
            var lines = differences.map { "difference: \($0)" }
            lines += shortfalls.map { "below zero: \($0)" }
            lines.append("stock: \(balances) balances checked against their move lines, \(differences.count) differences, "
                + "\(shortfalls.count) below zero to count (\(String(format: "%.2f", seconds)) s)")
            return lines.joined(separator: "\n")
        }
    }

    public static func stock(_ database: Database, logger: Logger) async throws -> StockReport {
        let clock = ContinuousClock()
        let started = clock.now
        let (balances, differences, shortfalls) = try await database.transaction(logger: logger, isolation: .repeatableRead) { tx in
            let count = try await tx.query(SQLBuilder("SELECT count(*) FROM stock_quant")).first?.decode(Int.self) ?? 0
            return (count, try await StockCheck.run(tx), try await StockCheck.shortfalls(tx))
        }
        let elapsed = clock.now - started
        return StockReport(balances: balances, differences: differences, shortfalls: shortfalls,
                           seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    public struct FinanceReport: Sendable, CustomStringConvertible {
        public let breaches: [FinanceCheck.Breach]
        public let pledges: Int, loans: Int

        public var description: String {
            (breaches.map { "breach: \($0)" } + ["finance: \(pledges) pledges and \(loans) loans checked, \(breaches.count) breaches"]).joined(separator: "\n")
        }
    }

    /// `chainstore check finance`: the pledge register and the loans' books, on one snapshot.
    public static func finance(_ database: Database, logger: Logger) async throws -> FinanceReport {
        try await database.transaction(logger: logger, isolation: .repeatableRead) { tx in
            let pledges = try await tx.query(SQLBuilder("SELECT count(*) FROM finance_pledge"))[0].decode(Int.self)
            let loans = try await tx.query(SQLBuilder("SELECT count(*) FROM finance_loan"))[0].decode(Int.self)
            return FinanceReport(breaches: try await FinanceCheck.run(tx), pledges: pledges, loans: loans)
        }
    }
}

