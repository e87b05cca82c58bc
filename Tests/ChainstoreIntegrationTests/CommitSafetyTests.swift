import Base
import ChainstoreApp
import ChainstoreCore
@testable import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import PostgresNIO
import Synchronization
import Testing

/// What a transaction reports when the database fails under it: on a cluster of its own whose
/// synchronous standby never answers (`synchronous_standby_names` names one that does not
/// exist), so every commit waits for it, as on a primary whose standby has gone.
@Suite("Commit safety", .enabled(if: TestDatabase.isAvailable), .serialized)
struct CommitSafetyTests {
    @Test func aCommitWithoutItsStandbyIsNeverReportedAsSaved() async throws {
        let logger = TestDatabase.logger
        try await TestDatabase.withOwnCluster("syncrep", database: "syncrep") { location, _ in
            try await location.withDatabase(logger: logger, create: false) { plain in
                /// Makes every commit wait for `standby` (nil: for none).
                func wantStandby(_ standby: String?) async throws {
                    try await plain.withoutTransaction(logger: logger) { tx in
                        if let standby {
                            try await tx.execute("ALTER SYSTEM SET synchronous_standby_names = '\(standby)'")
                        } else {
                            try await tx.execute("ALTER SYSTEM RESET synchronous_standby_names")
                        }
                        try await tx.execute("SELECT pg_reload_conf()")
                    }
                }
                try await plain.withoutTransaction(logger: logger) { tx in try await tx.execute("CREATE TABLE t (id int PRIMARY KEY)") }
                try await wantStandby("ghost")
                try await Task.sleep(for: .milliseconds(300))
                var watched = plain
                watched.watchesSynchronousCommit = true

                /// Starts a transaction inserting `id`, then ends its wait for the standby with `signal`.
                func attempt(_ database: Database, _ id: Int, _ signal: String) async throws -> Result<Void, any Error> {
                    let task = Task { () -> Result<Void, any Error> in
                        do {
                            try await database.transaction(logger: logger) { tx in
                                try await tx.execute("INSERT INTO t VALUES (\(id))")
                            }
                            return .success(())
                        } catch {
                            return .failure(error)
                        }
                    }
                    // Beside sixty other tests on two cores the commit may take seconds to reach its
                    // wait. One that never does is let go (no standby wanted), so the test fails
                    // instead of waiting for ever.
                    var signalled = false
                    let giveUp = ContinuousClock.now + .seconds(60)
                    while !signalled, ContinuousClock.now < giveUp {
                        try await Task.sleep(for: .milliseconds(50))
                        signalled = try await plain.withoutTransaction(logger: logger) { tx in
                            try await tx.query("SELECT \(unsafeRaw: signal)(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'").count > 0
                        }
                    }
                    #expect(signalled, "a commit waited for the standby")
                    if !signalled { try await wantStandby(nil) }
                    return await task.value
                }
                func code(_ result: Result<Void, any Error>) -> ChainstoreError.Code? {
                    if case .failure(let error) = result { return (error as? ChainstoreError)?.code }
                    return nil
                }

                // The hazard: PostgreSQL answers a cancelled wait with success and a warning.
                let unwatched = try await attempt(plain, 1, "pg_cancel_backend")
                #expect(code(unwatched) == nil, "without the watch a cancelled wait looks like success")
                // Watched, the same cancel is a failure whose outcome is unknown; the row is on the
                // primary only, as the error says.
                let cancelled = try await attempt(watched, 2, "pg_cancel_backend")
                #expect(code(cancelled) == .commitUnknown)
                // The connection killed during COMMIT: unknown too, never retried by the pool.
                let terminated = try await attempt(watched, 3, "pg_terminate_backend")
                #expect(code(terminated) == .commitUnknown)
                let saved = try await plain.withoutTransaction(logger: logger) { tx in
                    try await tx.query("SELECT id FROM t ORDER BY id").map { try $0.decode(Int.self) }
                }
                #expect(saved == [1, 2, 3], "each of them committed locally")

                // A connection lost before COMMIT: nothing was saved, and the error says so.
                try await wantStandby(nil)
                let before = Task { () -> ChainstoreError.Code? in
                    do {
                        try await watched.transaction(logger: logger) { tx in
                            try await tx.execute("INSERT INTO t VALUES (4)")
                            try await tx.execute("SELECT pg_sleep(30)")
                        }
                        return nil
                    } catch {
                        return (error as? ChainstoreError)?.code
                    }
                }
                var killed = false
                for _ in 0..<100 where !killed {
                    try await Task.sleep(for: .milliseconds(50))
                    killed = try await plain.withoutTransaction(logger: logger) { tx in
                        try await tx.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'").count > 0
                    }
                }
                #expect(await before.value == .unavailable)
                let count = try await plain.withoutTransaction(logger: logger) { tx in try await tx.one("SELECT count(*) FROM t WHERE id = 4").decode(Int.self) }
                #expect(count == 0)
            }
        }
    }

    /// A statement sent on a connection the server has already ended (a primary gone between
    /// two statements of a transaction) fails at once as a lost connection: PostgresNIO drops a
    /// query written to a closed channel without answering it, so the caller would otherwise
    /// wait for ever. The rollback that follows does not wait either.
    @Test func aStatementOnAConnectionTheServerEndedFailsAtOnce() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let logger = TestDatabase.logger
            let outcome = Mutex<ChainstoreError.Code??>(nil)
            let work = Task {
                do {
                    try await database.transaction(logger: logger) { tx in
                        let pid = try await tx.one("SELECT pg_backend_pid()").decode(Int32.self)
                        _ = try await database.withoutTransaction(logger: logger) { other in
                            try await other.query("SELECT pg_terminate_backend(\(Int64(pid))::integer)")
                        }
                        let giveUp = ContinuousClock.now + .seconds(20)
                        while !tx.connection.isClosed, ContinuousClock.now < giveUp { try await Task.sleep(for: .milliseconds(20)) }
                        #expect(tx.connection.isClosed, "the ended session closed the connection")
                        try await tx.execute("SELECT 1")
                    }
                    outcome.withLock { $0 = .some(nil) }
                } catch {
                    outcome.withLock { $0 = .some((error as? ChainstoreError)?.code) }
                }
            }
            // Waited for with a bound: the failure this guards against is a wait without one.
            let giveUp = ContinuousClock.now + .seconds(60)
            while outcome.withLock({ $0 }) == nil, ContinuousClock.now < giveUp { try await Task.sleep(for: .milliseconds(50)) }
            let code = outcome.withLock { $0 }
            #expect(code != nil, "the statement on the closed connection was answered")
            #expect(code == .some(.unavailable), "a connection lost before COMMIT: nothing saved, retry")
            if code == nil { work.cancel() }
            // The pool lends a working connection afterwards.
            let one = try await database.withoutTransaction(logger: logger) { tx in try await tx.one("SELECT 1").decode(Int.self) }
            #expect(one == 1)
        }
    }

    /// A measure of the replicas may take this long here: the suite runs beside sixty others on
    /// two cores, where the node's one second was seen to pass.
    static let measureWithin: Duration = .seconds(15)

    /// Reads go to a replica that has replayed what the caller wrote, else to the primary. The
    /// "replica" is the test database through a second pool: it answers its WAL position as a
    /// standby that has replayed everything would.
    @Test func readsGoToAReplicaOnlyOnceItHasTheCallersWrites() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let logger = TestDatabase.logger
            let replicas = ReplicaSet(primary: database, replicas: [.init(name: "r1", database: database)], measureWithin: Self.measureWithin, logger: logger)
            #expect(replicas.choose(caller: 7) == nil, "not seen yet: the primary")
            await replicas.poll()
            #expect(replicas.choose(caller: 7)?.name == "r1")
            #expect(replicas.snapshot.first?.up == true && replicas.snapshot.first?.lagSeconds == 0)

            // A write by caller 7 the replica has not replayed: 7 reads from the primary, 8 does not.
            let written = try await ReplicaSet.position(of: database, logger: logger)
            replicas.noteWrite(caller: 7, lsn: written + 1_000_000)
            #expect(replicas.choose(caller: 7) == nil)
            #expect(replicas.choose(caller: 8)?.name == "r1")

            // Through Database.read: the caller's write committed, noted, and read back.
            var routed = database
            routed.replicas = replicas
            try await routed.withoutTransaction(logger: logger) { tx in try await tx.execute("CREATE TABLE r (id int)") }
            try await ReplicaSet.$writer.withValue(ReplicaSet.Writer(9)) {
                try await routed.transaction(logger: logger) { tx in try await tx.execute("INSERT INTO r VALUES (1)") }
            }
            #expect(replicas.choose(caller: 9) == nil, "the monitor has not seen the replica reach the write yet")
            await replicas.poll()
            #expect(replicas.choose(caller: 9)?.name == "r1")
            let read = try await routed.read(logger: logger, caller: 9) { tx in try await tx.one("SELECT count(*) FROM r").decode(Int.self) }
            #expect(read == 1)

            // A replica that failed is skipped until the monitor sees it again.
            replicas.failed(replicas.replicas[0])
            #expect(replicas.choose(caller: 8) == nil)
            await replicas.poll()
            #expect(replicas.choose(caller: 8)?.name == "r1")
            #expect(try ReplicaSet.parseLSN("16/B374D848") == 0x16_B374_D848)
            #expect(throws: ChainstoreError.self) { try ReplicaSet.parseLSN("nonsense") }
        }
    }
}

extension CommitSafetyTests {
    /// Endpoints' reads (catalogue pages, dashboards, reports) through `CallerSession.read`: on a
    /// replica for a known caller, on the primary for a login not checked yet and for a caller
    /// whose write the replica has not replayed. The "replica" is a second database whose company
    /// is named apart, so each answer tells where it was read.
    @Test func endpointReadsGoToAReplicaForKnownCallersOnly() async throws {
        try await TestDatabase.withFreshDatabase { primary, registry in
            try await TestDatabase.withFreshDatabase { standby, _ in
                let logger = TestDatabase.logger
                _ = try await standby.transaction(logger: logger) { tx in try await tx.execute("UPDATE res_company SET name = 'on the replica'") }
                let replicas = ReplicaSet(primary: primary, replicas: [.init(name: "r1", database: standby)], measureWithin: Self.measureWithin, logger: logger)
                var routed = primary
                routed.replicas = replicas
                await replicas.poll()
                let identity = BaseIdentity()
                let client = Client(address: "127.0.0.1", host: nil, logger: logger)
                _ = try await primary.transaction(logger: logger) { tx in
                    try await Users.setPassword(tx, login: "admin", password: "Replica reads 7", rounds: 1000)
                }
                func company(_ proof: CallerSession.Proof) async throws -> String {
                    let caller = CallerSession(database: routed, proof: proof, identity: identity, registry: registry, client: client)
                    return try await caller.read { store in
                        try await store.read("res.company", ids: [store.env.companyId], fields: ["name"])[0]["name"]?.stringValue ?? ""
                    }
                }
                let admin = try await primary.withoutTransaction(logger: logger) { tx in
                    try await tx.one("SELECT id FROM res_users WHERE login = 'admin'").decode(Int64.self)
                }
                #expect(try await company(.session(uid: admin)) == "on the replica")
                let login = CallerSession.Proof.credentials(.login("admin", secret: "Replica reads 7"))
                #expect(try await company(login) != "on the replica", "a login not checked yet: the primary")
                #expect(try await company(login) == "on the replica", "checked once, remembered: the replica")

                // A write through CallerSession notes the caller's fence: its next read waits for it.
                let writer = CallerSession(database: routed, proof: login, identity: identity, registry: registry, client: client)
                _ = try await writer.run(transaction: true) { store in
                    try await store.create("res.partner", [["name": "read your writes"]])
                }
                #expect(try await company(.session(uid: admin)) != "on the replica", "its own write not replayed yet: the primary")
                await replicas.poll()
                #expect(try await company(.session(uid: admin)) == "on the replica")
            }
        }
    }
}

extension CommitSafetyTests {
    /// A pool whose server is gone keeps a request waiting while it retries: a read on a replica
    /// gives up its wait after the limit (then reads from the primary), and its work never runs.
    @Test func aWaitForAConnectionThatNeverComesIsGivenUp() async throws {
        let logger = TestDatabase.logger
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", port: 9, username: "nobody", password: nil, database: "gone", tls: .disable), backgroundLogger: logger)
        let gone = Database(name: "gone", client: client)
        let ran = Atomic<Bool>(false)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            let started = ContinuousClock.now
            await #expect(throws: Database.LeaseTimedOut.self) {
                try await gone.withoutTransaction(logger: logger, leaseWithin: .milliseconds(500)) { tx in
                    ran.store(true, ordering: .relaxed)
                    return try await tx.one("SELECT 1").decode(Int.self)
                }
            }
            #expect(ContinuousClock.now - started < .seconds(2))
            let bodyRan = ran.load(ordering: .relaxed)
            #expect(!bodyRan)
            group.cancelAll()
        }
        // A server that answers is unaffected by the limit.
        try await TestDatabase.withFreshDatabase { database, _ in
            let one = try await database.withoutTransaction(logger: logger, leaseWithin: .milliseconds(500)) { tx in try await tx.one("SELECT 1").decode(Int.self) }
            #expect(one == 1)
        }
    }
}

extension ReplicaSet.Replica: Equatable {
    public static func == (a: Self, b: Self) -> Bool { a.name == b.name }
}
