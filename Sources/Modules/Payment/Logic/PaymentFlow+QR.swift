import ChainstoreCore
import ChainstoreDB
import Foundation
import Payments

/// The customer display's QR code (WeChat Pay v3 Native): the attempt is stored, the order is
/// created at the channel, and its `code_url` is answered at once for the display to show. The
/// payment is learnt by query (followed here until the QR deadline, then by the sweeper) or by
/// the channel's callback; an order still unpaid at the deadline is closed, never left open.
extension PaymentFlow {
    public func startQR(env: Env, orderKey: String, attempt: Int, amount: Int64, subject: String, company: Int64) async throws -> Attempt {
        guard let gateway = gateways[.wechat] as? any QRCodeGateway else {
            throw ChainstoreError.userError("A QR code needs WeChat Pay API v3 configured on this node.")
        }
        try Self.check(orderKey: orderKey, attempt: attempt, amount: amount)
        let reference = Self.reference(company: company, orderKey: orderKey, attempt: attempt)
        let subject = Self.fitted(subject, for: .wechat)
        let (created, stored) = try await create(env: env, reference: reference, orderKey: orderKey, attempt: attempt, channel: .wechat,
                                                 maskedCode: "", amount: amount, subject: subject, company: company, kind: "qr", deadline: timing.qrDeadline)
        guard created else {
            guard stored.kind == "qr", stored.amount == amount else {
                throw ChainstoreError.valueError("Attempt \(attempt) of this order was made another way or with another amount; start a new attempt.")
            }
            return stored
        }
        let expires = Date().addingTimeInterval(Double(timing.qrDeadline.components.seconds) + 30)
        let (reply, url) = await gateway.qrOrder(reference: reference, amount: amount, subject: subject, expiresAt: expires)
        logger.info("QR order sent", metadata: ["reference": "\(reference)", "outcome": "\(reply.outcome.rawValue)", "code": "\(reply.code ?? "")"])
        guard let url else {
            if reply.outcome == .failed { return try await settle(stored, to: .failed, reply: reply, env: env) }
            // No answer: the order may exist at the channel; it is closed by the follower.
            let unknown = try await transition(stored, from: [.pending], to: .unknown, env: env, reply: reply)
            spawnQRFollower(unknown, gateway: gateway, env: env)
            return unknown
        }
        let shown = try await transition(stored, from: [.pending], to: .userPaying, env: env, reply: reply, qrCodeURL: url)
        spawnQRFollower(shown, gateway: gateway, env: env)
        return shown
    }

    func spawnQRFollower(_ attempt: Attempt, gateway: any QRCodeGateway, env: Env) {
        Task {
            do { _ = try await settleQR(attempt, gateway: gateway, env: env, untilDeadline: true) } catch {
                logger.warning("QR order left to the sweeper", metadata: ["reference": "\(attempt.reference)", "error": "\(error)"])
            }
        }
    }

    /// Queries the QR order (every `interval` until its deadline when `untilDeadline`, else
    /// once); past the deadline, closes it.
    func settleQR(_ attempt: Attempt, gateway: any QRCodeGateway, env: Env, untilDeadline: Bool) async throws -> Attempt {
        var current = attempt
        repeat {
            let (past, now) = try await renewLease(current.id, after: .zero)
            guard let now, !now.state.isFinal else { return now ?? current }
            current = now
            let reply = await gateway.query(reference: current.reference, amount: current.amount)
            switch reply.outcome {
            case .paid where !reply.alarm: return try await settle(current, to: .paid, reply: reply, env: env)
            case .failed, .reversed: return try await settle(current, to: .failed, reply: reply, env: env)
            default:
                // Paid with another amount or to another merchant: kept open, and a human told.
                if reply.alarm { current = try await transition(current, from: PaymentState.open, to: current.state, env: env, reply: reply, alarm: true) }
            }
            if past { return try await closeQR(current, gateway: gateway, env: env) }
            if untilDeadline { try await Task.sleep(for: timing.interval) }
        } while untilDeadline
        return current
    }

    /// Closes an unpaid QR order: closed is `failed` (nobody paid); a close refused because it
    /// was paid meanwhile is settled by the query that follows.
    func closeQR(_ attempt: Attempt, gateway: any QRCodeGateway, env: Env) async throws -> Attempt {
        let reply = await gateway.close(reference: attempt.reference)
        if reply.outcome == .reversed { return try await settle(attempt, to: .failed, reply: reply, env: env) }
        let check = await gateway.query(reference: attempt.reference, amount: attempt.amount)
        if check.outcome == .paid, !check.alarm { return try await settle(attempt, to: .paid, reply: check, env: env) }
        logger.warning("QR order not closed yet", metadata: ["reference": "\(attempt.reference)", "code": "\(reply.code ?? "")"])
        return attempt
    }
}
