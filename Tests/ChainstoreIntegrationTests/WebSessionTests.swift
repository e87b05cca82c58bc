import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

/// Web sessions end when idle or at their absolute end, a sign-in waiting for its second factor
/// reaches nothing, every step is in the audit trail, and a user with a second factor needs an
/// API key for calls (the password alone is only a web sign-in's first step).
@Suite("Web sessions and two-factor sign-in", .enabled(if: TestDatabase.isAvailable))
struct WebSessionTests {
    @Test func sessionsEndWhenIdleOrAtTheirEndAndAreAudited() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                let token = try await WebSessions.create(tx, uid: fx.storeUser1, address: "10.0.0.5", awaiting: .none)
                #expect(try await WebSessions.user(tx, token: token) == fx.storeUser1)
                #expect(try await WebSessions.user(tx, token: token + "0") == nil)
                let (idle, end) = try await tx.query("""
                    SELECT expires_at - now() = interval '30 minutes', ends_at - now() = interval '12 hours' FROM web_session
                    """).first!.decode((Bool, Bool).self)
                #expect(idle && end)
                // Idle for longer than 30 minutes: ended, though its absolute end is hours away.
                try await tx.execute("UPDATE web_session SET expires_at = now() - interval '1 second'")
                #expect(try await WebSessions.user(tx, token: token) == nil)
                // Used every minute, but 12 hours after sign-in: ended.
                try await tx.execute("UPDATE web_session SET expires_at = now() + interval '10 minutes', ends_at = now() - interval '1 second'")
                #expect(try await WebSessions.user(tx, token: token) == nil)
                try await tx.execute("UPDATE web_session SET ends_at = now() + interval '5 minutes'")
                #expect(try await WebSessions.user(tx, token: token) == fx.storeUser1)
                // Renewed on use, never past the absolute end.
                let renewed = try await tx.query("SELECT expires_at <= ends_at FROM web_session").first!.decode(Bool.self)
                #expect(renewed)
                let sessions = try await WebSessions.list(tx, uid: fx.storeUser1)
                #expect(sessions.count == 1 && sessions[0].address == "10.0.0.5")
                #expect(try await WebSessions.revoke(tx, id: sessions[0].id, of: fx.storeUser2, actor: fx.storeUser2) == false)
                #expect(try await WebSessions.revoke(tx, id: sessions[0].id, of: fx.storeUser1, actor: fx.storeUser1))
                #expect(try await WebSessions.user(tx, token: token) == nil)
                let events = try await tx.query("""
                    SELECT operation, new_values->>'event', new_values->>'address' FROM audit_log WHERE model = 'web.session' ORDER BY id
                    """).map { try $0.decode((String, String, String?).self) }
                #expect(events.map(\.0) == ["create", "unlink"])
                #expect(events.map(\.1) == ["signed in", "revoked by its user"] && events[0].2 == "10.0.0.5")
            }
        }
    }

    @Test func aSignInWaitingForItsCodeReachesNothingUntilTheCodeIsGivenOnce() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let secret = TOTP.newSecret()
            let now = Date()
            try await db.transaction(logger: TestDatabase.logger) { tx in
                try await Users.setPassword(tx, login: "store.gz", password: "Correct horse 7", rounds: 1000)
                #expect(try await TwoFactor.awaited(tx, uid: fx.storeUser1) == .none)
                try await tx.query("UPDATE res_users SET totp_secret = \(TOTP.base32(secret)) WHERE id = \(fx.storeUser1)")
                #expect(try await TwoFactor.awaited(tx, uid: fx.storeUser1) == .code)
            }
            // The password is a web sign-in's first step only; calls need an API key.
            let auth = Authenticator(database: db)
            #expect(try await auth.authenticate(login: "store.gz", password: "Correct horse 7", address: "10.0.0.1", logger: TestDatabase.logger) == nil)
            #expect(try await auth.authenticate(login: "store.gz", password: "Correct horse 7", address: "10.0.0.1", firstFactor: true,
                                                logger: TestDatabase.logger) == fx.storeUser1)
            let key = try await db.transaction(logger: TestDatabase.logger) { tx in try await APIKeys.create(tx, uid: fx.storeUser1, name: "sync") }
            #expect(try await auth.authenticate(login: "store.gz", password: key, address: "10.0.0.1", logger: TestDatabase.logger) == fx.storeUser1)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                let token = try await WebSessions.create(tx, uid: fx.storeUser1, address: "10.0.0.1", awaiting: .code)
                #expect(try await WebSessions.user(tx, token: token) == nil)
                #expect(try await WebSessions.pending(tx, token: token)?.awaiting == .code)
                let code = TOTP.code(secret: secret, step: TOTP.step(at: Int64(now.timeIntervalSince1970)))
                #expect(try await TwoFactor.check(tx, uid: fx.storeUser1, code: code, now: now))
                // The same code again (a replay) is refused.
                #expect(try await TwoFactor.check(tx, uid: fx.storeUser1, code: code, now: now) == false)
                try await WebSessions.complete(tx, token: token, address: "10.0.0.1")
                #expect(try await WebSessions.user(tx, token: token) == fx.storeUser1)
                #expect(try await WebSessions.pending(tx, token: token) == nil)
            }
        }
    }

    @Test func enrolmentGivesRecoveryCodesEachGoodOnce() async throws {
        do { try await enrol() } catch { Issue.record("\(String(reflecting: error))") }
    }

    func enrol() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.execute("UPDATE res_groups SET totp_required = true WHERE xmlid = 'base.group_user'")
                #expect(try await TwoFactor.awaited(tx, uid: fx.storeUser1) == .enrol)
                let token = try await WebSessions.create(tx, uid: fx.storeUser1, address: "10.0.0.1", awaiting: .enrol)
                let other = try await WebSessions.create(tx, uid: fx.storeUser1, address: "10.0.0.2", awaiting: .none)
                let (text, uri, svg) = try await TwoFactor.begin(tx, token: token, uid: fx.storeUser1, database: "demo")
                #expect(uri.hasPrefix("otpauth://totp/Chainstore:") && uri.contains("secret=\(text)") && svg.hasPrefix("<svg"))
                let secret = try #require(TOTP.fromBase32(text))
                let now = Date()
                await #expect(throws: ChainstoreError.self) { try await TwoFactor.enable(tx, token: token, uid: fx.storeUser1, code: "000000", now: now.addingTimeInterval(-3600)) }
                let code = TOTP.code(secret: secret, step: TOTP.step(at: Int64(now.timeIntervalSince1970)))
                let codes = try await TwoFactor.enable(tx, token: token, uid: fx.storeUser1, code: code, now: now)
                #expect(codes.count == 10 && Set(codes).count == 10 && codes.allSatisfy { $0.count == 11 })
                #expect(try await TwoFactor.awaited(tx, uid: fx.storeUser1) == .code)
                // Enabling ended the user's other sessions.
                #expect(try await WebSessions.user(tx, token: other) == nil)
                #expect(try await TwoFactor.check(tx, uid: fx.storeUser1, code: codes[3].uppercased(), now: now))
                #expect(try await TwoFactor.check(tx, uid: fx.storeUser1, code: codes[3], now: now) == false)
                let stored = try await tx.query("SELECT count(*) FROM res_users_recovery_code WHERE code_digest = \(codes[4])").first!.decode(Int64.self)
                #expect(stored == 0)
                try await TwoFactor.disable(tx, uid: fx.storeUser1, actor: fx.groupAdmin)
                #expect(try await TwoFactor.check(tx, uid: fx.storeUser1, code: codes[4], now: now) == false)
                let audited = try await tx.query("""
                    SELECT uid, new_values->>'totp_enabled' FROM audit_log WHERE model = 'res.users' AND record_id = \(fx.storeUser1)
                      AND new_values ? 'totp_enabled' ORDER BY id
                    """).map { try $0.decode((Int64, String).self) }
                #expect(audited.map(\.1) == ["true", "false"] && audited.map(\.0) == [fx.storeUser1, fx.groupAdmin])
            }
        }
    }

    @Test func passwordsAreNotReusedAndExpireAfterNinetyDays() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                #expect(try await Users.passwordExpired(tx, uid: fx.storeUser1) == false)  // never set: no age
                for password in ["First-pass-1", "Second-pass-2", "Third-pass-3"] {
                    try await Users.setPassword(tx, login: "store.gz", password: password, rounds: 1000)
                }
                for reused in ["First-pass-1", "Third-pass-3"] {
                    await #expect(throws: ChainstoreError.self) { try await Users.setPassword(tx, login: "store.gz", password: reused, rounds: 1000) }
                }
                #expect(try await Users.passwordExpired(tx, uid: fx.storeUser1) == false)
                try await tx.execute("UPDATE res_users SET password_set_at = now() - interval '91 days' WHERE login = 'store.gz'")
                #expect(try await Users.passwordExpired(tx, uid: fx.storeUser1))
                #expect(try await TwoFactor.awaited(tx, uid: fx.storeUser1) == .none)
                // Six passwords later the first may come back.
                for password in ["Fourth-pass-4", "Fifth-pass-5", "Sixth-pass-6", "First-pass-1"] {
                    try await Users.setPassword(tx, login: "store.gz", password: password, rounds: 1000)
                }
                #expect(try await Users.passwordExpired(tx, uid: fx.storeUser1) == false)
                let history = try await tx.query("SELECT count(*) FROM res_users_password_history WHERE uid = \(fx.storeUser1)").first!.decode(Int64.self)
                #expect(history == 6)
            }
        }
    }
}
