import ChainstoreDB

extension Payment {
    /// Where the back office lists payments.
    static let menus: [MenuItem] = [
        MenuItem(.finance, "payment.transaction", "Payment Transactions"),
        MenuItem(.finance, "payment.refund", "Payment Refunds"),
        MenuItem(.finance, "payment.reconciliation", "Reconciliations"),
    ]
}
