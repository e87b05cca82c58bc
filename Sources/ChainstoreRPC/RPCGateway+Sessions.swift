import ChainstoreCore
import ChainstoreDB
import Logging

extension RPCGateway {
    /// `/web/session/authenticate`: checks the credentials, opens a session, answers its info.
    /// A user with a second factor gets a session that waits for it: `uid` is null (as in Odoo)
    /// and `two_factor` says what is awaited (`totp`, or `enrol`), with the session's CSRF token
    /// for the second step's post.
    func openSession(db: String, login: String, password: String, caller: Client) async throws -> (Value, String) {
        guard let database = try? await databases.database(named: db, host: caller.host) else { throw ChainstoreError.accessError("Database not found.") }
        guard let (uid, awaiting) = try await identity.webSignIn(database, login: login, secret: password, client: caller) else {
            throw ChainstoreError(.accessDenied, "Access Denied")
        }
        let identity = self.identity
        let token = try await database.transaction(logger: caller.logger) { tx in
            try await identity.openSession(tx, uid: uid, client: caller, awaiting: awaiting)
        }
        guard awaiting == .none else {
            let pending: Value = [
                "uid": .null, "db": .string(database.name), "username": .string(login), "two_factor": .string(awaiting.rawValue),
                "csrf_token": .string(SessionCookie.csrfToken(for: token)),
            ]
            return (pending, token)
        }
        return (try await sessionInfo(database, uid: uid, token: token, caller: caller), token)
    }

    /// Odoo 17's session info: what clients read (`uid`, `db`, `username`, `user_context`,
    /// `is_system`) and plausible values for the rest.
    func sessionInfo(_ database: Database, uid: Int64, token: String, caller: Client) async throws -> Value {
        let (registry, identity) = (self.registry, self.identity)
        return try await database.transaction(logger: caller.logger) { tx in
            let env = try await identity.environment(tx, uid: uid, context: [:], logger: caller.logger)
            let store = RecordStore(registry: registry, tx: tx, env: env)
            guard let user = try await store.read("res.users", ids: [uid], fields: ["name", "login", "lang", "tz", "company_id", "company_ids"]).first else {
                throw ChainstoreError(.sessionExpired, "Session expired")
            }
            let companyIds = user["company_ids"]?.idList ?? []
            var allowed = RecordValues()
            for company in try await store.read("res.company", ids: companyIds, fields: ["name", "sequence", "child_ids", "parent_id"], load: .classicWrite) {
                guard let id = company["id"]?.intValue else { continue }
                allowed[String(id)] = [
                    "id": .int(id), "name": company["name"] ?? .false, "sequence": company["sequence"] ?? 10,
                    "child_ids": company["child_ids"] ?? [], "parent_id": company["parent_id"] ?? .false,
                ]
            }
            let context: Value = ["lang": user["lang"] ?? "en_US", "tz": user["tz"] ?? "Asia/Shanghai", "uid": .int(uid)]
            return [
                "uid": .int(uid), "is_system": .bool(identity.isAdministrator(env)), "is_admin": .bool(identity.isAdministrator(env)),
                "user_context": context, "db": .string(database.name), "server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""],
                "name": user["name"] ?? .false, "username": user["login"] ?? .false, "partner_display_name": user["name"] ?? .false,
                "partner_id": .false, "web.base.url": "", "active_ids_limit": 20000, "max_file_upload_size": 134_217_728,
                "user_companies": [
                    "current_company": .int(env.companyId), "allowed_companies": .dict(allowed), "disallowed_ancestor_companies": [:],
                ],
                "currencies": [:], "display_switch_company_menu": .bool(companyIds.count > 1), "home_action_id": .false,
                "cache_hashes": [:], "user_settings": [:], "test_mode": false, "show_effect": true,
                "csrf_token": .string(SessionCookie.csrfToken(for: token)),
            ]
        }
    }
}
