import ChainstoreCore
import ChainstoreDB
import Foundation

/// Who may do what to a finance record beyond the company rules: the lender's finance officers
/// decide (approve, disburse, activate), the supervising DC's stock staff move pledged goods, and
/// nobody pledges goods that are someone else's or pledged already.
enum Parties {
    static let officer = "finance.group_finance_officer"

    struct Pledge: Sendable {
        let id: Int64, name: String, kind: String, state: String, location: Int64?, supervisorCompany: Int64?, pledgor: Int64
    }

    /// The pledge, locked and read under the caller's rules (`lockAndCheck` takes the row lock).
    static func pledge(_ store: RecordStore, _ id: Int64) async throws -> Pledge {
        try await store.lockAndCheck(try store.model("finance.pledge"), ids: [id], operation: .read)
        let sql: SQLBuilder = "SELECT name, kind, state, location_id, supervisor_company_id, pledgor_id FROM finance_pledge WHERE id = \(id)"
        let row = try await store.tx.one(sql)
        let (name, kind, state, location, supervisor, pledgor) = try row.decode((String, String, String, Int64?, Int64?, Int64).self)
        return Pledge(id: id, name: name, kind: kind, state: state, location: location, supervisorCompany: supervisor, pledgor: pledgor)
    }

    static func requireOfficer(_ store: RecordStore) throws {
        guard store.env.isSystem || store.env.hasGroup(officer) || store.env.hasGroup("base.group_system") else {
            throw ChainstoreError.accessError("Only the lender's finance officers may do this.")
        }
    }

    /// The caller works for the supervising DC (its company or one above it) in its warehouse.
    static func requireSupervisor(_ store: RecordStore, _ pledge: Pledge) throws {
        if store.env.isSystem { return }
        guard let supervisor = pledge.supervisorCompany else {
            throw ChainstoreError.userError("\(pledge.name) has no supervising DC.")
        }
        let reach = store.env.companyReach?.below.map { $0.contains(supervisor) } ?? store.env.allowedCompanyIds.contains(supervisor)
        guard reach || store.env.coversCompanyTree, ["stock.group_stock_user", "stock.group_stock_manager", "base.group_system"].contains(where: store.env.hasGroup) else {
            throw ChainstoreError.accessError("Only the supervising DC's warehouse staff move goods in and out of \(pledge.name).")
        }
    }

    /// Goods pledged are the pledgor's (or nobody's in particular) and in no pledge already.
    static func requireOwnGoods(_ tx: Transaction, _ pledge: Pledge, packages: [Int64], quants: [Int64]) async throws {
        let sql: SQLBuilder = """
            SELECT q.id, q.owner_id, p.name FROM stock_quant q JOIN stock_location l ON l.id = q.location_id
            LEFT JOIN finance_pledge p ON p.id = l.finance_pledge_id AND p.state NOT IN ('released', 'liquidated', 'cancelled')
            WHERE (q.package_id = ANY(\(packages)) OR q.id = ANY(\(quants))) AND q.quantity > 0
              AND ((q.owner_id IS NOT NULL AND q.owner_id <> \(pledge.pledgor)) OR p.id IS NOT NULL)
            ORDER BY q.id LIMIT 1
            """
        guard let row = try await tx.query(sql).first else { return }
        let (quant, _, other) = try row.decode((Int64, Int64?, String?).self)
        if let other {
            throw ChainstoreError.userError("These goods (balance \(quant)) are already pledged under \(other); one balance is pledged once.")
        }
        throw ChainstoreError.userError("These goods (balance \(quant)) belong to someone other than the pledgor.")
    }
}

/// State changes of finance records, from the states allowed to the next; a record in another
/// state is refused by name, never skipped.
enum Transition {
    static func move(
        _ tx: Transaction, _ table: String, _ ids: [Int64], from: [String], to: String?, set extra: SQLBuilder = "", when: SQLBuilder = "true",
        why: String? = nil
    ) async throws {
        guard !ids.isEmpty else { return }
        var sql: SQLBuilder = "UPDATE \(identifier: table) SET write_date = now()"
        if let to {
            let state: SQLBuilder = ", state = \(to)"
            sql += state
        }
        let filter: SQLBuilder = " WHERE id = ANY(\(ids)) AND state = ANY(\(from)) AND (\(when)) RETURNING id"
        sql += extra
        sql += filter
        let moved = Set(try await tx.query(sql).map { try $0.decode(Int64.self) })
        guard moved.count < ids.count else { return }
        let refused = ids.filter { !moved.contains($0) }
        let names: SQLBuilder = "SELECT name || ' (' || state || ')' FROM \(identifier: table) WHERE id = ANY(\(refused)) ORDER BY id"
        let list = try await tx.query(names).map { try $0.decode(String.self) }.joined(separator: ", ")
        let target = to.map { "become \($0)" } ?? "change"
        throw ChainstoreError.userError("\(list): cannot \(target) from \(from.joined(separator: " or "))" + (why.map { "; \($0)" } ?? "") + ".")
    }
}
