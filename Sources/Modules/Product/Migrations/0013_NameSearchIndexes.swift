import ChainstoreCore

extension Migration {
    /// Trigram indexes (PostgreSQL's pg_trgm, a trusted extension) on what `name_search` matches
    /// with `ilike '%…%'`: a variant's code and barcode, a template's name (a variant's own copy
    /// of it is indexed by 0014). Patterns of fewer than three characters have no trigram.
    static let nameSearchIndexes = Migration("0013_name_search_indexes", sql: """
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX product_template_name_trgm ON product_template USING gin (name gin_trgm_ops);
        CREATE INDEX product_product_default_code_trgm ON product_product USING gin (default_code gin_trgm_ops);
        CREATE INDEX product_product_barcode_trgm ON product_product USING gin (barcode gin_trgm_ops);
        """)
}
