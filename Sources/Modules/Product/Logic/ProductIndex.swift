import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// A node's copy of what a scan needs about every variant, kept current from the catalogue
/// versions: loaded once, then each `product_product` notice brings only the variants above
/// the version held. A scan that finds nothing here still asks the database (a product created
/// a moment ago), so the index only ever answers for variants it has seen.
struct ProductIndex: Sendable {
    struct Variant: Sendable {
        let id: Int64, template: Int64, category: Int64
        let name: String, barcode: String?, defaultCode: String?, uom: String
        let listPrice: String, cost: String, taxes: [Int64], company: Int64?, sellable: Bool
        /// Codes that lead here: the barcode and its cases' barcodes (`b:`), the reference (`r:`).
        let keys: [String]
    }

    struct Code: Sendable {
        let variant: Int64
        let pack: String?
        let quantity: String
    }

    var version: Int64 = 0
    var variants: [Int64: Variant] = [:]
    var codes: [String: Code] = [:]

    mutating func apply(_ variant: Variant, codes new: [(String, Code)]) {
        if let old = variants[variant.id] { for key in old.keys where codes[key]?.variant == variant.id { codes[key] = nil } }
        variants[variant.id] = variant
        for (key, code) in new { codes[key] = code }
    }

    static let sql = """
        SELECT p.id, p.product_tmpl_id, t.categ_id, t.name, p.barcode, p.default_code, u.name,
            \(Catalogue.priceFactsSQL),
            t.company_id, p.active AND t.active, p.catalogue_version,
            coalesce((SELECT jsonb_agg(jsonb_build_array(k.barcode, k.name, k.qty::text)) FROM product_packaging k
                WHERE k.product_id = p.id AND k.barcode IS NOT NULL), '[]')::text
        FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id JOIN uom_uom u ON u.id = t.uom_id
        WHERE p.catalogue_version >
        """

    /// The variants above `version` as an index of their own (streamed in: the first load is the
    /// whole catalogue, built once rather than held twice), with the highest version seen.
    static func fetch(_ database: Database, since version: Int64, logger: Logger) async throws -> ProductIndex {
        try await database.withoutTransaction(logger: logger) { tx in
            var sql = SQLBuilder(Self.sql + " ")
            sql.bind(.int(version), cast: "bigint")
            var result = ProductIndex()
            result.version = version
            try await tx.forEachRow(sql) { row in
                let c = row.makeRandomAccess()
                let id = try c[0].decode(Int64.self)
                let barcode = try c[4].decode(String?.self)
                let reference = try c[5].decode(String?.self)
                let active = try c[11].decode(Bool.self)
                result.version = max(result.version, try c[12].decode(Int64.self))
                var codes: [(String, Code)] = []
                if active {
                    if let barcode { codes.append(("b:" + barcode, Code(variant: id, pack: nil, quantity: "1"))) }
                    if let reference { codes.append(("r:" + reference, Code(variant: id, pack: nil, quantity: "1"))) }
                    for pack in try JSONReader.parse(Array(try c[13].decode(String.self).utf8)).arrayValue ?? [] {
                        let parts = pack.arrayValue ?? []
                        guard parts.count == 3, let code = parts[0].stringValue else { continue }
                        codes.append(("b:" + code, Code(variant: id, pack: parts[1].stringValue, quantity: parts[2].stringValue ?? "1")))
                    }
                }
                let variant = Variant(
                    id: id, template: try c[1].decode(Int64.self), category: try c[2].decode(Int64.self), name: try c[3].decode(String.self),
                    barcode: barcode, defaultCode: reference, uom: try c[6].decode(String.self), listPrice: try c[7].decode(String.self),
                    cost: try c[8].decode(String.self), taxes: try c[9].decode([Int64].self), company: try c[10].decode(Int64?.self),
                    sellable: active, keys: codes.map(\.0))
                result.apply(variant, codes: codes)
            }
            return result
        }
    }

    /// Takes in the variants of `changes` (a later fetch).
    mutating func merge(_ changes: ProductIndex) {
        for variant in changes.variants.values {
            apply(variant, codes: variant.keys.compactMap { key in changes.codes[key].map { (key, $0) } })
        }
        version = changes.version
    }
}
