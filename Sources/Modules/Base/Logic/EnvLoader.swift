import ChainstoreCore
import ChainstoreDB
import Logging

/// What a call needs to know about its user, read in one query: credentials to check and the
/// groups and companies the environment is built from.
public struct UserRow: Sendable {
    public let uid: Int64
    public let login: String
    public let passwordHash: String?
    /// The password is one the world knows (the demo's): usable only from this machine.
    public let passwordPublished: Bool
    public let companyId: Int64
    public let companyIds: [Int64]
    public let groups: [String]
    /// The roots of the company tree (companies without a parent; usually the group alone).
    public let treeRoots: [Int64]
    /// The companies under and above the user's (nil when the user's companies cover the tree).
    public let reach: CompanyReach?
    /// The commercial entity of the user's partner (`res.partner.commercial_partner_id`).
    public let commercialPartnerId: Int64?
    /// The user signs in with a second factor (TOTP): a password alone is good only as the web
    /// sign-in's first step; calls need an API key.
    public var totpEnabled = false

    /// The companies whose subtrees the user sees.
    public var roots: [Int64] { Self.roots(companyId: companyId, companyIds: companyIds) }

    static func roots(companyId: Int64, companyIds: [Int64]) -> [Int64] { companyIds.isEmpty ? [companyId] : companyIds }

    /// The active user `uid`, or nil. Loading it also names it the actor of the rest of the
    /// transaction for the audit trail's triggers.
    public static func fetch(_ tx: Transaction, uid: Int64) async throws -> UserRow? {
        try await fetch(tx, where: "u.id = \(uid)")
    }

    /// The active user with `login`, or nil.
    public static func fetch(_ tx: Transaction, login: String) async throws -> UserRow? {
        try await fetch(tx, where: "u.login = \(login)")
    }

    static func fetch(_ tx: Transaction, where condition: SQLBuilder) async throws -> UserRow? {
        let sql: SQLBuilder = """
            SELECT u.id, u.login, u.password, u.password_published, u.totp_secret IS NOT NULL, u.company_id, x.ids,
                   ARRAY(SELECT g.xmlid FROM res_groups_users_rel gu JOIN res_groups g ON g.id = gu.gid WHERE gu.uid = u.id),
                   x.tops, CASE WHEN x.tops <@ x.roots THEN NULL ELSE \(unsafeRaw: CompanyReachSQL.below("x.roots")) END,
                   CASE WHEN x.tops <@ x.roots THEN NULL ELSE \(unsafeRaw: CompanyReachSQL.above("x.roots")) END,
                   \(unsafeRaw: CompanyReachSQL.branches("x.roots")),
                   \(unsafeRaw: AuditTrail.actorSQL(uid: "u.id")),
                   (WITH RECURSIVE up(id, parent, company, depth) AS (
                        SELECT p.id, p.parent_id, p.is_company, 0 FROM res_partner p WHERE p.id = u.partner_id
                        UNION ALL SELECT q.id, q.parent_id, q.is_company, up.depth + 1 FROM res_partner q JOIN up ON q.id = up.parent
                        WHERE NOT coalesce(up.company, false) AND up.depth < 32)
                    SELECT id FROM up ORDER BY depth DESC LIMIT 1)
            FROM res_users u CROSS JOIN LATERAL (
                SELECT ids, coalesce(nullif(ids, '{}'), ARRAY[u.company_id]) AS roots, ARRAY(SELECT c.id FROM res_company c WHERE c.parent_id IS NULL) AS tops
                FROM (SELECT ARRAY(SELECT r.cid FROM res_company_users_rel r WHERE r.user_id = u.id ORDER BY r.cid) AS ids) i) x
            WHERE u.active AND \(condition)
            """
        guard let row = try await tx.query(sql).first else { return nil }
        let (uid, login, password, published, totp, companyId, companyIds, groups, treeRoots, below, above, branches, _, partner) = try row.decode(
            (Int64, String, String?, Bool, Bool, Int64, [Int64], [String], [Int64], [Int64]?, [Int64]?, [Int64]?, String, Int64?).self)
        // The query leaves the reach out (NULL) for a user whose companies cover the tree.
        let roots = Self.roots(companyId: companyId, companyIds: companyIds)
        let reach = above.map { CompanyReach(below: below, above: $0, branches: branches, wholeBranches: CompanyReachSQL.whole(branches, roots: roots)) }
        var user = UserRow(uid: uid, login: login, passwordHash: password, passwordPublished: published, companyId: companyId, companyIds: companyIds,
                           groups: groups, treeRoots: treeRoots, reach: reach, commercialPartnerId: partner)
        user.totpEnabled = totp
        return user
    }
}

/// Builds the environment of an authenticated user: groups, current company and the companies
/// visible in this call. `allowed_company_ids` narrows what the user has, never widens it.
public enum EnvLoader {
    public static func load(
        _ tx: Transaction, uid: Int64, context: RecordValues = [:], logger: Logger
    ) async throws -> Env {
        guard let user = try await UserRow.fetch(tx, uid: uid) else { throw ChainstoreError(.accessDenied, "Access Denied") }
        return try await env(tx, user: user, context: context, logger: logger)
    }

    /// `env` logging to `logger`, each record naming the user.
    public static func logging(_ env: Env, to logger: Logger) -> Env {
        var env = env
        env.logger = logger
        env.logger[metadataKey: "uid"] = "\(env.uid)"
        return env
    }

    /// The environment of `user` with an empty context (no query needed).
    public static func env(user: UserRow, logger: Logger) -> Env {
        make(user, roots: user.roots, current: user.companyId, reach: user.reach, context: [:], logger: logger)
    }

    /// The environment of `user`; queries the database only to check `allowed_company_ids` that
    /// differ from the user's own companies.
    public static func env(_ tx: Transaction, user: UserRow, context: RecordValues, logger: Logger) async throws -> Env {
        var roots = user.roots
        var current = user.companyId
        var reach = user.reach
        if let requested = context["allowed_company_ids"], !requested.isEmpty {
            guard let ids = requested.idList, !ids.isEmpty else {
                throw ChainstoreError.accessError("Access to unauthorized or invalid companies.")
            }
            // The user's own companies (what a till or the web client sends for its only
            // company): nothing is narrowed, the user's reach stands, no query.
            if Set(ids) == Set(user.roots) {
                return make(user, roots: ids, current: ids[0], reach: user.reach, context: context, logger: logger)
            }
            let check: SQLBuilder = """
                SELECT (SELECT count(*) FROM res_company c WHERE c.id = ANY(\(ids)) AND EXISTS (
                            SELECT 1 FROM res_company r WHERE r.id = ANY(\(roots)) AND c.parent_path LIKE r.parent_path || '%')),
                       \(unsafeRaw: CompanyReachSQL.below("x.roots")), \(unsafeRaw: CompanyReachSQL.above("x.roots")),
                       \(unsafeRaw: CompanyReachSQL.branches("x.roots"))
                FROM (SELECT \(ids) AS roots) x
                """
            guard let row = try await tx.query(check).first else { throw ChainstoreError.accessError("Access to unauthorized or invalid companies.") }
            let (inside, below, above, branches) = try row.decode((Int64, [Int64], [Int64], [Int64]?).self)
            guard inside == Set(ids).count else { throw ChainstoreError.accessError("Access to unauthorized or invalid companies.") }
            reach = CompanyReach(below: below, above: above, branches: branches, wholeBranches: CompanyReachSQL.whole(branches, roots: ids))
            roots = ids
            current = ids[0]
        }
        return make(user, roots: roots, current: current, reach: reach, context: context, logger: logger)
    }

    /// The environment over `roots` (the user's companies, or the ones a call narrowed them to).
    static func make(_ user: UserRow, roots: [Int64], current: Int64, reach: CompanyReach?, context: RecordValues, logger: Logger) -> Env {
        var env = logging(Env(
            uid: user.uid, login: user.login, groups: Set(user.groups), companyId: current, allowedCompanyIds: roots,
            coversCompanyTree: Set(user.treeRoots).isSubset(of: roots), context: context, logger: logger), to: logger)
        env.companyReach = env.coversCompanyTree ? nil : reach
        env.commercialPartnerId = user.commercialPartnerId
        return env
    }
}

/// The companies under and above a set of roots, in SQL (`roots` is a bigint[] expression): the
/// subtree as an index range on each root's path, the parents from the path itself.
enum CompanyReachSQL {
    static func below(_ roots: String) -> String {
        // Per root, the path's range as parameters of an index scan: PostgreSQL cannot estimate a
        // range joined to another row and, asked for a few rows, would read the whole table for
        // them. One more than the bound says "too many".
        let limit = CompanyReach.boundLimit + 1
        return "ARRAY(SELECT c.id FROM unnest(\(roots)) AS rid CROSS JOIN LATERAL (SELECT c.id FROM res_company c "
            + "WHERE c.parent_path ~>=~ (SELECT r.parent_path FROM res_company r WHERE r.id = rid) "
            + "AND c.parent_path ~<~ (SELECT left(r.parent_path, -1) || '0' FROM res_company r WHERE r.id = rid) LIMIT \(limit)) c LIMIT \(limit))"
    }

    /// The branches of the roots (`bigint[]`), NULL when one of them is a root of the tree.
    static func branches(_ roots: String) -> String {
        "(SELECT CASE WHEN bool_and(c.branch_id IS NOT NULL) THEN array_agg(DISTINCT c.branch_id) END FROM res_company c WHERE c.id = ANY(\(roots)))"
    }

    /// Whether every root is the top of its branch: exactly when the roots are their branches
    /// (a root that is some root's branch is the top of its own).
    static func whole(_ branches: [Int64]?, roots: [Int64]) -> Bool {
        branches.map { Set($0) == Set(roots) } ?? false
    }

    static func above(_ roots: String) -> String {
        "ARRAY(SELECT DISTINCT p::bigint FROM res_company r, unnest(string_to_array(rtrim(r.parent_path, '/'), '/')) p WHERE r.id = ANY(\(roots)) ORDER BY 1)"
    }
}
