import ChainstoreCore
import ChainstoreDB
import Foundation

/// The back office's sign-in security (role `web`), each post with the session's CSRF token in
/// `X-CSRF-Token` (from the sign-in's answer or `get_session_info`), JSON in and out:
/// - `POST /web/session/totp` `{"code"}`: the second step of a sign-in that waits for a code (an
///   authenticator app's, or a recovery code); five wrong codes end the sign-in.
/// - `POST /web/totp/begin` → `{"secret", "uri", "qr_svg"}`: a new secret to enrol (a signed-in
///   session, or a sign-in waiting for enrolment).
/// - `POST /web/totp/enable` `{"code"}` → `{"recovery_codes": [10]}`, shown once; a sign-in that
///   waited for enrolment is then signed in, and the user's other sessions end.
/// - `POST /web/totp/disable` `{"code"}` (the user's own), or `{"user_id"}` (an administrator,
///   for a lost phone).
/// - `POST /web/password/change` `{"old", "new"}`: the user's own password (policy, history); a
///   sign-in that waited for it (an expired password) is then signed in, and other sessions end.
/// - `GET /web/session/list` (`?all=1` for an administrator: everyone's) and
///   `POST /web/session/revoke` `{"id"}`: the live sessions, and ending one.
enum SecurityAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.post, "/web/session/totp", role: .web, access: .anyone, handler: secondStep),
        Endpoint(.post, "/web/totp/begin", role: .web, access: .anyone, handler: begin),
        Endpoint(.post, "/web/totp/enable", role: .web, access: .anyone, handler: enable),
        Endpoint(.post, "/web/totp/disable", role: .web, access: .anyone, handler: disable),
        Endpoint(.post, "/web/password/change", role: .web, access: .anyone, handler: changePassword),
        Endpoint(.get, "/web/session/list", role: .web, access: .anyone, handler: list),
        Endpoint(.post, "/web/session/revoke", role: .web, access: .anyone, handler: revoke),
    ]

    static let maxAttempts = 5

    /// The session cookie's database and token; a post (`csrf`) must carry the session's CSRF token.
    static func cookie(_ request: EndpointRequest, csrf: Bool = true) async throws -> (Database, String) {
        guard let (name, token) = SessionCookie.parse(request.headers["cookie"]),
            let database = try? await request.node.databases.database(named: name, host: request.client.host)
        else { throw ChainstoreError(.sessionExpired, "Sign in first") }
        if csrf {
            guard let given = request.headers["x-csrf-token"],
                PasswordHash.constantTimeEqual(Array(given.utf8), Array(SessionCookie.csrfToken(for: token).utf8))
            else { throw ChainstoreError.accessError("This form is missing its CSRF token: reload the page") }
        }
        return (database, token)
    }

    /// The caller of a back-office read (menus, views): the session cookie's signed-in user. An
    /// ended session answers 401 without an HTTP Basic challenge.
    static func caller(_ request: EndpointRequest) async throws -> CallerSession {
        let (database, token) = try await cookie(request, csrf: false)
        let uid = try await database.transaction(logger: request.client.logger) { tx in try await signedIn(tx, token: token) }
        return CallerSession(database: database, proof: .session(uid: uid), identity: request.node.identity, registry: request.node.registry,
                             client: request.client)
    }

    /// The signed-in user of the request's session, in `tx`.
    static func signedIn(_ tx: Transaction, token: String) async throws -> Int64 {
        guard let uid = try await WebSessions.user(tx, token: token) else { throw ChainstoreError(.sessionExpired, "Session expired") }
        return uid
    }

    static func code(_ request: EndpointRequest) throws -> String {
        guard case .string(let code)? = try request.jsonObject()["code"], !code.isEmpty else { throw ChainstoreError.valueError("code is required") }
        return code
    }

    static func secondStep(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (database, token) = try await cookie(request)
        let code = try code(request)
        let address = request.client.address
        let passed: (uid: Int64, next: SecondFactor)? = try await database.transaction(logger: request.client.logger) { tx in
            guard let pending = try await WebSessions.pending(tx, token: token), pending.awaiting == .code else {
                throw ChainstoreError(.sessionExpired, "Sign in again: this sign-in has ended")
            }
            guard try await TwoFactor.check(tx, uid: pending.uid, code: code) else { return nil }
            return (pending.uid, try await finish(tx, token: token, uid: pending.uid, address: address))
        }
        guard let passed else {
            // Counted in its own transaction; the fifth wrong code ends the sign-in.
            _ = try await database.transaction(logger: request.client.logger) { tx in
                try await tx.query("""
                    UPDATE web_session SET attempts = attempts + 1,
                        ends_at = CASE WHEN attempts + 1 >= \(maxAttempts) THEN now() ELSE ends_at END
                    WHERE token_digest = \(APIKey.digest(token))
                    """)
            }
            request.client.logger.notice("second factor refused", metadata: ["address": "\(address)"])
            throw ChainstoreError.accessError("Wrong code")
        }
        return .json(answer(passed.uid, passed.next))
    }

    /// A sign-in whose second factor was given: signed in, or waiting for a new password when
    /// its password has expired.
    static func finish(_ tx: Transaction, token: String, uid: Int64, address: String) async throws -> SecondFactor {
        guard try await !Users.passwordExpired(tx, uid: uid) else {
            try await WebSessions.awaitNext(tx, token: token, next: .password)
            return .password
        }
        try await WebSessions.complete(tx, token: token, address: address)
        return .none
    }

    static func answer(_ uid: Int64, _ next: SecondFactor) -> Value {
        next == .none ? ["uid": .int(uid)] : ["uid": .null, "two_factor": .string(next.rawValue)]
    }

    static func changePassword(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (database, token) = try await cookie(request)
        let body = try request.jsonObject()
        guard case .string(let old)? = body["old"], case .string(let new)? = body["new"] else {
            throw ChainstoreError.valueError("old and new are required")
        }
        let address = request.client.address
        let uid = try await database.transaction(logger: request.client.logger) { tx -> Int64 in
            let uid: Int64, pending: Bool
            if let waiting = try await WebSessions.pending(tx, token: token) {
                guard waiting.awaiting == .password else { throw ChainstoreError.accessError("Finish signing in first") }
                (uid, pending) = (waiting.uid, true)
            } else {
                (uid, pending) = (try await signedIn(tx, token: token), false)
            }
            guard let row = try await tx.query("SELECT login, password FROM res_users WHERE id = \(uid)").first else {
                throw ChainstoreError(.sessionExpired, "Session expired")
            }
            let (login, hash) = try row.decode((String, String?).self)
            guard let hash, PasswordHash.verify(old, against: hash) else {
                throw ChainstoreError.validation("The current password is not right.")
            }
            try await Users.setPassword(tx, login: login, password: new)
            try await WebSessions.revokeAll(tx, uid: uid, except: token)
            try await AuditTrail.record(tx, uid: uid, model: "res.users", [.init(recordId: uid, companyId: nil, operation: .write, newValues: ["password_changed": true])])
            if pending { try await WebSessions.complete(tx, token: token, address: address) }
            return uid
        }
        return .json(["uid": .int(uid)])
    }

    /// The user a session enrols for: signed in, or waiting for enrolment.
    static func enrolling(_ tx: Transaction, token: String) async throws -> (uid: Int64, pending: Bool) {
        if let pending = try await WebSessions.pending(tx, token: token) {
            guard pending.awaiting == .enrol else { throw ChainstoreError.accessError("Give your code first") }
            return (pending.uid, true)
        }
        return (try await signedIn(tx, token: token), false)
    }

    static func begin(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (database, token) = try await cookie(request)
        let (secret, uri, svg) = try await database.transaction(logger: request.client.logger) { tx in
            let (uid, _) = try await enrolling(tx, token: token)
            return try await TwoFactor.begin(tx, token: token, uid: uid, database: database.name)
        }
        return .json(["secret": .string(secret), "uri": .string(uri), "qr_svg": .string(svg)])
    }

    static func enable(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (database, token) = try await cookie(request)
        let code = try code(request)
        let address = request.client.address
        let (codes, next) = try await database.transaction(logger: request.client.logger) { tx in
            let (uid, pending) = try await enrolling(tx, token: token)
            let codes = try await TwoFactor.enable(tx, token: token, uid: uid, code: code)
            return (codes, pending ? try await finish(tx, token: token, uid: uid, address: address) : SecondFactor.none)
        }
        return .json(["recovery_codes": .array(codes.map(Value.string)), "two_factor": next == .none ? .false : .string(next.rawValue)])
    }

    static func disable(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (database, token) = try await cookie(request)
        let body = try request.jsonObject()
        let identity = request.node.identity
        let logger = request.client.logger
        try await database.transaction(logger: logger) { tx in
            let uid = try await signedIn(tx, token: token)
            if let other = body["user_id"]?.intValue, other != uid {
                let env = try await identity.environment(tx, uid: uid, context: [:], logger: logger)
                guard identity.isAdministrator(env) else { throw ChainstoreError.accessError("Only an administrator turns off another user's second factor") }
                try await TwoFactor.disable(tx, uid: other, actor: uid)
                try await WebSessions.revokeAll(tx, uid: other, except: nil)
                return
            }
            guard case .string(let code)? = body["code"], try await TwoFactor.check(tx, uid: uid, code: code) else {
                throw ChainstoreError.validation("Give the code your authenticator app shows now to turn the second factor off")
            }
            try await TwoFactor.disable(tx, uid: uid, actor: uid)
        }
        return .json(["ok": true])
    }

    static func list(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (database, token) = try await cookie(request, csrf: false)
        let identity = request.node.identity
        let logger = request.client.logger
        let rows = try await database.transaction(logger: logger) { tx in
            let uid = try await signedIn(tx, token: token)
            var everyone = false
            if request.query["all"] == "1" {
                everyone = identity.isAdministrator(try await identity.environment(tx, uid: uid, context: [:], logger: logger))
            }
            let current = try await tx.query("SELECT id FROM web_session WHERE token_digest = \(APIKey.digest(token))").first?.decode(Int64.self)
            return (try await WebSessions.list(tx, uid: everyone ? nil : uid), current)
        }
        let format = ISO8601DateFormatter()
        return .json(["sessions": .array(rows.0.map { row in
            [
                "id": .int(row.id), "user_id": .int(row.uid), "login": .string(row.login), "opened": .string(format.string(from: row.opened)),
                "last_seen": .string(format.string(from: row.lastSeen)), "ends": .string(format.string(from: row.ends)),
                "address": row.address.map(Value.string) ?? .false, "current": .bool(row.id == rows.1),
            ]
        })])
    }

    static func revoke(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (database, token) = try await cookie(request)
        guard let id = try request.jsonObject()["id"]?.intValue else { throw ChainstoreError.valueError("id is required") }
        let identity = request.node.identity
        let logger = request.client.logger
        let done = try await database.transaction(logger: logger) { tx in
            let uid = try await signedIn(tx, token: token)
            let admin = identity.isAdministrator(try await identity.environment(tx, uid: uid, context: [:], logger: logger))
            return try await WebSessions.revoke(tx, id: id, of: admin ? nil : uid, actor: uid)
        }
        guard done else { throw ChainstoreError(.missingError, "No such session") }
        return .json(["ok": true])
    }
}
