import ChainstoreCore
import ChainstoreDB
import Foundation

/// Payment-code payments at the till: every attempt, its state, and the flow that takes it to a
/// final state with the channel (WeChat Pay, Alipay), restarts included; the till's payment API
/// and the channels' callbacks; sweeping and daily reconciliation.
public enum Payment {
    public static let manifest = ModuleManifest(
        name: "payment", depends: ["base"],
        models: [.paymentTransaction, .paymentRefund, .paymentReconciliation, .paymentReconciliationLine],
        migrations: [.createTransactions, .createReconciliation, .attemptsPerCompany, .createRefunds, .reconcileRefundsAndMidnight, .paymentOrderIndexes],
        endpoints: PaymentAPI.endpoints,
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: [.init("/display", file: "display.html")]),
        jobs: PaymentJobs.all,
        alerts: [
            // Differences between the channels' bills and our payments, in the last two days' reconciliations.
            AlertProbe(kind: "payment.reconciliation", name: "Payment reconciliation differences (last 2 days)", threshold: 0) { job in
                try await job.database.withoutTransaction(logger: job.logger) { tx in
                    try await Double(tx.one("""
                        SELECT coalesce(sum(mismatched), 0)::bigint FROM payment_reconciliation WHERE bill_date >= current_date - 2
                        """).decode(Int64.self))
                }
            },
        ],
        start: { node in
            // The merchant accounts are read once, at start: a configuration that cannot be used
            // stops the node rather than leave tills unable to take payments.
            if let path = node.settings["payments"] {
                node.provide(PaymentChannels(settings: try PaymentSettings.loadAll(path: path, main: node.main.name)))
            }
            return []
        },
        menus: menus, dashboard: dashboard)
}
