import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

/// The bus: notifications written in the business transaction, read once per node by commit
/// (never lost to rows committed out of id order), channels granted by record rules.
@Suite("Bus: transaction-safe dispatch, catch-up, channel rights", .enabled(if: TestDatabase.isAvailable))
struct BusTests {
    static let log = TestDatabase.logger

    /// The next batch of `subscription`, or nil after `wait`.
    static func next(_ subscription: BusDispatcher.Subscription, wait: Duration = .seconds(10)) async -> [Bus.Row]? {
        await withTaskGroup(of: [Bus.Row]?.self) { group in
            group.addTask { for await batch in subscription.rows { return batch }; return nil }
            group.addTask { try? await Task.sleep(for: wait); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// A transaction that has written `text` on `channel` and commits when `commit` is called.
    static func uncommitted(_ db: Database, _ channel: String, _ text: String) async -> (commit: @Sendable () -> Void, done: Task<Void, any Error>) {
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let (inserted, written) = AsyncStream.makeStream(of: Void.self)
        let done = Task {
            defer { written.finish() }  // a transaction that failed before writing does not leave the caller waiting
            try await db.transaction(logger: Self.log) { tx in
                try await Self.send(tx, channel, text)
                written.yield()
                for await _ in gate { break }
            }
        }
        for await _ in inserted { break }
        return ({ open.yield() }, done)
    }

    static func send(_ tx: Transaction, _ channel: String, _ text: String) async throws {
        try await Bus.send(tx, [Bus.Notification(channel: channel, type: "test/note", payload: .dict(["text": .string(text)]))])
    }

    @Test func aNotificationCommittedAfterALaterOneIsStillDeliveredOnce() async throws {
        try await TestDatabase.withFreshDatabase { db, _ in
            let channel = Bus.channel(db.name, "res.partner", 1)
            let bus = BusDispatcher(safetyInterval: .milliseconds(200), logger: Self.log)
            let subscription = bus.subscribe(db, channels: [channel])
            defer { bus.cancel(subscription) }
            await bus.ready(subscription)
            // The first writer takes the smaller id and commits last.
            let slow = await Self.uncommitted(db, channel, "first")
            try await db.transaction(logger: Self.log) { tx in try await Self.send(tx, channel, "second") }
            let early = try #require(await Self.next(subscription))
            #expect(early.count == 1 && early[0].message.contains("second"))
            slow.commit()
            try await slow.done.value
            let late = try #require(await Self.next(subscription))
            #expect(late.count == 1 && late[0].message.contains("first") && late[0].id < early[0].id)
            // Nothing more: the later reads skip both transactions.
            #expect(await Self.next(subscription, wait: .seconds(1)) == nil)
            #expect(late[0].json.hasPrefix(#"{"id":\#(late[0].id),"message":{"type":"test/note","payload":{"text":"first"}}"#))
        }
    }

    /// A client looks back (`Bus.backlog`) once its subscription is `ready`: a row whose
    /// transaction commits right after that reaches it live, even from a reader that has just
    /// started (whose first read only marks where it begins). Each round starts a new reader,
    /// with the row written but not committed when the client subscribes.
    @Test func aRowCommittedRightAfterTheLookBackReachesANewSubscription() async throws {
        try await TestDatabase.withFreshDatabase { db, _ in
            let channel = Bus.channel(db.name, "res.partner", 3)
            for round in 0..<5 {
                let writer = await Self.uncommitted(db, channel, "round \(round)")
                let bus = BusDispatcher(logger: Self.log)
                let subscription = bus.subscribe(db, channels: [channel])
                defer { bus.cancel(subscription) }
                await bus.ready(subscription)
                // (A client's look back would be here; the row is not committed yet.)
                writer.commit()
                try await writer.done.value
                let live = await Self.next(subscription, wait: .seconds(5))
                #expect(live?.map(\.message).contains { $0.contains("round \(round)") } == true, "round \(round)")
            }
        }
    }

    @Test func aClientComingBackWithItsLastIdMissesNothingKept() async throws {
        try await TestDatabase.withFreshDatabase { db, _ in
            let mine = Bus.channel(db.name, "res.partner", 7), other = Bus.channel(db.name, "res.partner", 8)
            for text in ["a", "b", "c"] {
                try await db.transaction(logger: Self.log) { tx in
                    try await Self.send(tx, mine, text)
                    try await Self.send(tx, other, text)
                }
            }
            let all = try await db.withoutTransaction(logger: Self.log) { tx in try await Bus.backlog(tx, channels: [mine], last: 0) }
            #expect(all.map(\.channel) == [mine, mine, mine])
            let after = try await db.withoutTransaction(logger: Self.log) { tx in try await Bus.backlog(tx, channels: [mine], last: all[0].id) }
            #expect(Set(after.map(\.id)).isSuperset(of: [all[1].id, all[2].id]))
            #expect(try await db.withoutTransaction(logger: Self.log) { tx in try await Bus.isBeyondRetention(tx, last: all[2].id) } == false)
            // A day later the rows are purged: a client still holding an old id must reload.
            _ = try await db.transaction(logger: Self.log) { tx in try await tx.query("UPDATE bus_bus SET create_date = now() - interval '2 days'") }
            try await db.transaction(logger: Self.log) { tx in try await Self.send(tx, mine, "d") }
            #expect(try await Bus.purge(db, logger: Self.log) == 6)
            #expect(try await db.withoutTransaction(logger: Self.log) { tx in try await Bus.isBeyondRetention(tx, last: all[0].id) })
        }
    }

    @Test func aCashierHearsItsOwnStoresRecordsOnly() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let own = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                try await store.create("res.partner", [["name": "till 1 customer"]])[0]
            }
            let foreign = try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in
                try await store.create("res.partner", [["name": "till 2 customer"]])[0]
            }
            let name = db.name
            let (allowed, refused) = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                try await Bus.allowedChannels(store, database: name, requested: [
                    Bus.channel(name, "res.partner", own, "display"), Bus.channel(name, "res.partner", foreign), "broadcast",
                    Bus.channel("other_db", "res.partner", own), Bus.channel(name, "no.such.model", 1), #"["\#(name)","secret"]"#,
                    "not json", #"["\#(name)","res.partner","1; DROP TABLE bus_bus"]"#,
                ])
            }
            #expect(allowed == [Bus.channel(name, "broadcast"), Bus.channel(name, "res.partner", own, "display")].sorted())
            #expect(refused.count == 6 && refused.contains(Bus.channel(name, "res.partner", foreign)))
        }
    }
}
