import ChainstoreCore

extension Migration {
    /// Exactly-once sync: each order keeps the digest of what the till sent under its key, so a
    /// resend is recognised and a changed order under a used key is kept apart for review
    /// (`pos.order.conflict`), never made a second order or silently dropped; an order that
    /// arrives after its session closed is kept and marked as a late receipt.
    static let orderKeys = Migration("0002_order_keys", sql: #"""
        ALTER TABLE pos_order ADD COLUMN content_hash text, ADD COLUMN late_receipt boolean NOT NULL DEFAULT false,
            ADD COLUMN received_at timestamptz NOT NULL DEFAULT now();
        CREATE TABLE pos_order_conflict (
            id bigserial PRIMARY KEY,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            session_id bigint REFERENCES pos_session (id) ON DELETE RESTRICT,
            order_id bigint REFERENCES pos_order (id) ON DELETE RESTRICT,
            access_token text NOT NULL,
            received text NOT NULL,
            received_hash text NOT NULL,
            stored_hash text,
            reason text NOT NULL,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX pos_order_conflict_company_id ON pos_order_conflict (company_id);
        CREATE INDEX pos_order_conflict_session_id ON pos_order_conflict (session_id);
        CREATE INDEX pos_order_conflict_order_id ON pos_order_conflict (order_id);
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('pos.order.conflict user', 'pos.order.conflict', 1, true, false, false, false),
            ('pos.order.conflict admin', 'pos.order.conflict', 2, true, true, false, true);
        """#)
}
