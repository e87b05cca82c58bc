import ChainstoreCore

extension Migration {
    /// Roll-ups by business day and city: each order keeps the day it belongs to in China
    /// (`business_day`, from `date_order` at UTC+8) and its store's city (`city_id`, the store's
    /// parent company), filled by a trigger whatever way the order arrives, so `read_group` by
    /// city and day reads one index.
    static let businessDay = Migration("0007_business_day", sql: #"""
        ALTER TABLE pos_order ADD COLUMN business_day date, ADD COLUMN city_id bigint REFERENCES res_company (id) ON DELETE RESTRICT;
        CREATE FUNCTION pos_order_day() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            NEW.business_day := (NEW.date_order AT TIME ZONE 'Asia/Shanghai')::date;
            NEW.city_id := (SELECT c.parent_id FROM res_company c WHERE c.id = NEW.company_id);
            RETURN NEW;
        END
        $fn$;
        -- After the company is filled from the session (trigger names sort: pos_order_fill first).
        CREATE TRIGGER pos_order_zday BEFORE INSERT OR UPDATE OF date_order, company_id ON pos_order
            FOR EACH ROW EXECUTE FUNCTION pos_order_day();
        UPDATE pos_order o SET business_day = (o.date_order AT TIME ZONE 'Asia/Shanghai')::date,
            city_id = (SELECT c.parent_id FROM res_company c WHERE c.id = o.company_id);
        CREATE INDEX pos_order_business_day ON pos_order (business_day);
        CREATE INDEX pos_order_city_id ON pos_order (city_id, business_day);
        """#)
}
