import ChainstoreCore

extension Migration {
    /// Every model's default order is the start of an index (see base's order indexes).
    static let paymentOrderIndexes = Migration("0006_order_indexes", sql: """
        CREATE INDEX payment_reconciliation_order ON payment_reconciliation (bill_date DESC, channel, id);
        """)
}
