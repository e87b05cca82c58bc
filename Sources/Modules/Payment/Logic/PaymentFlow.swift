import ChainstoreCore
import ChainstoreDB
import Crypto
import Foundation
import Logging
import Payments
import PostgresNIO

/// The payment algorithm of payments.md §5.1, with every step written down before it is taken:
/// the attempt is stored (pending) and committed before the channel hears of it; a definite
/// answer settles it; anything else is polled until the deadline and then reversed (cancelled),
/// again and again until the channel confirms. No second charge is ever sent for an attempt; a
/// node that dies mid-flow leaves a lease that expires, and `sweep` (the cron role) settles what
/// is left. Each change of state is one compare-and-set statement with its audit row.
public struct PaymentFlow: Sendable {
    public struct Timing: Sendable {
        /// From sending the payment to giving up on the payer (WeChat closes after ~45 s).
        public var deadline: Duration = .seconds(45)
        public var firstQuery: Duration = .seconds(3)
        public var afterSystemError: Duration = .seconds(5)
        public var interval: Duration = .seconds(3)
        public var reverseAttempts = 10
        public var reverseInterval: Duration = .seconds(2)
        /// How long a node may hold an attempt before another node takes it over.
        public var lease: Duration = .seconds(90)
        /// How long a QR code on the customer display may be paid before the order is closed.
        public var qrDeadline: Duration = .seconds(120)
        /// How long a refund the channel accepted is followed before the sweeper takes over.
        public var refundFollow: Duration = .seconds(10)
        public init() {}
    }

    public struct Attempt: Sendable, Equatable {
        public let id: Int64, reference: String, channel: PaymentChannel, state: PaymentState, amount: Int64
        public let channelTradeNo: String?, code: String?, alarm: Bool
        public let kind: String, qrCodeURL: String?, refunded: Int64
        let maskedCode: String

        public var value: Value {
            .dict([
                "id": .int(id), "reference": .string(reference), "channel": .string(channel.rawValue), "state": .string(state.rawValue),
                "amount": .int(amount), "channel_trade_no": channelTradeNo.map(Value.string) ?? .false, "code": code.map(Value.string) ?? .false,
                "alarm": .bool(alarm), "kind": .string(kind), "qr_code_url": qrCodeURL.map(Value.string) ?? .false, "refunded": .int(refunded),
            ])
        }
    }

    public let database: Database
    public let gateways: [PaymentChannel: any PaymentGateway]
    public var timing = Timing()
    public let logger: Logger

    public init(database: Database, gateways: [PaymentChannel: any PaymentGateway], logger: Logger) {
        self.database = database
        self.gateways = gateways
        self.logger = logger
    }

    /// The merchant order number of attempt `attempt` of till order `orderKey` of `company`: the
    /// same till request sent twice is the same attempt, never a second charge, and two
    /// companies' order keys never meet. 26 characters of [0-9A-Z].
    public static func reference(company: Int64, orderKey: String, attempt: Int) -> String {
        "P" + SHA256.hash(data: Data("\(company)#\(orderKey)#\(attempt)".utf8)).hexDigits(uppercase: true).prefix(25)
    }

    /// What the channel is sent as the goods' description: WeChat's `body` takes at most 127
    /// bytes, Alipay's `subject` 256 characters; cut on a character boundary.
    static func fitted(_ subject: String, for channel: PaymentChannel) -> String {
        var out = ""
        // The bills are comma-separated without quoting: a comma in the goods' name would shift
        // the columns after it. Line breaks likewise.
        let subject = subject.replacingOccurrences(of: ",", with: "，").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        for character in subject {
            let next = out + String(character)
            if channel == .wechat ? next.utf8.count > 127 : next.count > 256 { break }
            out = next
        }
        return out.isEmpty ? "Chainstore" : out
    }

    func milliseconds(_ duration: Duration) -> String {
        "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) milliseconds"
    }

    /// Takes a payment: stores the attempt, sends it, and follows it to a final state (or, past
    /// the deadline and with the channel unreachable, leaves it to the sweeper). A repeated
    /// request for the same order and attempt sends nothing and answers the attempt as it is.
    public func pay(env: Env, orderKey: String, attempt: Int, authCode: String, amount: Int64, subject: String, company: Int64) async throws -> Attempt {
        guard let channel = PaymentChannel.route(authCode: authCode), let gateway = gateways[channel] else {
            throw ChainstoreError.valueError("This payment code is neither WeChat Pay nor Alipay (or that channel is not configured here).")
        }
        try Self.check(orderKey: orderKey, attempt: attempt, amount: amount)
        let reference = Self.reference(company: company, orderKey: orderKey, attempt: attempt)
        let subject = Self.fitted(subject, for: channel)
        let (created, stored) = try await create(env: env, reference: reference, orderKey: orderKey, attempt: attempt, channel: channel,
                                                 maskedCode: PaymentChannel.masked(authCode), amount: amount, subject: subject, company: company, kind: "code",
                                                 deadline: timing.deadline)
        guard created else {
            guard stored.kind == "code", stored.amount == amount, stored.channel == channel, stored.maskedCode.suffix(4) == authCode.suffix(4) else {
                throw ChainstoreError.valueError("Attempt \(attempt) of this order was made with another amount or payment code; start a new attempt.")
            }
            return stored
        }
        // Only the request that created the attempt sends it, right after the commit; its
        // deadline runs from there.
        let reply = await gateway.pay(reference: reference, authCode: authCode, amount: amount, subject: subject)
        logger.info("payment sent", metadata: ["reference": "\(reference)", "channel": "\(channel.rawValue)", "outcome": "\(reply.outcome.rawValue)",
                                               "code": "\(reply.code ?? "")"])
        switch reply.outcome {
        case .paid: return try await settle(stored, to: .paid, reply: reply, env: env)
        case .failed: return try await settle(stored, to: .failed, reply: reply, env: env)
        case .userPaying:
            let waiting = try await transition(stored, from: [.pending], to: .userPaying, env: env, reply: reply)
            return try await follow(waiting, gateway: gateway, env: env, firstWait: timing.firstQuery)
        default:
            let unknown = try await transition(stored, from: [.pending], to: .unknown, env: env, reply: reply)
            let wait = reply.code == "SYSTEMERROR" || reply.code == "ACQ.SYSTEM_ERROR" ? timing.afterSystemError : timing.firstQuery
            return try await follow(unknown, gateway: gateway, env: env, firstWait: wait)
        }
    }

    static func check(orderKey: String, attempt: Int, amount: Int64) throws {
        guard amount > 0, amount <= 10_000_000_000 else { throw ChainstoreError.valueError("The amount must be between 1 fen and 100,000,000 yuan.") }
        guard !orderKey.isEmpty, orderKey.utf8.count <= 64, attempt > 0, attempt < 1000 else {
            throw ChainstoreError.valueError("order_key (at most 64 characters) and attempt (1–999) identify the attempt.")
        }
    }

    /// Stores a new attempt (pending, leased to this node, sent from now on: the caller sends it
    /// once this commits) unless this order and attempt number exist; one basket has at most one
    /// live or paid attempt. Answers whether it was created.
    func create(
        env: Env, reference: String, orderKey: String, attempt: Int, channel: PaymentChannel, maskedCode: String, amount: Int64, subject: String,
        company: Int64, kind: String, deadline: Duration
    ) async throws -> (Bool, Attempt) {
        let (leaseText, deadlineText) = (milliseconds(timing.lease), milliseconds(deadline))
        return try await database.transaction(logger: logger) { tx in
            // One basket, one live attempt: attempts of the same order wait for each other here.
            try await tx.query("SELECT pg_advisory_xact_lock(hashtext(\("\(company)#\(orderKey)")))")
            let others: SQLBuilder = """
                SELECT attempt, state FROM payment_transaction WHERE company_id = \(company) AND order_key = \(orderKey) AND attempt <> \(attempt)
                AND state = ANY(\(PaymentState.open + [.paid])) LIMIT 1
                """
            if let row = try await tx.query(others).first {
                let (other, state) = try row.decode((Int, String).self)
                throw ChainstoreError.userError(state == "paid"
                    ? "Attempt \(other) of this order is already paid; nothing more is charged."
                    : "Attempt \(other) of this order is still being settled (\(state)); cancel it before a new attempt.")
            }
            let sql: SQLBuilder = """
                INSERT INTO payment_transaction (reference, order_key, attempt, channel, amount, auth_code_masked, subject, kind, state, sent_at,
                                                 deadline, lease_until, company_id, create_uid, create_date, write_uid, write_date)
                VALUES (\(reference), \(orderKey), \(attempt), \(channel), \(Decimal(amount)), \(maskedCode), \(String(subject.prefix(120))), \(kind),
                        \(PaymentState.pending), now(), now() + \(deadlineText)::interval, now() + \(leaseText)::interval, \(company), \(env.uid), now(),
                        \(env.uid), now())
                ON CONFLICT DO NOTHING RETURNING \(unsafeRaw: Self.columns)
                """
            if let row = try await tx.query(sql).first {
                let created = try Self.attempt(row)
                try await AuditTrail.record(tx, env: env, model: "payment.transaction", [
                    .init(recordId: created.id, companyId: company, operation: .create, newValues: [
                        "reference": .string(reference), "state": "pending", "amount": .int(amount), "channel": .string(channel.rawValue),
                    ]),
                ])
                return (true, created)
            }
            return (false, try await Self.load(tx, reference: reference))
        }
    }

    /// Polls until the channel says paid or failed, or the deadline passes; then reverses.
    func follow(_ attempt: Attempt, gateway: any PaymentGateway, env: Env, firstWait: Duration) async throws -> Attempt {
        var current = attempt
        var wait = firstWait
        while try await !pastDeadline(current.id, after: wait) {
            try await Task.sleep(for: wait)
            wait = timing.interval
            let reply = await gateway.query(reference: current.reference, amount: current.amount)
            switch reply.outcome {
            case .paid where !reply.alarm: return try await settle(current, to: .paid, reply: reply, env: env)
            case .failed: return try await settle(current, to: .failed, reply: reply, env: env)
            case .reversed: return try await settle(current, to: .reversed, reply: reply, env: env)
            default:
                if reply.alarm { current = try await transition(current, from: PaymentState.open, to: .unknown, env: env, reply: reply, alarm: true) }
            }
        }
        return try await reverse(current, gateway: gateway, env: env)
    }

    /// Reverses (WeChat) or cancels (Alipay) until the channel confirms; if it never does, the
    /// attempt stays reversing with an alarm and the sweeper tries again.
    func reverse(_ attempt: Attempt, gateway: any PaymentGateway, env: Env) async throws -> Attempt {
        var current = try await transition(attempt, from: PaymentState.open, to: .reversing, env: env)
        var round = 0
        while round < timing.reverseAttempts {
            if round > 0 { try await Task.sleep(for: timing.reverseInterval) }
            round += 1
            _ = try await pastDeadline(current.id, after: .zero)
            let reply = await gateway.reverse(reference: current.reference)
            let noSuchOrder = reply.code == "ORDERNOTEXIST" || reply.code == "ACQ.TRADE_NOT_EXIST"
            if noSuchOrder, try await !payWindowClosed(current.id) {
                // The payment may still be on its way to the channel: wait, and ask again.
                round -= 1
                try await Task.sleep(for: max(timing.reverseInterval, .seconds(1)))
                continue
            }
            if reply.outcome == .reversed, !reply.again { return try await settle(current, to: .reversed, reply: reply, env: env) }
        }
        current = try await transition(current, from: [.reversing], to: .reversing, env: env, alarm: true)
        logger.error("payment could not be reversed; the sweeper will retry", metadata: ["reference": "\(current.reference)"])
        return current
    }

    /// Settles attempts nobody is following any more (a node died, a restart): each is claimed
    /// with a lease (`SKIP LOCKED`, so nodes share the work), queried, and reversed once past its
    /// deadline. Returns how many were claimed.
    @discardableResult
    public func sweep(env: Env, limit: Int = 50) async throws -> Int {
        let claimed = try await claimLeftOpen("payment_transaction", states: PaymentState.open.map(\.rawValue), limit: limit)
        try await Self.forEach(claimed, concurrently: 8) { reference in try await settleLeftOpen(reference, env: env) }
        return claimed.count + (try await sweepRefunds(env: env, limit: limit))
    }

    /// Claims up to `limit` rows of `table` in one of `states` whose lease expired, under a new
    /// lease (`SKIP LOCKED`: nodes sweeping at once share the rows), and answers their references.
    func claimLeftOpen(_ table: String, states: [String], limit: Int) async throws -> [String] {
        try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("UPDATE \(unsafeRaw: table) t SET swept = swept + 1, lease_until = now() + ")
            Self.backoff(&sql, lease: milliseconds(timing.lease))
            sql += " WHERE t.id IN (SELECT id FROM \(table) WHERE state = ANY("
            sql.bind(.textArray(states), cast: "text[]")
            sql += ") AND (lease_until IS NULL OR lease_until < now()) ORDER BY id LIMIT "
            sql.bind(.int(Int64(limit)))
            sql += " FOR UPDATE SKIP LOCKED) RETURNING t.reference"
            return try await tx.query(sql).map { try $0.decode(String.self) }
        }
    }

    /// The lease a sweep takes: the usual one the first times, then doubling with every turn
    /// (from the fourth), up to an hour: an attempt the channel keeps refusing to reverse is
    /// retried less and less often, and never forgotten.
    static func backoff(_ sql: inout SQLBuilder, lease: String) {
        sql += "least(interval '1 hour', "
        sql.bind(.text(lease), cast: "interval")
        sql += " * power(2, greatest(0, least(swept - 2, 12))))"
    }

    /// Runs `body` for every item, at most `width` at once.
    static func forEach(_ items: [String], concurrently width: Int, _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = items.makeIterator()
            for _ in 0..<width { if let item = next.next() { group.addTask { try await body(item) } } }
            while try await group.next() != nil { if let item = next.next() { group.addTask { try await body(item) } } }
        }
    }

    /// One attempt the sweep claimed: asked about, and reversed (closed) once past its deadline.
    func settleLeftOpen(_ reference: String, env: Env) async throws {
        do {
            let attempt = try await database.transaction(logger: logger) { tx in try await Self.load(tx, reference: reference) }
            guard let gateway = gateways[attempt.channel], !attempt.state.isFinal else { return }
            logger.notice("settling a payment left open", metadata: ["reference": "\(reference)", "state": "\(attempt.state.rawValue)"])
            if attempt.kind == "qr", let qr = gateway as? any QRCodeGateway {
                _ = try await settleQR(attempt, gateway: qr, env: env, untilDeadline: false)
                return
            }
            if attempt.state == .reversing {
                _ = try await reverse(attempt, gateway: gateway, env: env)
                return
            }
            let reply = await gateway.query(reference: attempt.reference, amount: attempt.amount)
            switch reply.outcome {
            case .paid where !reply.alarm: _ = try await settle(attempt, to: .paid, reply: reply, env: env)
            case .failed: _ = try await settle(attempt, to: .failed, reply: reply, env: env)
            case .reversed: _ = try await settle(attempt, to: .reversed, reply: reply, env: env)
            default:
                var current = attempt
                if reply.alarm { current = try await transition(attempt, from: PaymentState.open, to: .unknown, env: env, reply: reply, alarm: true) }
                if try await pastDeadline(attempt.id, after: .zero) { _ = try await reverse(current, gateway: gateway, env: env) }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // One attempt's trouble does not hold up the others; its lease brings it back.
            logger.warning("payment left open for the next sweep", metadata: ["reference": "\(reference)", "error": "\(error)"])
        }
    }

    /// The cashier gives up on an attempt that is not final: it is reversed (or cancelled).
    public func cancel(env: Env, reference: String) async throws -> Attempt {
        let attempt = try await database.transaction(logger: logger) { tx in try await Self.load(tx, reference: reference) }
        guard !attempt.state.isFinal else { return attempt }
        guard let gateway = gateways[attempt.channel] else { throw ChainstoreError.userError("The \(attempt.channel.rawValue) channel is not configured here.") }
        if attempt.kind == "qr", let qr = gateway as? any QRCodeGateway { return try await closeQR(attempt, gateway: qr, env: env) }
        return try await reverse(attempt, gateway: gateway, env: env)
    }

    // MARK: - State changes

    /// Once a reversal has begun, only `reversed` ends it: a late "paid" must not hide that
    /// the money is being sent back.
    func settle(_ attempt: Attempt, to state: PaymentState, reply: ChannelReply, env: Env) async throws -> Attempt {
        let from: [PaymentState] = state == .reversed ? PaymentState.open : [.pending, .userPaying, .unknown]
        return try await transition(attempt, from: from, to: state, env: env, reply: reply, settles: true)
    }

    /// Compare-and-set: moves the attempt from one of `from` to `to`, with its audit row, in
    /// one transaction. If another node moved it first, the attempt is answered as it now is.
    @discardableResult
    func transition(
        _ attempt: Attempt, from: [PaymentState], to state: PaymentState, env: Env, reply: ChannelReply? = nil, alarm: Bool = false,
        settles: Bool = false, qrCodeURL: String? = nil
    ) async throws -> Attempt {
        try await database.transaction(logger: logger) { tx in
            let sql: SQLBuilder = """
                UPDATE payment_transaction SET state = \(state)\(Self.setReply(reply, idColumn: "channel_trade_no", alarm: alarm || reply?.alarm == true)),
                    settled_at = CASE WHEN \(settles) THEN now() ELSE settled_at END, lease_until = CASE WHEN \(settles) THEN NULL ELSE lease_until END,
                    qr_code_url = coalesce(\(qrCodeURL), qr_code_url), write_uid = \(env.uid), write_date = now()
                WHERE id = \(attempt.id) AND state = ANY(\(from)) RETURNING company_id, \(unsafeRaw: Self.columns)
                """
            guard let row = try await tx.query(sql).first else { return try await Self.load(tx, reference: attempt.reference) }
            let moved = try Self.attempt(row, from: 1)
            if state != attempt.state || alarm || reply?.alarm == true {
                var values: RecordValues = ["state": .string(state.rawValue)]
                if let code = reply?.code { values["error_code"] = .string(code) }
                if let trade = reply?.channelId { values["channel_trade_no"] = .string(trade) }
                if alarm || reply?.alarm == true { values["alarm"] = true }
                try await AuditTrail.record(tx, env: env, model: "payment.transaction", [
                    .init(recordId: attempt.id, companyId: try row.decode(Int64?.self), operation: .write,
                          oldValues: ["state": .string(attempt.state.rawValue)], newValues: values),
                ])
                // Screens following the attempt (the customer display) hear it at commit.
                try await Bus.send(tx, [Bus.Notification(
                    channel: Bus.channel(database.name, "payment.transaction", moved.id), type: "payment.transaction/state", payload: moved.value)],
                    uid: env.uid)
            }
            return moved
        }
    }

    /// `, idColumn = …, error_code = …, error_message = …, alarm = …` of an UPDATE: what the
    /// channel said is kept (an answer without an id or code keeps the earlier one), and an
    /// alarm once raised stays.
    static func setReply(_ reply: ChannelReply?, idColumn: String, alarm: Bool) -> SQLBuilder {
        """
        , \(unsafeRaw: idColumn) = coalesce(\(reply?.channelId), \(unsafeRaw: idColumn)), error_code = coalesce(\(reply?.code), error_code),
        error_message = coalesce(\(reply?.message.map { String($0.prefix(200)) }), error_message), alarm = alarm OR \(alarm)
        """
    }

    /// Whether the attempt's deadline falls within `wait`; also renews this node's lease on it
    /// (a flow that is still following an attempt keeps the sweeper away).
    func pastDeadline(_ id: Int64, after wait: Duration) async throws -> Bool {
        try await renewLease(id, after: wait).past
    }

    /// `pastDeadline`, with the attempt as it now is.
    func renewLease(_ id: Int64, after wait: Duration) async throws -> (past: Bool, attempt: Attempt?) {
        let (waitText, leaseText, deadlineText) = (milliseconds(wait), milliseconds(timing.lease), milliseconds(timing.deadline))
        return try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("UPDATE payment_transaction SET lease_until = greatest(lease_until, now() + ")
            sql.bind(.text(leaseText), cast: "interval")
            sql += ") WHERE id = "
            sql.bind(.int(id))
            sql += " RETURNING coalesce(deadline, create_date + "
            sql.bind(.text(deadlineText), cast: "interval")
            sql += ") <= now() + "
            sql.bind(.text(waitText), cast: "interval")
            sql += ", "
            sql += Self.columns
            guard let row = try await tx.query(sql).first else { return (true, nil) }
            return (try row.decode(Bool.self), try Self.attempt(row, from: 1))
        }
    }

    /// Whether a payment sent for this attempt can no longer reach the channel (the pay call's
    /// time limit and a margin have passed since it was sent), so "no such order" is final.
    func payWindowClosed(_ id: Int64) async throws -> Bool {
        try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("SELECT sent_at IS NULL OR sent_at < now() - interval '30 seconds' FROM payment_transaction WHERE id = ")
            sql.bind(.int(id))
            return try await tx.query(sql).first?.decode(Bool.self) ?? true
        }
    }

    public static func load(_ tx: Transaction, reference: String) async throws -> Attempt {
        var sql = SQLBuilder("SELECT ")
        sql += columns
        sql += " FROM payment_transaction WHERE reference = "
        sql.bind(.text(reference))
        guard let row = try await tx.query(sql).first else { throw ChainstoreError.missing("No payment attempt \(reference).") }
        return try attempt(row)
    }

    /// What an `Attempt` is read from (selected, or returned by an INSERT or UPDATE).
    static let columns = "id, reference, channel, state, amount::bigint, channel_trade_no, error_code, alarm, coalesce(auth_code_masked, ''), kind, "
        + "qr_code_url, refunded::bigint"

    /// An attempt from `columns`, starting at column `from` of the row.
    static func attempt(_ row: PostgresRow, from first: Int = 0) throws -> Attempt {
        let cells = Array(row)
        func cell<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T { try cells[first + index].decode(T.self, context: .default) }
        let (channel, state) = (try cell(2, String.self), try cell(3, String.self))
        return Attempt(id: try cell(0, Int64.self), reference: try cell(1, String.self), channel: PaymentChannel(rawValue: channel) ?? .wechat,
                       state: PaymentState(rawValue: state) ?? .unknown, amount: try cell(4, Int64.self), channelTradeNo: try cell(5, String?.self),
                       code: try cell(6, String?.self), alarm: try cell(7, Bool.self), kind: try cell(9, String.self), qrCodeURL: try cell(10, String?.self),
                       refunded: try cell(11, Int64.self), maskedCode: try cell(8, String.self))
    }
}
