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
