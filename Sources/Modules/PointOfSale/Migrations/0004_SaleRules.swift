import ChainstoreCore

extension Migration {
    /// What a sale must respect, and what it leaves behind:
    /// - receipts numbered without gaps per session (`pos_session.order_count`, taken under the
    ///   session's row lock by the transaction that stores the order: a rolled-back order gives
    ///   its number back) and unique per session (`pos_order_session_seq`);
    /// - discounts: a cashier up to the till's `discount_limit` (percent), with a reason; a
    ///   price changed by hand only where the till allows it or by a POS manager;
    /// - refunds name the sold line (`refunded_orderline_id`);
    /// - each till device reports the orders it still holds (`pos_session_device`): a session
    ///   does not close while one is left unsynced;
    /// - cash in and out of the drawer (`pos.cash.move`), with a reason;
    /// - closing: the counted cash and the reason for a difference;
    /// - an order refused (a used key with other contents, or a rule of the sale) is kept once
    ///   per content for review.
    static let saleRules = Migration("0004_sale_rules", sql: #"""
        ALTER TABLE pos_config ADD COLUMN discount_limit double precision NOT NULL DEFAULT 10 CHECK (discount_limit BETWEEN 0 AND 100),
            ADD COLUMN restrict_price_control boolean NOT NULL DEFAULT true,
            ADD COLUMN amount_authorized_diff double precision NOT NULL DEFAULT 0 CHECK (amount_authorized_diff >= 0);
        ALTER TABLE pos_session ADD COLUMN order_count integer NOT NULL DEFAULT 0,
            ADD COLUMN cash_difference_reason text;
        ALTER TABLE pos_order ADD COLUMN session_seq integer, ADD COLUMN discount_reason text, ADD COLUMN is_refund boolean NOT NULL DEFAULT false;
        CREATE UNIQUE INDEX pos_order_session_seq ON pos_order (session_id, session_seq);
        ALTER TABLE pos_order_line ADD COLUMN discount_reason text, ADD COLUMN price_manually_set boolean NOT NULL DEFAULT false,
            ADD COLUMN lot_name text, ADD COLUMN price_list numeric;

        -- An order refused is kept once per content, however often the till sends it again.
        DELETE FROM pos_order_conflict c USING pos_order_conflict d
            WHERE c.company_id = d.company_id AND c.access_token = d.access_token AND c.received_hash = d.received_hash AND c.id > d.id;
        CREATE UNIQUE INDEX pos_order_conflict_once ON pos_order_conflict (company_id, access_token, received_hash);

        CREATE TABLE pos_session_device (
            session_id bigint NOT NULL REFERENCES pos_session (id) ON DELETE CASCADE,
            device_id text NOT NULL CHECK (length(device_id) BETWEEN 1 AND 100),
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            pending integer NOT NULL CHECK (pending >= 0),
            user_id bigint REFERENCES res_users (id) ON DELETE SET NULL,
            reported_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (session_id, device_id)
        );
        CREATE INDEX pos_session_device_company_id ON pos_session_device (company_id);

        -- Cash put into or taken out of the drawer during a session (float top-up, bank deposit).
        CREATE TABLE pos_cash_move (
            id bigserial PRIMARY KEY,
            session_id bigint NOT NULL REFERENCES pos_session (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            amount numeric NOT NULL CHECK (amount <> 0),
            reason text NOT NULL CHECK (length(btrim(reason)) > 0),
            user_id bigint REFERENCES res_users (id) ON DELETE RESTRICT,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX pos_cash_move_session_id ON pos_cash_move (session_id);
        CREATE INDEX pos_cash_move_company_id ON pos_cash_move (company_id);
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('pos.cash.move user', 'pos.cash.move', 1, true, false, false, false),
            ('pos.cash.move admin', 'pos.cash.move', 2, true, false, false, false);

        INSERT INTO res_groups (name, xmlid) VALUES ('Point of Sale / Manager', 'point_of_sale.group_pos_manager');
        INSERT INTO res_groups_users_rel (gid, uid) SELECT id, 2 FROM res_groups WHERE xmlid = 'point_of_sale.group_pos_manager';
        """#)
}
