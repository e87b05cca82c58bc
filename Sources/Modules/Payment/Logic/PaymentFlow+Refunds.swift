import ChainstoreCore
import ChainstoreDB
import Crypto
import Foundation
import Logging
import Payments

/// Refunds (payments.md §5.3): each is stored with its own refund id before the channel hears
/// of it, within what the attempt has left (its row locked, so two refunds at once cannot both
/// take the last yuan); a retry of the same request re-sends the same id, which the channel
/// refunds at most once. A refund is done only when the channel says so (its answer, a refund
/// query, or a callback confirmed); then the attempt's refunded total grows, and a fully
/// refunded attempt becomes `refunded`.
extension PaymentFlow {
    public struct Refund: Sendable, Equatable {
        public let id: Int64, reference: String, paymentReference: String, state: RefundState, amount: Int64
        public let channelRefundNo: String?, code: String?, alarm: Bool

        public var value: Value {
            .dict([
                "id": .int(id), "reference": .string(reference), "payment_reference": .string(paymentReference), "state": .string(state.rawValue),
                "amount": .int(amount), "channel_refund_no": channelRefundNo.map(Value.string) ?? .false, "code": code.map(Value.string) ?? .false,
                "alarm": .bool(alarm),
            ])
        }
    }

    /// The refund id of request `requestKey` on an attempt: 26 characters of [0-9A-Z].
    public static func refundReference(payment: String, requestKey: String) -> String {
        "R" + SHA256.hash(data: Data("\(payment)#\(requestKey)".utf8)).hexDigits(uppercase: true).prefix(25)
    }

    /// Refunds `amount` of a paid attempt, for the caller's request `requestKey` (a return's
    /// key): the same request again answers the same refund and sends nothing new.
    public func refund(env: Env, paymentReference: String, requestKey: String, amount: Int64, reason: String) async throws -> Refund {
        guard !requestKey.isEmpty, requestKey.utf8.count <= 64 else { throw ChainstoreError.valueError("request_key (at most 64 characters) is required.") }
        guard amount > 0, amount <= 10_000_000_000 else { throw ChainstoreError.valueError("A refund is between 1 fen and 100,000,000 yuan.") }
        let reference = Self.refundReference(payment: paymentReference, requestKey: requestKey)
        let leaseText = milliseconds(timing.lease)
        let (created, stored) = try await database.transaction(logger: logger) { tx in
            var lock = SQLBuilder("SELECT id, state, amount::bigint, company_id FROM payment_transaction WHERE reference = ")
            lock.bind(.text(paymentReference))
            lock += " FOR UPDATE"
            guard let row = try await tx.query(lock).first else { throw ChainstoreError.missing("No payment attempt \(paymentReference).") }
            let (paymentId, state, paid, company) = try row.decode((Int64, String, Int64, Int64?).self)
            if let existing = try await Self.loadRefund(tx, reference: reference) {
                guard existing.amount == amount else {
                    throw ChainstoreError.valueError("Refund request \(requestKey) was made for another amount; use a new request key.")
                }
                return (false, existing)
            }
            guard state == PaymentState.paid.rawValue else {
                throw ChainstoreError.userError("Only a paid attempt can be refunded (this one is \(state)).")
            }
            var taken = SQLBuilder("SELECT coalesce(sum(amount), 0)::bigint FROM payment_refund WHERE transaction_id = ")
            taken.bind(.int(paymentId))
            taken += " AND state <> 'failed'"
            let committed = try await tx.query(taken)[0].decode(Int64.self)
            guard amount <= paid - committed else {
                throw ChainstoreError.userError("Refunds would exceed the payment: \(Money.yuan(fen: paid)) paid, \(Money.yuan(fen: committed)) already refunded or being refunded.")
            }
            var sql = SQLBuilder("INSERT INTO payment_refund (transaction_id, reference, request_key, amount, reason, state, lease_until, company_id, ")
            sql += "create_uid, create_date, write_uid, write_date) VALUES ("
            sql.bind(.int(paymentId))
            sql += ", "
            sql.bind(.text(reference))
            sql += ", "
            sql.bind(.text(requestKey))
            sql += ", "
            sql.bind(.int(amount), cast: "numeric")
            sql += ", "
            sql.bind(.text(String(reason.prefix(80))))
            sql += ", 'pending', now() + "
            sql.bind(.text(leaseText), cast: "interval")
            sql += ", "
            sql.bind(company.map(SQLBind.int) ?? .null, cast: "bigint")
            sql += ", "
            sql.bind(.int(env.uid))
            sql += ", now(), "
            sql.bind(.int(env.uid))
            sql += ", now()) RETURNING id"
            let id = try await tx.query(sql)[0].decode(Int64.self)
            try await AuditTrail.record(tx, env: env, model: "payment.refund", [
                .init(recordId: id, companyId: company, operation: .create, newValues: [
                    "reference": .string(reference), "state": "pending", "amount": .int(amount), "transaction_id": .int(paymentId),
                ]),
            ])
            return (true, try await Self.loadRefund(tx, reference: reference)!)
        }
        guard created else { return stored }
        return try await drive(stored)
    }

    /// Sends the refund (again, with the same id, while the channel has no answer) and follows
    /// it until the channel says done or refused, or `refundFollow` passes.
    func drive(_ refund: Refund, follow: Bool = true) async throws -> Refund {
        let payment = try await database.transaction(logger: logger) { tx in try await Self.load(tx, reference: refund.paymentReference) }
        guard let gateway = gateways[payment.channel] else { return refund }
        /// One round: a refund the channel accepted is asked about; a pending one is asked about
        /// once it was sent here. It is sent (again, under the same number) when it is pending
        /// and the channel has no answer, or when the channel says it never got it.
        func round(_ refund: Refund, sentHere: Bool) async -> ChannelReply {
            if sentHere || refund.state == .processing {
                let answer = await gateway.refundQuery(reference: payment.reference, refundId: refund.reference)
                let resend = answer.code == "REFUNDNOTEXIST" || (refund.state == .pending && answer.outcome == .unknown)
                if !resend { return answer }
            }
            let answer = await gateway.refund(reference: payment.reference, refundId: refund.reference, total: payment.amount, amount: refund.amount)
            logger.info("refund sent", metadata: ["reference": "\(refund.reference)", "outcome": "\(answer.outcome.rawValue)", "code": "\(answer.code ?? "")"])
            return answer
        }
        var current = refund
        let clock = ContinuousClock()
        let until = clock.now + (follow ? timing.refundFollow : .zero)
        var sentHere = false
        while !current.state.isFinal {
            current = try await apply(await round(current, sentHere: sentHere), to: current)
            sentHere = true
            if current.state.isFinal || clock.now >= until { break }
            try await Task.sleep(for: timing.interval)
        }
        return current
    }

    /// Takes a channel's word on a refund: done, refused, or accepted (processing).
    @discardableResult
    func apply(_ reply: ChannelReply, to refund: Refund) async throws -> Refund {
        switch reply.outcome {
        case .refunded:
            if let amount = reply.amount, amount < refund.amount {
                // The channel refunded less than asked: a human must look.
                return try await moveRefund(refund, to: .processing, reply: reply, alarm: true)
            }
            return try await moveRefund(refund, to: .done, reply: reply)
        case .failed: return try await moveRefund(refund, to: .failed, reply: reply, alarm: reply.alarm)
        case .accepted: return try await moveRefund(refund, to: .processing, reply: reply, alarm: reply.alarm)
        default: return try await renewRefundLease(refund)
        }
    }

    /// Compare-and-set on the refund, with its audit row; a refund done adds to the attempt's
    /// refunded total in the same transaction (and a full refund makes the attempt `refunded`).
    func moveRefund(_ refund: Refund, to state: RefundState, reply: ChannelReply?, alarm: Bool = false) async throws -> Refund {
        let leaseText = milliseconds(timing.lease)
        return try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("UPDATE payment_refund SET state = ")
            sql.bind(.text(state.rawValue))
            sql += Self.setReply(reply, idColumn: "channel_refund_no", alarm: alarm)
            sql += ", sent_at = coalesce(sent_at, now()), lease_until = "
            if state.isFinal {
                sql += "NULL, settled_at = now()"
            } else {
                // Never sooner than the sweep's backoff.
                sql += "greatest(lease_until, now() + "
                sql.bind(.text(leaseText), cast: "interval")
                sql += ")"
            }
            sql += ", write_date = now() WHERE id = "
            sql.bind(.int(refund.id))
            sql += " AND state IN ('pending', 'processing') RETURNING transaction_id, amount::bigint, company_id, state"
            guard let row = try await tx.query(sql).first else { return try await Self.loadRefund(tx, reference: refund.reference)! }
            let (paymentId, amount, company, _) = try row.decode((Int64, Int64, Int64?, String).self)
            if state != refund.state || alarm {
                try await AuditTrail.record(tx, env: Self.systemEnv(logger: logger), model: "payment.refund", [
                    .init(recordId: refund.id, companyId: company, operation: .write, oldValues: ["state": .string(refund.state.rawValue)],
                          newValues: ["state": .string(state.rawValue), "alarm": .bool(alarm)]),
                ])
            }
            if state == .done {
                var add = SQLBuilder("UPDATE payment_transaction SET refunded = refunded + ")
                add.bind(.int(amount), cast: "numeric")
                add += ", state = CASE WHEN refunded + "
                add.bind(.int(amount), cast: "numeric")
                add += " = amount THEN 'refunded' ELSE state END, write_date = now() WHERE id = "
                add.bind(.int(paymentId))
                add += " RETURNING state, refunded::bigint"
                let (after, refunded) = try await tx.query(add)[0].decode((String, Int64).self)
                try await AuditTrail.record(tx, env: Self.systemEnv(logger: logger), model: "payment.transaction", [
                    .init(recordId: paymentId, companyId: company, operation: .write, oldValues: [:],
                          newValues: ["state": .string(after), "refunded": .int(refunded)]),
                ])
            }
            return try await Self.loadRefund(tx, reference: refund.reference)!
        }
    }

    func renewRefundLease(_ refund: Refund) async throws -> Refund {
        let leaseText = milliseconds(timing.lease)
        return try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("UPDATE payment_refund SET lease_until = greatest(lease_until, now() + ")
            sql.bind(.text(leaseText), cast: "interval")
            sql += ") WHERE id = "
            sql.bind(.int(refund.id))
            try await tx.query(sql)
            return try await Self.loadRefund(tx, reference: refund.reference)!
        }
    }

    /// Refunds nobody follows any more: pending ones are sent again (same number), processing
    /// ones are asked about (and sent again if the channel never got them).
    func sweepRefunds(env: Env, limit: Int) async throws -> Int {
        let claimed = try await claimLeftOpen("payment_refund", states: [RefundState.pending.rawValue, RefundState.processing.rawValue], limit: limit)
        try await Self.forEach(claimed, concurrently: 8) { reference in
            do {
                guard let refund = try await database.transaction(logger: logger, { tx in try await Self.loadRefund(tx, reference: reference) }) else { return }
                logger.notice("settling a refund left open", metadata: ["reference": "\(reference)", "state": "\(refund.state.rawValue)"])
                _ = try await drive(refund, follow: false)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("refund left open for the next sweep", metadata: ["reference": "\(reference)", "error": "\(error)"])
            }
        }
        return claimed.count
    }

    public static func loadRefund(_ tx: Transaction, reference: String) async throws -> Refund? {
        var sql = SQLBuilder("SELECT r.id, r.reference, t.reference, r.state, r.amount::bigint, r.channel_refund_no, r.error_code, r.alarm ")
        sql += "FROM payment_refund r JOIN payment_transaction t ON t.id = r.transaction_id WHERE r.reference = "
        sql.bind(.text(reference))
        guard let row = try await tx.query(sql).first else { return nil }
        let (id, ref, payment, state, amount, channelNo, code, alarm) = try row.decode((Int64, String, String, String, Int64, String?, String?, Bool).self)
        return Refund(id: id, reference: ref, paymentReference: payment, state: RefundState(rawValue: state) ?? .pending, amount: amount,
                      channelRefundNo: channelNo, code: code, alarm: alarm)
    }

    static func systemEnv(logger: Logger) -> Env {
        Env.system(reason: "payment channel answer", logger: logger)
    }
}
