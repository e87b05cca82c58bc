import ChainstoreCore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One per bus node: for each database with subscribers, one `LISTEN cs_bus` connection and one
/// read of new rows per wake-up (never one per client), fanned out in memory to the subscribers
/// of each row's channel.
///
/// The read is safe against rows committed out of id order (Odoo's lost notifications): it takes
/// every row whose transaction id is at least the *watermark* — the oldest transaction still
/// running at the previous read (`pg_snapshot_xmin`) — skipping the transactions it already
/// delivered. A transaction below the watermark had ended before that read, so its rows were
/// seen then; one above it is read again until it commits. Nothing is skipped, nothing sent twice.
public final class BusDispatcher: Sendable {
    /// A client's live feed: batches of rows of its channels, in id order within a batch.
    public final class Subscription: Sendable {
        public let rows: AsyncStream<[Bus.Row]>
        let continuation: AsyncStream<[Bus.Row]>.Continuation
        let key: Int
        let database: String
        let channels: Mutex<Set<String>>
        /// Set when the subscriber fell behind (its buffer was full) and was dropped.
        public let overflowed = Atomic<Bool>(false)

        init(key: Int, database: String, channels: Set<String>, buffer: Int) {
            (rows, continuation) = AsyncStream.makeStream(of: [Bus.Row].self, bufferingPolicy: .bufferingOldest(buffer))
            self.key = key
            self.database = database
            self.channels = Mutex(channels)
        }

        public var subscribed: Set<String> { channels.withLock { $0 } }
    }

    struct Feed {
        var subscribers: [Int: Subscription] = [:]
        var listening: Task<Void, Never>?
        var started = Started()
    }

    /// Whether a database's reader has made its first read, and who waits for it.
    final class Started: Sendable {
        let state = Mutex<(done: Bool, waiting: [Int: CheckedContinuation<Void, Never>])>((false, [:]))
        let nextWaiter = Atomic<Int>(0)

        /// Resumes the waiting (once the first read is made, or when the reader stops).
        func open() {
            let waiting = state.withLock { state in
                state.done = true
                defer { state.waiting = [:] }
                return Array(state.waiting.values)
            }
            for waiter in waiting { waiter.resume() }
        }

        /// Returns once the reader has made its first read, or when the waiting task is cancelled.
        func wait() async {
            let key = nextWaiter.add(1, ordering: .relaxed).newValue
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let now = state.withLock { state -> Bool in
                        if state.done || Task.isCancelled { return true }
                        state.waiting[key] = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                state.withLock { $0.waiting.removeValue(forKey: key) }?.resume()
            }
        }
    }

    private let feeds = Mutex<[String: Feed]>([:])
    private let nextKey = Atomic<Int>(0)
    let logger: Logger
    /// Batches a slow subscriber may have waiting before it is dropped.
    public let buffer: Int
    /// Reads without a wake-up, while anyone listens: a lost notice costs at most this.
    public let safetyInterval: Duration

    public init(buffer: Int = 256, safetyInterval: Duration = .seconds(2), logger: Logger) {
        self.buffer = buffer
        self.safetyInterval = safetyInterval
        self.logger = logger
    }

    /// Starts feeding `channels` of `database` to a new subscription (and the database's reader,
    /// for the first one). `cancel` it when the client goes.
    public func subscribe(_ database: Database, channels: Set<String>) -> Subscription {
        let key = nextKey.add(1, ordering: .relaxed).newValue
        let subscription = Subscription(key: key, database: database.name, channels: channels, buffer: buffer)
        feeds.withLock { all in
            all[database.name, default: Feed()].subscribers[key] = subscription
            if all[database.name]?.listening == nil, let started = all[database.name]?.started {
                all[database.name]?.listening = Task {
                    await self.feed(database, started)
                    started.open()
                }
            }
        }
        return subscription
    }

    /// Returns once `subscription`'s database reader listens and has read (at most `limit`).
    /// Read what a client missed only after this: a row committed between that look back and a
    /// new reader's first read would be in neither (the first read only marks where it starts).
    public func ready(_ subscription: Subscription, limit: Duration = .seconds(5)) async {
        guard let started = feeds.withLock({ $0[subscription.database]?.started }) else { return }
        _ = await Deadline.value(within: limit) { await started.wait() }
    }

    /// Changes what a subscription receives (a new `subscribe` on the same socket).
    public func update(_ subscription: Subscription, channels: Set<String>) {
        subscription.channels.withLock { $0 = channels }
    }

    /// Ends a subscription; the database's reader stops with its last subscriber.
    public func cancel(_ subscription: Subscription) {
        subscription.continuation.finish()
        let reader = feeds.withLock { all -> Task<Void, Never>? in
            all[subscription.database]?.subscribers[subscription.key] = nil
            guard all[subscription.database]?.subscribers.isEmpty == true else { return nil }
            defer { all[subscription.database] = nil }
            return all[subscription.database]?.listening
        }
        reader?.cancel()
    }

    /// Subscribers of `database` now (for metrics and tests).
    public func count(_ database: String) -> Int { feeds.withLock { $0[database]?.subscribers.count ?? 0 } }

    /// The reader of one database: LISTEN, then read on every wake-up and every `safetyInterval`.
    func feed(_ database: Database, _ started: Started) async {
        // Kept across reconnections: rows committed while the listener was away are read then.
        let cursor = CursorState()
        while !Task.isCancelled {
            do {
                try await database.client.withConnection { connection in
                    try await connection.listen(on: Bus.wakeUp) { notices in
                        // Listening: from here no commit goes unheard. The first read sets the
                        // watermark (clients catch up on older rows through `Bus.backlog`).
                        try await self.read(database, cursor)
                        started.open()
                        let wakes = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask {
                                for try await _ in notices { wakes.continuation.yield() }
                                wakes.continuation.finish()
                            }
                            group.addTask {
                                while !Task.isCancelled {
                                    try await Task.sleep(for: self.safetyInterval)
                                    wakes.continuation.yield()
                                }
                            }
                            for await _ in wakes.stream { try await self.read(database, cursor) }
                            group.cancelAll()
                        }
                    }
                }
            } catch where !Task.isCancelled {
                logger.warning("bus listener lost; reconnecting", metadata: ["database": "\(database.name)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            } catch {}
        }
    }

    /// Where a database's reader is: the watermark and the transactions at or above it already
    /// delivered.
    struct Cursor {
        var watermark: UInt64?
        var delivered: Set<UInt64> = []
    }

    /// A database reader's cursor (one reader per database: the lock only satisfies Sendable).
    final class CursorState: Sendable {
        let value = Mutex(Cursor())
    }

    /// One read: new committed rows, fanned out to their channels' subscribers.
    func read(_ database: Database, _ state: CursorState) async throws {
        let watermark = state.value.withLock { $0.watermark }
        let (xmin, rows) = try await database.withoutTransaction(logger: logger) { tx -> (UInt64, [(UInt64, Bus.Row)]) in
            var sql = SQLBuilder("WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin) SELECT s.xmin, b.txid::text, b.id, b.channel, b.message FROM s LEFT JOIN bus_bus b ON ")
            if let watermark {
                sql += "b.txid >= "
                sql.bind(.text(String(watermark)), cast: "text")
                sql += "::xid8"
            } else {
                sql += "false"
            }
            sql += " ORDER BY b.id"
            var xmin: UInt64 = 0
            var rows: [(UInt64, Bus.Row)] = []
            for row in try await tx.query(sql) {
                let (snapshot, txid, id, channel, message) = try row.decode((String, String?, Int64?, String?, String?).self)
                xmin = UInt64(snapshot) ?? 0
                if let txid, let id, let channel, let message, let transaction = UInt64(txid) {
                    rows.append((transaction, Bus.Row(id: id, channel: channel, message: message)))
                }
            }
            return (xmin, rows)
        }
        let fresh = state.value.withLock { cursor -> [Bus.Row] in
            var fresh: [Bus.Row] = []
            var seen = Set<UInt64>()
            for (transaction, row) in rows where !cursor.delivered.contains(transaction) {
                fresh.append(row)
                seen.insert(transaction)
            }
            cursor.delivered.formUnion(seen)
            cursor.delivered = cursor.delivered.filter { $0 >= xmin }
            cursor.watermark = xmin
            return fresh
        }
        if !fresh.isEmpty { deliver(database.name, fresh) }
    }

    /// Hands each subscriber the rows of its channels; one that cannot keep up is dropped.
    func deliver(_ database: String, _ rows: [Bus.Row]) {
        let subscribers = feeds.withLock { Array(($0[database]?.subscribers ?? [:]).values) }
        for subscriber in subscribers {
            let channels = subscriber.subscribed
            let mine = rows.filter { channels.contains($0.channel) }
            guard !mine.isEmpty else { continue }
            if case .dropped = subscriber.continuation.yield(mine) {
                subscriber.overflowed.store(true, ordering: .relaxed)
                subscriber.continuation.finish()
            }
        }
    }
}

extension NodeContext {
    /// The node's bus dispatcher (bus role): one reader per database with subscribers.
    public var bus: BusDispatcher { shared { BusDispatcher(logger: logger) } }
}
