import ChainstoreCore

extension Migration {
    /// Tills hear of catalogue changes on the bus (`["db","broadcast"]`, type
    /// `product.catalogue/changed`, with the new catalogue version and up to 100 of the variants),
    /// one notification per statement, in the transaction that makes the change; then they fetch
    /// `GET /api/v1/catalogue?since=VERSION`.
    static let catalogueBus = Migration("0010_catalogue_bus", sql: #"""
        CREATE FUNCTION chainstore_catalogue_bus() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            INSERT INTO bus_bus (channel, message)
            -- The channel in the bus's compact form (`Bus.channel`): `["db","broadcast"]`.
            SELECT '[' || to_json(current_database()::text)::text || ',"broadcast"]',
                   json_build_object('type', 'product.catalogue/changed', 'payload',
                       json_build_object('version', max(c.catalogue_version),
                                         'product_ids', (SELECT coalesce(json_agg(x.id ORDER BY x.id), '[]') FROM (SELECT id FROM changed ORDER BY id LIMIT 100) x),
                                         'count', count(*)))::text
            FROM changed c HAVING count(*) > 0;
            PERFORM pg_notify('cs_bus', '');
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER product_product_bus_insert AFTER INSERT ON product_product
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_catalogue_bus();
        CREATE TRIGGER product_product_bus_update AFTER UPDATE ON product_product
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION chainstore_catalogue_bus();
        """#)
}
