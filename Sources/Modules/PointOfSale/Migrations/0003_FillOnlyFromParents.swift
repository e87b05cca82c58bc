import ChainstoreCore

extension Migration {
    /// A record's company (and till, session) comes from its parent when the parent can be
    /// read; a row written in the same statement as its parent (the set-based order sync) keeps
    /// the values the statement gives, which it took from that parent.
    static let fillOnlyFromParents = Migration("0003_fill_only_from_parents", sql: #"""
        CREATE OR REPLACE FUNCTION pos_fill_from_parent() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            company bigint; config bigint; currency bigint; session bigint;
        BEGIN
            IF TG_TABLE_NAME = 'pos_session' THEN
                SELECT c.company_id INTO company FROM pos_config c WHERE c.id = NEW.config_id;
                IF FOUND THEN NEW.company_id := company; END IF;
                NEW.currency_id := coalesce(NEW.currency_id, (SELECT currency_id FROM res_company WHERE id = NEW.company_id));
                NEW.user_id := coalesce(NEW.user_id, NULLIF(current_setting('chainstore.uid', true), '')::bigint);
            ELSIF TG_TABLE_NAME = 'pos_order' THEN
                SELECT s.company_id, s.config_id, s.currency_id INTO company, config, currency FROM pos_session s WHERE s.id = NEW.session_id;
                IF FOUND THEN
                    NEW.company_id := company;
                    NEW.config_id := config;
                    NEW.currency_id := coalesce(NEW.currency_id, currency);
                END IF;
            ELSIF TG_TABLE_NAME = 'pos_order_line' THEN
                SELECT o.company_id INTO company FROM pos_order o WHERE o.id = NEW.order_id;
                IF FOUND THEN NEW.company_id := company; END IF;
            ELSIF TG_TABLE_NAME = 'pos_payment' THEN
                SELECT o.company_id, o.session_id INTO company, session FROM pos_order o WHERE o.id = NEW.pos_order_id;
                IF FOUND THEN
                    NEW.company_id := company;
                    NEW.session_id := session;
                END IF;
            END IF;
            RETURN NEW;
        END
        $fn$;
        """#)
}
