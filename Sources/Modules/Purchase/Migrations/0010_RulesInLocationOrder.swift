import ChainstoreCore
import ChainstoreDB
import Foundation

extension Migration {
    /// A reordering rule keeps its location's name (`location_name`), so its default order
    /// (Odoo's `location_id, company_id, id`: the location's name and id, then the company) is
    /// read from an index. Sorted through the location instead, a group administrator's first
    /// page of 25 million rules took a minute (every rule's location looked up, then sorted),
    /// and walking the locations in name order passed 400,000 of them without a rule first.
    /// The rule's fill trigger copies the name when the rule is made or moved; a location
    /// renamed or moved (its own name or a parent's, which rewrites `complete_name` below it)
    /// copies the new name to its rules (`KeptSortKey`).
    static let rulesInLocationOrder = Migration("0010_rules_in_location_order", sql: KeptSortKey.add(
        table: "stock_warehouse_orderpoint", column: "location_name", type: "text", link: "location_id", parent: "stock_location", key: "complete_name",
        required: true, index: "location_name, location_id, company_id, id") + """
        CREATE OR REPLACE FUNCTION stock_orderpoint_fill() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE w record;
        BEGIN
            SELECT sw.company_id, sw.lot_stock_id, v.parent_path INTO w
            FROM stock_warehouse sw LEFT JOIN stock_location v ON v.id = sw.view_location_id WHERE sw.id = NEW.warehouse_id;
            NEW.location_id := coalesce(NEW.location_id, w.lot_stock_id);
            IF NEW.company_id IS DISTINCT FROM w.company_id THEN
                RAISE check_violation USING MESSAGE = 'A reordering rule belongs to the company of its warehouse.',
                    CONSTRAINT = 'stock_warehouse_orderpoint_company';
            END IF;
            SELECT l.complete_name INTO NEW.location_name FROM stock_location l
            WHERE l.id = NEW.location_id AND l.parent_path LIKE w.parent_path || '%';
            IF NOT FOUND THEN
                RAISE check_violation USING MESSAGE = 'The location of a reordering rule must be in its warehouse.',
                    CONSTRAINT = 'stock_warehouse_orderpoint_location';
            END IF;
            RETURN NEW;
        END
        $fn$;
        """ + KeptSortKey.follow(
            table: "stock_warehouse_orderpoint", column: "location_name", link: "location_id", parent: "stock_location", key: "complete_name",
            watching: ["name", "location_id", "complete_name"]))
}
