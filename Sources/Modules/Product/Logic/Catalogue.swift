import Barcode
import ChainstoreCore

/// SQL and checks shared by the catalogue models.
public enum Catalogue {
    /// A variant's price extra: the sum of its attribute values' extras.
    static let priceExtraSQL = """
        coalesce((SELECT sum(ptav.price_extra) FROM product_variant_combination c \
        JOIN product_template_attribute_value ptav ON ptav.id = c.product_template_attribute_value_id \
        WHERE c.product_product_id = $t.id), 0)
        """

    /// `<sales price>::text, <cost>::text, <tax ids>` of the variant `p` of template `t`: what
    /// pricing reads about a product, in every query that prices.
    static let priceFactsSQL = """
        (t.list_price + \(priceExtraSQL.replacingOccurrences(of: "$t", with: "p")))::text, t.standard_price::text, \
        ARRAY(SELECT r.tax_id FROM product_taxes_rel r WHERE r.prod_id = t.id ORDER BY r.tax_id)
        """

    /// "[CODE] Name (Value, Value)", as Odoo shows a variant: from the variant's own row, which
    /// keeps its template's name and its values' names (migrations 0014 and 0016).
    static let variantDisplayNameSQL = """
        (CASE WHEN coalesce($t.default_code, '') <> '' THEN '[' || $t.default_code || '] ' ELSE '' END \
        || $t.name || coalesce(' (' || $t.combination_name || ')', ''))
        """

    /// A barcode made only of digits with a GTIN's length must carry a valid GS1 check digit;
    /// other codes (internal, alphanumeric) are accepted as they are.
    @Sendable static func checkBarcode(_ value: Value) -> String? {
        guard case .string(let code) = value, !code.isEmpty else { return nil }
        guard code.utf8.allSatisfy({ (48...57).contains($0) }), [8, 12, 13, 14].contains(code.utf8.count) else { return nil }
        guard CheckDigit.isValidGS1(code) else { return "'\(code)' is not a valid GTIN: wrong check digit" }
        return nil
    }

    /// A barcode rule pattern must compile (digits, `.`, one `{N…D…}` group, or `.*`).
    @Sendable static func checkPattern(_ value: Value) -> String? {
        guard case .string(let pattern) = value else { return nil }
        do {
            _ = try NomenclatureRule(type: "product", pattern: pattern, encoding: .any)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
