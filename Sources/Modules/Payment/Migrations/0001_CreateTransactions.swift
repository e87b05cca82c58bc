import ChainstoreCore

extension Migration {
    /// Payment attempts, written ahead of every call to a channel.
    static let createTransactions = Migration("0001_create_transactions", sql: #"""
        CREATE TABLE payment_transaction (
            id bigserial PRIMARY KEY,
            reference text NOT NULL,
            order_key text NOT NULL,
            attempt integer NOT NULL,
            channel text NOT NULL,
            state text NOT NULL DEFAULT 'pending',
            amount numeric NOT NULL,
            refunded numeric NOT NULL DEFAULT 0,
            auth_code_masked text,
            subject text,
            channel_trade_no text,
            error_code text,
            error_message text,
            alarm boolean NOT NULL DEFAULT false,
            sent_at timestamptz,
            deadline timestamptz,
            settled_at timestamptz,
            lease_until timestamptz,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT payment_transaction_channel CHECK (channel IN ('wechat', 'alipay')),
            CONSTRAINT payment_transaction_state CHECK (state IN ('pending', 'user_paying', 'paid', 'failed', 'reversing', 'reversed', 'refunded', 'unknown')),
            CONSTRAINT payment_transaction_amount CHECK (amount > 0 AND amount = trunc(amount) AND refunded >= 0 AND refunded <= amount),
            CONSTRAINT payment_transaction_attempt UNIQUE (order_key, attempt)
        );
        CREATE UNIQUE INDEX payment_transaction_reference ON payment_transaction (reference);
        CREATE INDEX payment_transaction_order_key ON payment_transaction (order_key);
        CREATE INDEX payment_transaction_state ON payment_transaction (state);
        CREATE INDEX payment_transaction_company_id ON payment_transaction (company_id);
        CREATE INDEX payment_transaction_open ON payment_transaction (deadline) WHERE state IN ('pending', 'user_paying', 'reversing', 'unknown');
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            VALUES ('payment.transaction user', 'payment.transaction', 1, true, false, false, false);
        """#)
}
