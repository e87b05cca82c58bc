import ChainstoreCore

extension Migration {
    /// Reconciliation lines name the refund they are about, and an attempt paid just before
    /// midnight that the day's bill lacks waits for the next day's bill before it alarms.
    static let reconcileRefundsAndMidnight = Migration("0005_reconcile_refunds_and_midnight", sql: #"""
        ALTER TABLE payment_reconciliation_line ADD COLUMN refund_reference text;
        ALTER TABLE payment_reconciliation_line DROP CONSTRAINT payment_reconciliation_line_kind;
        ALTER TABLE payment_reconciliation_line ADD CONSTRAINT payment_reconciliation_line_kind
            CHECK (kind IN ('paid_not_recorded', 'recorded_not_paid', 'amount_mismatch', 'refund_mismatch', 'awaiting_next_bill'));
        ALTER TABLE payment_reconciliation ADD COLUMN awaiting integer NOT NULL DEFAULT 0;
        """#)
}
