import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// A price-list rule keeps its category's name (`categ_name`), so Odoo's default order
    /// (`applied_on, min_quantity desc, categ_id desc, id desc`, the category sorted by its full
    /// name) is read from an index. Sorted through the category instead, an administrator's
    /// first page of the group's 424,213 rules took 2.3–3.1 s, 404,200 of them in the first
    /// group of equal keys. The rule's trigger copies the name when the rule is made or moves
    /// to another category; a category renamed or moved (its own name or a parent's, which
    /// rewrites `complete_name` below it) copies the new name to its rules (`KeptSortKey`).
    /// An attribute line's order (`sequence, attribute_id, id`) starts with an index too.
    static let priceRulesInOrder = Migration("0015_price_rules_in_order", sql: KeptSortKey.add(
        table: "product_pricelist_item", column: "categ_name", type: "text", link: "categ_id", parent: "product_category", key: "complete_name",
        required: false, index: "applied_on, min_quantity DESC, categ_name DESC, categ_id DESC, id DESC") + """
        CREATE FUNCTION product_pricelist_item_categ_name() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            NEW.categ_name := (SELECT c.complete_name FROM product_category c WHERE c.id = NEW.categ_id);
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER product_pricelist_item_categ_name_insert BEFORE INSERT ON product_pricelist_item
            FOR EACH ROW WHEN (NEW.categ_id IS NOT NULL) EXECUTE FUNCTION product_pricelist_item_categ_name();
        CREATE TRIGGER product_pricelist_item_categ_name_update BEFORE UPDATE OF categ_id ON product_pricelist_item
            FOR EACH ROW EXECUTE FUNCTION product_pricelist_item_categ_name();

        CREATE INDEX product_template_attribute_line_order ON product_template_attribute_line (sequence, id);
        """ + KeptSortKey.follow(
            table: "product_pricelist_item", column: "categ_name", link: "categ_id", parent: "product_category", key: "complete_name",
            watching: ["name", "parent_id", "complete_name"]))
}
