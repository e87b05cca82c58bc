import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// The payment module's recurring work, in every tenant database that takes payments.
enum PaymentJobs {
    static let all: [Job] = [sweep, reconcile]

    /// Settles attempts and refunds nobody follows any more (a node died, or restarted): leases
    /// and `SKIP LOCKED` share the work between nodes.
    static let sweep = Job("payment.sweep", every: .seconds(5)) { job in
        guard let flow = job.node.state(PaymentChannels.self)?.flow(job.database, logger: job.logger) else { return }
        let env = Env.system(reason: "settling payment attempts left open", logger: job.logger)
        let settled = try await flow.sweep(env: env)
        if settled > 0 { job.logger.notice("payment attempts settled", metadata: ["count": "\(settled)"]) }
    }

    /// Once the bills are published (10:30 China time), the bills of every configured channel for
    /// the last seven days not yet reconciled are downloaded and matched, oldest first (a day
    /// missed while every node was down, or while the channel failed, is caught up).
    static let reconcile = Job("payment.reconcile", every: .seconds(600)) { job in
        guard let flow = job.node.state(PaymentChannels.self)?.flow(job.database, logger: job.logger) else { return }
        for day in Reconciliation.daysDue(at: Date()) {
            for (channel, gateway) in flow.gateways.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                do {
                    // Days already done, and days before the first payment on that channel
                    // (another system's payments are not ours to list), are skipped.
                    let due = try await flow.database.transaction(logger: job.logger) { tx in
                        try await tx.query("""
                            SELECT NOT EXISTS (SELECT 1 FROM payment_reconciliation WHERE channel = \(channel.rawValue) AND bill_date = \(day)::date)
                               AND EXISTS (SELECT 1 FROM payment_transaction WHERE channel = \(channel.rawValue)
                                           AND (create_date AT TIME ZONE 'Asia/Shanghai')::date <= \(day)::date)
                            """)[0].decode(Bool.self)
                    }
                    if due { _ = try await Reconciliation.run(flow.database, gateway: gateway, date: day, logger: job.logger) }
                } catch {
                    job.logger.warning("reconciliation deferred", metadata: ["channel": "\(channel.rawValue)", "date": "\(day)", "error": "\(error)"])
                }
            }
        }
    }
}
