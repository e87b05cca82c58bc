import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreServer
import ChainstoreTestSupport
import Testing

@Suite("Authentication", .enabled(if: TestDatabase.isAvailable))
struct AuthenticationTests {
    @Test func passwordsAndAPIKeys() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let key = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await Users.setPassword(tx, login: "store.gz", password: "Correct horse 7", rounds: 1000)
                return try await APIKeys.create(tx, uid: fx.storeUser1, name: "integration")
            }
            let auth = Authenticator(database: db)
            #expect(try await auth.authenticate(login: "store.gz", password: "Correct horse 7", address: "10.0.0.1", logger: TestDatabase.logger) == fx.storeUser1)
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
                try await Users.setPassword(tx, login: "store.sz", password: "Right one 42", rounds: 1000)
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
                try await auth.authenticate(login: "store.sz", password: "Right one 42", address: "192.0.2.99", logger: TestDatabase.logger)
            }
            #expect(locked?.code == .throttled)
            let byAddress = await #expect(throws: ChainstoreError.self) {
                try await auth.authenticate(login: "group.admin", password: "whatever", address: "192.0.2.7", logger: TestDatabase.logger)
            }
            #expect(byAddress?.code == .throttled)
            // Behind the reverse proxy every client comes from loopback: only the login is locked then.
            try await db.transaction(logger: TestDatabase.logger) { tx in
                try await Users.setPassword(tx, login: "store.gz", password: "GZ password 1", rounds: 1000)
            }
            for _ in 0..<4 {
                #expect(try await auth.authenticate(login: "city.gz", password: "guess", address: "127.0.0.1", logger: TestDatabase.logger) == nil)
            }
            #expect(try await auth.authenticate(login: "store.gz", password: "GZ password 1", address: "127.0.0.1", logger: TestDatabase.logger) != nil)
        }
    }

    @Test func aPersonsPasswordFollowsThePolicy() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            _ = try await GroupFixture.make(db, registry)
            for (weak, because) in [("Ab1!", "at least 8"), ("abcdefgh1", "three kinds"), ("ABCDEFGH!", "three kinds"), ("My-store.gz-1", "login")] {
                let error = await #expect(throws: ChainstoreError.self) {
                    try await db.transaction(logger: TestDatabase.logger) { tx in try await Users.setPassword(tx, login: "store.gz", password: weak, rounds: 1000) }
                }
                #expect(error?.message.contains(because) == true, "\(weak): \(error?.message ?? "")")
            }
            try await db.transaction(logger: TestDatabase.logger) { tx in
                try await Users.setPassword(tx, login: "store.gz", password: "Correct horse 7", rounds: 1000)
                // The demo's published passwords are exempt: they are usable from this machine only.
                try await Users.setPassword(tx, login: "store.sz", password: "demo", published: true, rounds: 1000)
            }
        }
    }

    /// The demo's passwords are known to the world: from a public address they are refused (API
    /// keys still work), and a node refuses to listen publicly while any user has one.
    @Test func publishedPasswordsWorkOnlyFromThisMachine() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let key = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await Users.setPassword(tx, login: "store.gz", password: "store1", published: true, rounds: 1000)
                return try await APIKeys.create(tx, uid: fx.storeUser1, name: "till")
            }
            let auth = Authenticator(database: db)
            let log = TestDatabase.logger
            #expect(try await auth.authenticate(login: "store.gz", password: "store1", address: "127.0.0.1", logger: log) == fx.storeUser1)
            #expect(try await auth.authenticate(login: "store.gz", password: "store1", address: "203.0.113.9", logger: log) == nil)
            #expect(try await auth.authenticate(login: "store.gz", password: key, address: "203.0.113.9", logger: log) == fx.storeUser1)
            let identity = BaseIdentity()
            let remote = Client(address: "203.0.113.9", host: nil, logger: log)
            let local = Client(address: "127.0.0.1", host: nil, logger: log)
            let credentials = Credentials.login("store.gz", secret: "store1")
            let env = try await db.transaction(logger: log) { tx in try await identity.environment(tx, credentials: credentials, client: local, context: [:]) }
            #expect(env.uid == fx.storeUser1)
            // Remembered for the machine it was checked from only.
            #expect(identity.remembered(db, credentials: credentials, client: local)?.uid == fx.storeUser1)
            // The remembered environment logs to the new call's logger, naming the user.
            var callLogger = log
            callLogger[metadataKey: "request_id"] = "r2"
            let again = identity.remembered(db, credentials: credentials, client: Client(address: "127.0.0.1", host: nil, logger: callLogger))
            #expect(again?.logger[metadataKey: "request_id"] == "r2" && again?.logger[metadataKey: "uid"] == "\(fx.storeUser1)")
            #expect(identity.remembered(db, credentials: credentials, client: remote) == nil)
            let refused = await #expect(throws: ChainstoreError.self) {
                try await db.transaction(logger: log) { tx in try await identity.environment(tx, credentials: credentials, client: remote, context: [:]) }
            }
            #expect(refused?.code == .accessDenied)
            #expect(try await db.transaction(logger: log) { tx in try await Users.publishedLogins(tx) } == ["store.gz"])
            try await db.transaction(logger: log) { tx in try await Users.setPassword(tx, login: "store.gz", password: "Correct horse 7", rounds: 1000) }
            #expect(try await db.transaction(logger: log) { tx in try await Users.publishedLogins(tx) }.isEmpty)
        }
    }

    /// Behind a reverse proxy every request comes from the proxy: the throttle counts the client
    /// the trusted proxy names, so one guesser is locked out and everyone else is not.
    @Test func throttlingCountsTheRealClientBehindAProxy() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            _ = try await GroupFixture.make(db, registry)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                try await Users.setPassword(tx, login: "store.sz", password: "Right one 42", rounds: 1000)
            }
            var policy = Authenticator.Policy()
            policy.lockAfter = 4
            policy.delayStep = .milliseconds(1)
            let auth = Authenticator(database: db, policy: policy)
            let proxy = [IPNetwork("10.0.0.0/8")!]
            func client(_ forwardedFor: String) -> String {
                ForwardedClientMiddleware.client(peer: "10.1.2.3", forwardedFor: [forwardedFor], trusted: proxy)
            }
            // A spray of guesses over many logins, all from one client behind the proxy.
            for i in 0..<4 {
                #expect(try await auth.authenticate(login: "nobody\(i)", password: "guess", address: client("198.51.100.7"), logger: TestDatabase.logger) == nil)
            }
            let locked = await #expect(throws: ChainstoreError.self) {
                try await auth.authenticate(login: "store.sz", password: "Right one 42", address: client("198.51.100.7"), logger: TestDatabase.logger)
            }
            #expect(locked?.code == .throttled)
            // Another client through the same proxy signs in; a forged header from outside the proxy changes nothing.
            #expect(try await auth.authenticate(login: "store.sz", password: "Right one 42", address: client("198.51.100.8"), logger: TestDatabase.logger) != nil)
            #expect(ForwardedClientMiddleware.client(peer: "198.51.100.7", forwardedFor: ["198.51.100.8"], trusted: proxy) == "198.51.100.7")
        }
    }
}
