import ChainstoreCore
import ChainstoreDB
import Logging

/// Builds the environment of an authenticated user: groups, current company and the companies
/// visible in this call. `allowed_company_ids` narrows what the user has, never widens it.
public enum EnvLoader {
    public static func load(
        _ tx: Transaction, uid: Int64, context: RecordValues = [:], logger: Logger
    ) async throws -> Env {
        var sql = SQLBuilder("""
            SELECT u.login, u.company_id,
                   ARRAY(SELECT r.cid FROM res_company_users_rel r WHERE r.user_id = u.id ORDER BY r.cid),
                   ARRAY(SELECT g.xmlid FROM res_groups_users_rel gu JOIN res_groups g ON g.id = gu.gid WHERE gu.uid = u.id)
            FROM res_users u WHERE u.active AND u.id =
            """)
        sql.bind(.int(uid), cast: "bigint")
        guard let row = try await tx.query(sql).first else { throw ChainstoreError(.accessDenied, "Access Denied") }
        let (login, companyId, companyIds, groups) = try row.decode((String, Int64, [Int64], [String]).self)
        var roots = companyIds.isEmpty ? [companyId] : companyIds
        var current = companyId
        if let requested = context["allowed_company_ids"], !requested.isEmpty {
            guard let ids = requested.idList, !ids.isEmpty else {
                throw ChainstoreError.accessError("Access to unauthorized or invalid companies.")
            }
            var check = SQLBuilder("SELECT count(*) FROM res_company c WHERE c.id = ANY(")
            check.bind(.intArray(ids), cast: "bigint[]")
            check += ") AND EXISTS (SELECT 1 FROM res_company r WHERE r.id = ANY("
            check.bind(.intArray(roots), cast: "bigint[]")
            check += ") AND c.parent_path LIKE r.parent_path || '%')"
            let inside = try await tx.query(check).first?.decode(Int64.self) ?? 0
            guard inside == Set(ids).count else { throw ChainstoreError.accessError("Access to unauthorized or invalid companies.") }
            roots = ids
            current = ids[0]
        }
        var logger = logger
        logger[metadataKey: "uid"] = "\(uid)"
        return Env(
            uid: uid, login: login, groups: Set(groups), companyId: current, allowedCompanyIds: roots,
            context: context, logger: logger)
    }
}
