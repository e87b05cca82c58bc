import ChainstoreCore
import ChainstoreDB
import Foundation
import Payments

/// Callbacks from the channels, once `Notices` has established they are authentic: each is
/// checked against our records (the order exists, the amount is the one we asked, the refund
/// belongs to that order) before it changes anything, and is taken once: the channels resend
/// until acknowledged, and a notification id already taken is acknowledged without effect.
extension PaymentFlow {
    public enum NoticeOutcome: Sendable, Equatable {
        case applied, duplicate
        /// Authentic but contradicting our records: nothing changed; the reason is logged.
        case rejected(String)
    }

    public func receive(_ notice: ChannelNotice, channel: PaymentChannel) async throws -> NoticeOutcome {
        let seen = try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("SELECT EXISTS (SELECT 1 FROM payment_notification WHERE channel = ")
            sql.bind(.text(channel.rawValue))
            sql += " AND notice_id = "
            sql.bind(.text(notice.id))
            sql += ")"
            return try await tx.query(sql)[0].decode(Bool.self)
        }
        if seen { return .duplicate }
        let outcome = try await act(on: notice, channel: channel)
        if case .rejected(let reason) = outcome {
            logger.error("payment notification rejected", metadata: ["channel": "\(channel.rawValue)", "reference": "\(notice.reference)",
                                                                      "kind": "\(notice.kind.rawValue)", "reason": "\(reason)"])
            return outcome
        }
        try await database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("INSERT INTO payment_notification (channel, notice_id, reference, kind, outcome) VALUES (")
            sql.bind(.text(channel.rawValue))
            sql += ", "
            sql.bind(.text(notice.id))
            sql += ", "
            sql.bind(.text(notice.reference))
            sql += ", "
            sql.bind(.text(notice.kind.rawValue))
            sql += ", 'applied') ON CONFLICT DO NOTHING"
            try await tx.query(sql)
        }
        return outcome
    }

    func act(on notice: ChannelNotice, channel: PaymentChannel) async throws -> NoticeOutcome {
        let env = Self.systemEnv(logger: logger)
        let found = try await database.transaction(logger: logger) { tx -> Attempt? in
            try? await Self.load(tx, reference: notice.reference)
        }
        guard let attempt = found, attempt.channel == channel else { return .rejected("no attempt \(notice.reference) on this channel") }
        switch notice.kind {
        case .other: return .applied
        case .paid:
            guard notice.amount == attempt.amount else {
                return .rejected("paid \(notice.amount.map { Money.yuan(fen: $0) } ?? "?"), the attempt is \(Money.yuan(fen: attempt.amount))")
            }
            switch attempt.state {
            case .pending, .userPaying, .unknown:
                var reply = ChannelReply(.paid, code: "NOTIFIED")
                reply.channelId = notice.channelId
                reply.amount = notice.amount
                _ = try await settle(attempt, to: .paid, reply: reply, env: env)
            case .paid, .refunded: break
            case .failed, .reversing, .reversed:
                // Paid while we gave up: the reversal (or the bill) returns the money; finance sees it.
                logger.error("payment notified for an attempt no longer open", metadata: ["reference": "\(attempt.reference)",
                                                                                          "state": "\(attempt.state.rawValue)"])
            }
            return .applied
        case .refund:
            guard let refundId = notice.refundId,
                let refund = try await database.transaction(logger: logger, { tx in try await Self.loadRefund(tx, reference: refundId) }),
                refund.paymentReference == attempt.reference
            else { return .rejected("no refund \(notice.refundId ?? "?") of \(attempt.reference)") }
            if let amount = notice.amount, amount != refund.amount {
                return .rejected("refund of \(Money.yuan(fen: amount)), ours is \(Money.yuan(fen: refund.amount))")
            }
            switch notice.refundStatus ?? .unconfirmed {
            case .done:
                var reply = ChannelReply(.refunded, code: "NOTIFIED")
                reply.channelId = notice.channelId
                try await apply(reply, to: refund)
            case .failed, .abnormal:
                var reply = ChannelReply(notice.refundStatus == .failed ? .failed : .accepted, code: "NOTIFIED")
                reply.alarm = true
                try await apply(reply, to: refund)
            case .unconfirmed:
                // The message proves little by itself: a signed refund query says what happened.
                guard let gateway = gateways[channel] else { return .rejected("the channel is not configured") }
                let reply = await gateway.refundQuery(reference: attempt.reference, refundId: refund.reference)
                if reply.outcome == .refunded || reply.outcome == .failed || reply.outcome == .accepted { try await apply(reply, to: refund) }
            }
            return .applied
        }
    }
}
