import ChainstoreCore

extension Migration {
    /// The store's daily settlement (日结): a frozen record per store and business day (China
    /// time), made when the day's last session closes (a session opened after that makes a
    /// second record for the day when it closes), numbered without gaps per store, and chained:
    /// each record's hash covers the previous record's hash and its own figures.
    static let dailySettlement = Migration("0006_daily_settlement", sql: #"""
        CREATE TABLE pos_daily_settlement (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            business_day date NOT NULL,
            number integer NOT NULL CHECK (number > 0),
            session_ids bigint[] NOT NULL,
            order_count integer NOT NULL,
            amount_total numeric NOT NULL,
            cash_expected numeric NOT NULL,
            cash_counted numeric,
            cash_difference numeric,
            late_receipts integer NOT NULL DEFAULT 0,
            figures text NOT NULL,
            previous_hash text,
            hash text NOT NULL,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT pos_daily_settlement_number UNIQUE (company_id, number)
        );
        CREATE INDEX pos_daily_settlement_company_id ON pos_daily_settlement (company_id, business_day);
        CREATE INDEX pos_daily_settlement_order ON pos_daily_settlement (business_day DESC, id DESC);
        CREATE INDEX pos_daily_settlement_sessions ON pos_daily_settlement USING gin (session_ids);
        -- Frozen: a settlement is never changed or removed.
        CREATE FUNCTION pos_daily_settlement_frozen() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            RAISE EXCEPTION 'A daily settlement is final: it cannot be changed or deleted' USING ERRCODE = 'check_violation';
        END
        $fn$;
        CREATE TRIGGER pos_daily_settlement_frozen BEFORE UPDATE OR DELETE ON pos_daily_settlement
            FOR EACH ROW EXECUTE FUNCTION pos_daily_settlement_frozen();
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink) VALUES
            ('pos.daily.settlement user', 'pos.daily.settlement', 1, true, false, false, false);
        """#)
}
