import ChainstoreCore

extension Migration {
    /// Reconciliation lines name the refund they are about, and an attempt paid just before
    /// midnight that the day's bill lacks waits for the next day's bill before it alarms. The
    /// sweeper counts its turns on an attempt, to back off from one the channel keeps refusing.
    static let reconcileRefundsAndMidnight = Migration("0005_reconcile_refunds_and_midnight", sql: #"""
        ALTER TABLE payment_reconciliation_line ADD COLUMN refund_reference text;
        ALTER TABLE payment_reconciliation_line DROP CONSTRAINT payment_reconciliation_line_kind;
        ALTER TABLE payment_reconciliation_line ADD CONSTRAINT payment_reconciliation_line_kind
            CHECK (kind IN ('paid_not_recorded', 'recorded_not_paid', 'amount_mismatch', 'refund_mismatch', 'awaiting_next_bill'));
        ALTER TABLE payment_reconciliation ADD COLUMN awaiting integer NOT NULL DEFAULT 0;
        -- How often the sweeper took an attempt or refund up: its next turn waits longer each time.
        ALTER TABLE payment_transaction ADD COLUMN swept integer NOT NULL DEFAULT 0;
        ALTER TABLE payment_refund ADD COLUMN swept integer NOT NULL DEFAULT 0;
        """#)
}
