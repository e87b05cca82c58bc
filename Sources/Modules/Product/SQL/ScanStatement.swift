import PostgresNIO

/// The scan lookup as a prepared statement: a variant by barcode, a case by its barcode or a
/// variant by internal reference, with what pricing needs, and whether the caller may read it
/// under the multi-company rule of the catalogue (the template's company empty, under one of
/// the caller's companies, or above them). Used while no other record rule applies to
/// variants or templates; otherwise the scan compiles the rules like any read.
struct ScanStatement: PostgresPreparedStatement {
    static let name = "chainstore_scan_v2"
    static let sql = """
        WITH hit AS (
            SELECT 1 AS rank, p.id AS variant, NULL::text AS pack, 1::numeric AS qty FROM product_product p
            WHERE p.barcode = ANY($1::text[]) AND p.active
            UNION ALL SELECT 2, k.product_id, k.name, k.qty FROM product_packaging k WHERE k.barcode = ANY($1::text[])
            UNION ALL SELECT 3, p.id, NULL, 1 FROM product_product p WHERE p.default_code = $2::text AND p.active
            ORDER BY 1 LIMIT 1)
        SELECT hit.rank::bigint, p.id, p.product_tmpl_id, t.categ_id, t.name, p.barcode, p.default_code, u.name,
            \(Catalogue.priceFactsSQL),
            hit.pack, hit.qty::text,
            (t.company_id IS NULL
                OR EXISTS (SELECT 1 FROM res_company c WHERE c.id = t.company_id AND c.parent_path LIKE ANY (
                    SELECT r.parent_path || '%' FROM res_company r WHERE r.id = ANY($3::bigint[])))
                OR t.company_id IN (SELECT a::bigint FROM res_company r, unnest(string_to_array(rtrim(r.parent_path, '/'), '/')) a
                    WHERE r.id = ANY($3::bigint[])))
        FROM hit JOIN product_product p ON p.id = hit.variant JOIN product_template t ON t.id = p.product_tmpl_id
        JOIN uom_uom u ON u.id = t.uom_id WHERE t.active
        """

    typealias Row = (Int64, Int64, Int64, Int64, String, String?, String?, String, String, String, [Int64], String?, String, Bool)

    let forms: [String]
    let reference: String?
    let allowed: [Int64]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(forms)
        if let reference { bindings.append(reference) } else { bindings.appendNull() }
        bindings.append(allowed)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
