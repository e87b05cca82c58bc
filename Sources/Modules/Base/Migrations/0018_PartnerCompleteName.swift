import ChainstoreCore

extension Migration {
    /// A partner's display name kept on its row, as Odoo 17 keeps `complete_name` ("Company,
    /// Contact" for a contact under a company), so `name_search` and search by display name go
    /// through a trigram index (pg_trgm) instead of composing the name of every partner of the
    /// group (600,000: about a second per search). Kept by two triggers: a row's own whenever its
    /// name, parent or the column itself is written (a client cannot set it), its contacts' when
    /// its name changes.
    static let partnerCompleteName = Migration("0018_partner_complete_name", sql: #"""
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        ALTER TABLE res_partner ADD COLUMN complete_name text;
        UPDATE res_partner p SET complete_name = CASE WHEN p.parent_id IS NULL THEN p.name
            ELSE (SELECT pp.name FROM res_partner pp WHERE pp.id = p.parent_id) || ', ' || p.name END;
        CREATE FUNCTION res_partner_complete_name() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF NEW.parent_id IS NULL THEN
                NEW.complete_name := NEW.name;
            ELSE
                NEW.complete_name := (SELECT pp.name FROM res_partner pp WHERE pp.id = NEW.parent_id) || ', ' || NEW.name;
            END IF;
            RETURN NEW;
        END $fn$;
        CREATE TRIGGER res_partner_complete_name BEFORE INSERT OR UPDATE OF name, parent_id, complete_name ON res_partner
            FOR EACH ROW EXECUTE FUNCTION res_partner_complete_name();
        CREATE FUNCTION res_partner_contacts_renamed() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            -- Writing the column has res_partner_complete_name compute it again from the new name.
            UPDATE res_partner SET complete_name = NULL WHERE parent_id = NEW.id;
            RETURN NULL;
        END $fn$;
        CREATE TRIGGER res_partner_contacts_renamed AFTER UPDATE OF name ON res_partner
            FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION res_partner_contacts_renamed();
        CREATE INDEX res_partner_complete_name_trgm ON res_partner USING gin (complete_name gin_trgm_ops);
        CREATE INDEX res_partner_email_trgm ON res_partner USING gin (email gin_trgm_ops);
        CREATE INDEX res_partner_ref_trgm ON res_partner USING gin (ref gin_trgm_ops);
        """#)
}
