import ChainstoreCore
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// What a failed transaction means for the caller when the database may fail over under it.
///
/// - A connection lost (or refused) *before* COMMIT was sent: nothing was saved; the call may be
///   repeated (`ChainstoreError.Code.unavailable`).
/// - A connection lost *during* COMMIT: the outcome is unknown — PostgreSQL may have committed
///   and replicated it, or not. It is never retried blindly: the caller repeats it with the
///   same idempotency key (an order's uuid, a payment's out_trade_no), which finds the first
///   attempt if it was saved (`commitUnknown`).
/// - A COMMIT that PostgreSQL acknowledged with the warning "canceling wait for synchronous
///   replication" (someone cancelled the wait for the standby): saved on the primary only, and
///   lost if the primary fails now. Reported as `commitUnknown`, never as success.
public enum CommitSafety {
    static func beforeCommit(_ error: any Error) -> any Error {
        guard isConnectionLost(error) else { return error }
        return ChainstoreError(
            .unavailable, "The database could not be reached (a failover may be in progress); nothing was saved. Please retry.",
            underlying: error)
    }

    static func duringCommit(_ error: any Error) -> any Error {
        guard isConnectionLost(error) else { return error }
        return ChainstoreError(
            .commitUnknown,
            "The connection to the database was lost while saving: the change may or may not have been saved. "
                + "Retry with the same idempotency key (it is found if it was saved).",
            underlying: error)
    }

    static let notReplicated = ChainstoreError(
        .commitUnknown,
        "The change was saved on the primary database but its synchronous standby did not confirm it (the wait was cancelled): "
            + "it could be lost in a failover. Check it, then retry with the same idempotency key.")

    /// The database failed the work, not the work itself: out of reach, or a commit whose
    /// outcome is unknown.
    public static func isTransient(_ error: any Error) -> Bool {
        (error as? ChainstoreError)?.code == .commitUnknown || isConnectionLost(error)
    }

    /// The connection is gone or going (closed by either side, refused, reset), or the server
    /// ends the session (shutting down, crashed, a standby that cannot take connections yet).
    public static func isConnectionLost(_ error: any Error) -> Bool {
        if let chainstore = error as? ChainstoreError {
            return chainstore.code == .unavailable || chainstore.underlying.map(isConnectionLost) ?? false
        }
        guard let psql = error as? PSQLError else { return error is ChannelError || error is IOError }
        switch psql.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08xxx connection exceptions.
            return state.hasPrefix("57P0") || state.hasPrefix("08")
        default:
            return false
        }
    }
}

/// Watches a connection's incoming protocol stream for PostgreSQL's "canceling wait for
/// synchronous replication" warning, which PostgresNIO drops with every other notice. It reads
/// the bytes as they pass (framing the messages: a type byte and a length) and changes nothing.
/// Installed once per connection, in front of PostgresNIO's handler (after TLS when there is one).
final class SyncRepNoticeWatcher: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let cancelled = Atomic<Bool>(false)
    /// Framing state, touched on the channel's event loop only.
    private let framing = NIOLockedValueBox(Framing())

    private struct Framing {
        /// Header bytes of the next message seen so far (type + 4-byte length).
        var header: [UInt8] = []
        /// Bytes of the current message still to pass.
        var remaining = 0
        /// The body of the current notice, kept to be read when complete.
        var notice: [UInt8]?
    }

    /// Whether a cancelled synchronous-replication wait was reported since the last call.
    func takeCancelled() -> Bool { cancelled.exchange(false, ordering: .acquiringAndReleasing) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let warned = buffer.withUnsafeReadableBytes { bytes in framing.withLockedValue { Self.scan(bytes, &$0) } }
        if warned { cancelled.store(true, ordering: .releasing) }
        context.fireChannelRead(data)
    }

    /// Walks the bytes message by message; true when a complete notice is the warning.
    private static func scan(_ bytes: UnsafeRawBufferPointer, _ state: inout Framing) -> Bool {
        var warned = false
        var index = 0
        while index < bytes.count {
            if state.remaining == 0 {
                state.header.append(bytes[index])
                index += 1
                guard state.header.count == 5 else { continue }
                let length = state.header[1...4].reduce(0) { $0 << 8 | Int($1) } - 4
                state.notice = state.header[0] == UInt8(ascii: "N") && length < 64 << 10 ? [] : nil
                state.header.removeAll(keepingCapacity: true)
                state.remaining = max(length, 0)
                if state.remaining == 0, state.notice != nil { state.notice = nil }
                continue
            }
            let take = min(state.remaining, bytes.count - index)
            state.notice?.append(contentsOf: bytes[index..<index + take])
            state.remaining -= take
            index += take
            if state.remaining == 0, let body = state.notice {
                state.notice = nil
                if isCancelledSyncWait(body) { warned = true }
            }
        }
        return warned
    }

    /// A NoticeResponse body: fields of a type byte and a NUL-terminated text, then a NUL.
    static func isCancelledSyncWait(_ body: [UInt8]) -> Bool {
        var fields: [UInt8: String] = [:]
        var index = 0
        while index < body.count, body[index] != 0 {
            let type = body[index]
            guard let end = body[(index + 1)...].firstIndex(of: 0) else { break }
            fields[type] = String(decoding: body[(index + 1)..<end], as: UTF8.self)
            index = end + 1
        }
        // 'C' the SQLSTATE (01000 for a cancel, 57P01 for a termination), 'M' the message, which
        // is read in English: the server's lc_messages must be C or en (README, High availability).
        guard ["01000", "57P01"].contains(fields[UInt8(ascii: "C")] ?? ""), let message = fields[UInt8(ascii: "M")] else { return false }
        return message.contains("wait for synchronous replication")
    }
}

/// The watchers of the pool's connections, by connection id.
final class SyncRepWatch: Sendable {
    static let shared = SyncRepWatch()
    /// By channel: a connection's id is only unique within its pool, and a node has several
    /// (the primary's, each replica's), so two connections may share one.
    private let watchers = Mutex<[ObjectIdentifier: SyncRepNoticeWatcher]>([:])

    /// The connection's watcher, installed on first use. Nil when its channel cannot be reached
    /// (PostgresNIO keeps it internal: it is read by reflection, checked here).
    func watcher(for connection: PostgresConnection) async -> SyncRepNoticeWatcher? {
        guard let channel = Mirror(reflecting: connection).children.first(where: { $0.label == "channel" })?.value as? any Channel else {
            return nil
        }
        let key = ObjectIdentifier(channel)
        if let known = watchers.withLock({ $0[key] }) { return known }
        let watcher = SyncRepNoticeWatcher()
        do {
            try await channel.eventLoop.submit {
                let pipeline = channel.pipeline.syncOperations
                if let tls = try? pipeline.handler(type: NIOSSLClientHandler.self) {
                    try pipeline.addHandler(watcher, position: .after(tls))
                } else {
                    try pipeline.addHandler(watcher, position: .first)
                }
            }.get()
        } catch {
            return nil
        }
        channel.closeFuture.whenComplete { [weak self] _ in self?.forget(key) }
        watchers.withLock { $0[key] = watcher }
        return watcher
    }

    private func forget(_ key: ObjectIdentifier) { _ = watchers.withLock { $0.removeValue(forKey: key) } }
}
