import ChainstoreCore

extension Migration {
    /// A variant keeps the names of its attribute values (`combination_name`, "M, Red" in the
    /// attributes' order; NULL without attributes), as it keeps its template's name: its display
    /// name, read for every line, balance or rule that links to it, is then its own columns, not
    /// two look-ups and an aggregate over four tables per row (7 of a balance page's 16 ms).
    /// Triggers follow every change that moves the text: a variant's values, a value's name or
    /// attribute, an attribute's order, the value a template's value stands for.
    static let combinationName = Migration("0016_combination_name", sql: #"""
        ALTER TABLE product_product ADD COLUMN combination_name text;

        CREATE FUNCTION product_combination_name(variant bigint) RETURNS text LANGUAGE sql STABLE AS $fn$
            SELECT string_agg(pav.name, ', ' ORDER BY pa.sequence, pa.id)
            FROM product_variant_combination c
            JOIN product_template_attribute_value ptav ON ptav.id = c.product_template_attribute_value_id
            JOIN product_attribute_value pav ON pav.id = ptav.product_attribute_value_id
            JOIN product_attribute pa ON pa.id = pav.attribute_id
            WHERE c.product_product_id = variant
        $fn$;

        UPDATE product_product v SET combination_name = product_combination_name(v.id)
        WHERE v.id IN (SELECT product_product_id FROM product_variant_combination);

        -- A variant's values added, removed or changed.
        CREATE FUNCTION product_combination_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                UPDATE product_product v SET combination_name = product_combination_name(v.id)
                WHERE v.id IN (SELECT product_product_id FROM new_rows);
            ELSIF TG_OP = 'DELETE' THEN
                UPDATE product_product v SET combination_name = product_combination_name(v.id)
                WHERE v.id IN (SELECT product_product_id FROM old_rows);
            ELSE
                UPDATE product_product v SET combination_name = product_combination_name(v.id)
                WHERE v.id IN (SELECT product_product_id FROM new_rows UNION SELECT product_product_id FROM old_rows);
            END IF;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_combination_made AFTER INSERT ON product_variant_combination
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_combination_changed();
        CREATE TRIGGER product_combination_removed AFTER DELETE ON product_variant_combination
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_combination_changed();
        CREATE TRIGGER product_combination_moved AFTER UPDATE ON product_variant_combination
            REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_combination_changed();

        -- A value renamed or moved to another attribute; an attribute reordered; a template's
        -- value standing for another value. Each renames the variants that carry it.
        CREATE FUNCTION product_combination_renamed() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            UPDATE product_product v SET combination_name = product_combination_name(v.id)
            WHERE v.id IN (
                SELECT c.product_product_id FROM product_variant_combination c
                JOIN product_template_attribute_value ptav ON ptav.id = c.product_template_attribute_value_id
                WHERE CASE TG_TABLE_NAME
                    WHEN 'product_attribute_value' THEN ptav.product_attribute_value_id = NEW.id
                    WHEN 'product_attribute' THEN ptav.product_attribute_value_id IN (SELECT id FROM product_attribute_value WHERE attribute_id = NEW.id)
                    ELSE ptav.id = NEW.id
                END);
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_attribute_value_names_variants AFTER UPDATE OF name, attribute_id ON product_attribute_value
            FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.attribute_id IS DISTINCT FROM NEW.attribute_id)
            EXECUTE FUNCTION product_combination_renamed();
        CREATE TRIGGER product_attribute_orders_variants AFTER UPDATE OF sequence ON product_attribute
            FOR EACH ROW WHEN (OLD.sequence IS DISTINCT FROM NEW.sequence) EXECUTE FUNCTION product_combination_renamed();
        CREATE TRIGGER product_template_attribute_value_names_variants AFTER UPDATE OF product_attribute_value_id ON product_template_attribute_value
            FOR EACH ROW WHEN (OLD.product_attribute_value_id IS DISTINCT FROM NEW.product_attribute_value_id)
            EXECUTE FUNCTION product_combination_renamed();
        """#)
}
