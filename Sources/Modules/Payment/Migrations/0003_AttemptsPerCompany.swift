import ChainstoreCore

extension Migration {
    /// A till order key is unique within its company, not across the group.
    static let attemptsPerCompany = Migration("0003_attempts_per_company", sql: #"""
        ALTER TABLE payment_transaction DROP CONSTRAINT payment_transaction_attempt;
        ALTER TABLE payment_transaction ADD CONSTRAINT payment_transaction_attempt UNIQUE (company_id, order_key, attempt);
        """#)
}
