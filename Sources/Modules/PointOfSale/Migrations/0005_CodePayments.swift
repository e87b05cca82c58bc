import ChainstoreCore

extension Migration {
    /// A payment-code payment (WeChat Pay, Alipay) at the till names the payments module's attempt
    /// it was taken by (or, for money given back, the refund): each attempt or refund pays for one
    /// order line only, whatever the till sends again.
    static let codePayments = Migration("0005_code_payments", sql: #"""
        ALTER TABLE pos_payment ADD COLUMN payment_reference text;
        CREATE UNIQUE INDEX pos_payment_reference ON pos_payment (payment_reference) WHERE payment_reference IS NOT NULL;
        """#)
}
