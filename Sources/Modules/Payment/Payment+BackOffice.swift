import ChainstoreDB

extension Payment {
    /// Where the back office lists payments.
    static let menus: [MenuItem] = [
        MenuItem(.finance, "payment.transaction", "Payment Transactions"),
        MenuItem(.finance, "payment.refund", "Payment Refunds"),
        MenuItem(.finance, "payment.reconciliation", "Reconciliations"),
    ]

    /// Reconciliation alarms on the dashboard: the channels' bills that disagree with the books.
    static let dashboard: [DashboardCard] = [
        DashboardCard("payment.reconciliation_alarms", "Payment reconciliation alarms", model: "payment.reconciliation",
                      domain: { _ in .leaf("mismatched", .greater, .int(0)) }, groupby: "channel", measure: "mismatched:sum", chart: .bar),
    ]
}
