import ChainstoreCore

extension Migration {
    /// Daily reconciliation: the channel's bill as downloaded, and every line on which it and
    /// the attempts disagree.
    static let createReconciliation = Migration("0002_create_reconciliation", sql: #"""
        CREATE TABLE payment_reconciliation (
            id bigserial PRIMARY KEY,
            channel text NOT NULL,
            bill_date date NOT NULL,
            matched integer NOT NULL DEFAULT 0,
            mismatched integer NOT NULL DEFAULT 0,
            bill text NOT NULL DEFAULT '',
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT payment_reconciliation_channel CHECK (channel IN ('wechat', 'alipay')),
            CONSTRAINT payment_reconciliation_day UNIQUE (channel, bill_date)
        );
        CREATE TABLE payment_reconciliation_line (
            id bigserial PRIMARY KEY,
            reconciliation_id bigint NOT NULL REFERENCES payment_reconciliation (id) ON DELETE CASCADE,
            kind text NOT NULL,
            reference text NOT NULL,
            channel_amount numeric,
            our_amount numeric,
            our_state text,
            channel_trade_no text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT payment_reconciliation_line_kind CHECK (kind IN ('paid_not_recorded', 'recorded_not_paid', 'amount_mismatch', 'refund_mismatch'))
        );
        CREATE INDEX payment_reconciliation_line_reconciliation_id ON payment_reconciliation_line (reconciliation_id);
        CREATE INDEX payment_reconciliation_line_reference ON payment_reconciliation_line (reference);
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' system', m, g.id, true, false, false, false FROM unnest(ARRAY['payment.reconciliation', 'payment.reconciliation.line']) m,
                res_groups g WHERE g.xmlid = 'base.group_system';
        """#)
}
