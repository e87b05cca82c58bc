import ChainstoreCore

extension Migration {
    /// Variants announce their changes too (every bump of `catalogue_version` is an UPDATE of
    /// `product_product`), so nodes keep their scan index current; a removal drops it.
    static let productNotices = Migration("0005_product_notices", sql: #"""
        CREATE TRIGGER product_product_notice AFTER INSERT OR UPDATE ON product_product
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_catalogue_notice();
        CREATE FUNCTION chainstore_variant_removed_notice() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM pg_notify('chainstore_catalogue', 'product_product_removed');
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_product_removed_notice AFTER DELETE ON product_product
            FOR EACH STATEMENT EXECUTE FUNCTION chainstore_variant_removed_notice();
        """#)
}
