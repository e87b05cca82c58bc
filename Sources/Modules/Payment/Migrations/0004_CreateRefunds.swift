import ChainstoreCore

extension Migration {
    /// Refunds (each with its own id sent to the channel, written before the call), the
    /// callbacks already taken (channels resend them), and attempts shown as a QR code.
    static let createRefunds = Migration("0004_create_refunds", sql: #"""
        CREATE TABLE payment_refund (
            id bigserial PRIMARY KEY,
            transaction_id bigint NOT NULL REFERENCES payment_transaction (id) ON DELETE RESTRICT,
            reference text NOT NULL,
            request_key text NOT NULL,
            amount numeric NOT NULL,
            state text NOT NULL DEFAULT 'pending',
            reason text,
            channel_refund_no text,
            error_code text,
            error_message text,
            alarm boolean NOT NULL DEFAULT false,
            sent_at timestamptz,
            settled_at timestamptz,
            lease_until timestamptz,
            company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT payment_refund_state CHECK (state IN ('pending', 'processing', 'done', 'failed')),
            CONSTRAINT payment_refund_amount CHECK (amount > 0 AND amount = trunc(amount)),
            CONSTRAINT payment_refund_request UNIQUE (transaction_id, request_key)
        );
        CREATE UNIQUE INDEX payment_refund_reference ON payment_refund (reference);
        CREATE INDEX payment_refund_transaction_id ON payment_refund (transaction_id);
        CREATE INDEX payment_refund_company_id ON payment_refund (company_id);
        CREATE INDEX payment_refund_open ON payment_refund (id) WHERE state IN ('pending', 'processing');
        CREATE TABLE payment_notification (
            id bigserial PRIMARY KEY,
            channel text NOT NULL,
            notice_id text NOT NULL,
            reference text NOT NULL,
            kind text NOT NULL,
            outcome text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT payment_notification_once UNIQUE (channel, notice_id)
        );
        ALTER TABLE payment_transaction ADD COLUMN kind text NOT NULL DEFAULT 'code',
            ADD COLUMN qr_code_url text,
            ADD CONSTRAINT payment_transaction_kind CHECK (kind IN ('code', 'qr'));
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            VALUES ('payment.refund user', 'payment.refund', 1, true, false, false, false);
        -- Money going back out needs its own right (the administrator has it).
        INSERT INTO res_groups (name, xmlid) VALUES ('Payments / Refunds', 'payment.group_payment_refund');
        INSERT INTO res_groups_users_rel (gid, uid) SELECT id, 2 FROM res_groups WHERE xmlid = 'payment.group_payment_refund';
        """#)
}
