import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

@Suite("Authentication", .enabled(if: TestDatabase.isAvailable))
struct AuthenticationTests {
    @Test func passwordsAndAPIKeys() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let key = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await Users.setPassword(tx, login: "store.gz", password: "correct horse", rounds: 1000)
                return try await APIKeys.create(tx, uid: fx.storeUser1, name: "integration")
            }
            let auth = Authenticator(database: db)
            #expect(try await auth.authenticate(login: "store.gz", password: "correct horse", address: "10.0.0.1", logger: TestDatabase.logger) == fx.storeUser1)
            #expect(try await auth.authenticate(login: "store.gz", password: "wrong", address: "10.0.0.1", logger: TestDatabase.logger) == nil)
            #expect(try await auth.authenticate(login: "store.gz", password: key, address: "10.0.0.1", logger: TestDatabase.logger) == fx.storeUser1)
            #expect(try await auth.authenticate(login: "store.sz", password: key, address: "10.0.0.1", logger: TestDatabase.logger) == nil)
            #expect(try await auth.authenticate(login: "nobody", password: "x", address: "10.0.0.1", logger: TestDatabase.logger) == nil)
            let stored = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT password, (SELECT key_digest FROM res_users_apikeys LIMIT 1) FROM res_users WHERE login = 'store.gz'")).first!.decode((String, String).self)
            }
            #expect(stored.0.hasPrefix("$pbkdf2-sha512$1000$") && !stored.0.contains("correct"))
            #expect(!stored.1.contains(key))
            let revoked = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await APIKeys.revoke(tx, uid: fx.storeUser1, name: "integration")
            }
            #expect(revoked == 1)
            #expect(try await auth.authenticate(login: "store.gz", password: key, address: "10.0.0.1", logger: TestDatabase.logger) == nil)
            let expired = try await db.transaction(logger: TestDatabase.logger) { tx in
                let key = try await APIKeys.create(tx, uid: fx.storeUser1, name: "old")
                try await tx.execute("UPDATE res_users_apikeys SET expiration_date = now() - interval '1 day' WHERE name = 'old'")
                return key
            }
            #expect(try await auth.authenticate(login: "store.gz", password: expired, address: "10.0.0.1", logger: TestDatabase.logger) == nil)
        }
    }

    @Test func repeatedFailuresAreSlowedThenRefused() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            _ = try await GroupFixture.make(db, registry)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                try await Users.setPassword(tx, login: "store.sz", password: "right one", rounds: 1000)
            }
            var policy = Authenticator.Policy()
            policy.slowAfter = 2
            policy.lockAfter = 4
            policy.delayStep = .milliseconds(1)
            let auth = Authenticator(database: db, policy: policy)
            for _ in 0..<4 {
                #expect(try await auth.authenticate(login: "store.sz", password: "guess", address: "192.0.2.7", logger: TestDatabase.logger) == nil)
            }
            let locked = await #expect(throws: ChainstoreError.self) {
                try await auth.authenticate(login: "store.sz", password: "right one", address: "192.0.2.99", logger: TestDatabase.logger)
            }
            #expect(locked?.code == .throttled)
            let byAddress = await #expect(throws: ChainstoreError.self) {
                try await auth.authenticate(login: "group.admin", password: "whatever", address: "192.0.2.7", logger: TestDatabase.logger)
            }
            #expect(byAddress?.code == .throttled)
            // Behind the reverse proxy every client comes from loopback: only the login is locked then.
            try await db.transaction(logger: TestDatabase.logger) { tx in
                try await Users.setPassword(tx, login: "store.gz", password: "gz password", rounds: 1000)
            }
            for _ in 0..<4 {
                #expect(try await auth.authenticate(login: "city.gz", password: "guess", address: "127.0.0.1", logger: TestDatabase.logger) == nil)
            }
            #expect(try await auth.authenticate(login: "store.gz", password: "gz password", address: "127.0.0.1", logger: TestDatabase.logger) != nil)
        }
    }
}
