import ChainstoreCore

extension Migration {
    /// An attendant's approval at a self-checkout kiosk: a member of the store's staff signs in on
    /// the kiosk itself for one item that needs them (an age check, a weighed item). The approval
    /// is bound to the kiosk's session and the product, and is spent by the one order that sells
    /// it (`order_key`, the order's key): the kiosk cannot reuse it for a second sale.
    static let attendantApprovals = Migration("0011_attendant_approvals", sql: #"""
        CREATE TABLE pos_attendant_approval (
            id bigserial PRIMARY KEY,
            token text NOT NULL DEFAULT gen_random_uuid()::text,
            session_id bigint NOT NULL REFERENCES pos_session (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            attendant_id bigint NOT NULL REFERENCES res_users (id) ON DELETE RESTRICT,
            reason text NOT NULL CHECK (reason IN ('age', 'weight')),
            order_key text,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT pos_attendant_approval_token UNIQUE (token)
        );
        CREATE INDEX pos_attendant_approval_session_id ON pos_attendant_approval (session_id);
        CREATE INDEX pos_attendant_approval_company_id ON pos_attendant_approval (company_id);
        CREATE INDEX pos_attendant_approval_product_id ON pos_attendant_approval (product_id);
        CREATE INDEX pos_attendant_approval_attendant_id ON pos_attendant_approval (attendant_id);
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('pos.attendant.approval user', 'pos.attendant.approval', 1, true, false, false, false);
        """#)
}
