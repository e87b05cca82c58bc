import ChainstoreCore

extension Migration {
    /// A variant keeps its template's company on its own row (the multi-company rule then reads
    /// the variant alone), and the variants' default order has its index.
    static let variantCompany = Migration("0008_variant_company", sql: #"""
        ALTER TABLE product_product ADD COLUMN company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT;
        UPDATE product_product v SET company_id = t.company_id FROM product_template t WHERE t.id = v.product_tmpl_id;
        CREATE INDEX product_product_company_id ON product_product (company_id);
        CREATE INDEX product_product_order ON product_product (default_code, id);

        CREATE FUNCTION chainstore_variant_company() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            NEW.company_id := (SELECT t.company_id FROM product_template t WHERE t.id = NEW.product_tmpl_id);
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER product_product_company BEFORE INSERT OR UPDATE OF product_tmpl_id, company_id ON product_product
            FOR EACH ROW EXECUTE FUNCTION chainstore_variant_company();

        CREATE FUNCTION chainstore_template_company() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            UPDATE product_product v SET company_id = NEW.company_id WHERE v.product_tmpl_id = NEW.id;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_template_company AFTER UPDATE OF company_id ON product_template
            FOR EACH ROW WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id) EXECUTE FUNCTION chainstore_template_company();
        """#)
}
