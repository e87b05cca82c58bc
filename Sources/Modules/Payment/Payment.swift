import ChainstoreCore
import ChainstoreDB

/// Payment-code payments at the till: every attempt, its state, and the flow that takes it to a
/// final state with the channel (WeChat Pay, Alipay), restarts included.
public enum Payment {
    public static let manifest = ModuleManifest(
        name: "payment", depends: ["base"],
        models: [.paymentTransaction, .paymentRefund, .paymentReconciliation, .paymentReconciliationLine],
        migrations: [.createTransactions, .createReconciliation, .attemptsPerCompany, .createRefunds, .reconcileRefundsAndMidnight])
}
