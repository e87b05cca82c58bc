import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation
import Stock

/// The labels of a notice's pallets, to print and stick on them (GS1 logistic label): the SSCC as
/// GS1-128 `(00)`, and for a pallet of one product its GTIN, count, lot and date (`(02)(37)(10)`
/// with `(17)` expiry or `(15)` best before), with the human-readable lines, the supplier, the
/// buyer and the order. One label a page (A6), ready for the browser's print dialog.
extension SupplierPortal {
    static func labels(_ store: RecordStore, notice id: Int64) async throws -> String {
        guard !(try await store.search("purchase.asn", domain: .leaf("id", .equal, .int(id)))).isEmpty else {
            throw ChainstoreError.missing("No shipping notice \(id) for you")
        }
        let rows = try await store.tx.query("""
            SELECT a.name, o.name, coalesce(s.name, ''), coalesce(c.name, ''), ap.sscc, ap.kind, coalesce(ap.gross_weight_kg::text, ''),
                   count(al.id), min(al.gtin), min(t.name), min(al.quantity)::text, min(al.lot_name),
                   to_char(min(al.expiry_date), 'YYMMDD'), to_char(min(al.best_before_date), 'YYMMDD'), min(p.barcode)
            FROM purchase_asn a JOIN purchase_order o ON o.id = a.purchase_id JOIN purchase_asn_package ap ON ap.asn_id = a.id
            LEFT JOIN res_partner s ON s.id = a.partner_id LEFT JOIN res_company c ON c.id = a.company_id
            LEFT JOIN purchase_asn_line al ON al.package_id = ap.id LEFT JOIN product_product p ON p.id = al.product_id
            LEFT JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE a.id = \(id) GROUP BY a.id, o.id, s.id, c.id, ap.id ORDER BY ap.id
            """).map { try $0.decode((String, String, String, String, String, String, String, Int, String?, String?, String?, String?, String?,
                                      String?, String?).self) }
        var labels: [[String: Any]] = []
        for (notice, order, supplier, buyer, sscc, kind, weight, items, gtin, product, quantity, lot, expiry, bestBefore, barcode) in rows {
            var content: [(ai: String, value: String)] = []
            // One product on the pallet: what it holds, as the second symbol.
            if items == 1, let code = gtin ?? barcode.map({ String(repeating: "0", count: max(0, 14 - $0.count)) + $0 }), code.count == 14,
               let count = quantity.flatMap(Double.init), count >= 1, count == count.rounded(), count < 1e8 {
                content = [("02", code), ("37", String(Int(count)))]
                if let expiry { content.append(("17", expiry)) } else if let bestBefore { content.append(("15", bestBefore)) }
                if let lot { content.append(("10", lot)) }
            }
            // The symbols are SVG the barcode module draws; their captions are text.
            var symbols: [[String: Any]] = [["svg": try GS1128.encode([("00", sscc)]).svg(moduleWidth: 2, height: 90), "caption": GS1128.humanReadable([("00", sscc)])]]
            if !content.isEmpty, let symbol = try? GS1128.encode(content) {
                symbols.insert(["svg": symbol.svg(moduleWidth: 2, height: 70), "caption": GS1128.humanReadable(content)], at: 0)
            }
            labels.append([
                "sscc": sscc, "supplier": supplier, "buyer": buyer, "order": order, "notice": notice, "pallet": kind != "case",
                "single": items == 1, "product": product ?? "", "items": items, "hasWeight": !weight.isEmpty, "weight": weight, "symbols": symbols,
            ])
        }
        return try Self.labelTemplate.render(["labels": labels])
    }

    /// The labels' page template (`Print/labels.mustache`).
    static let labelTemplate = PrintTemplate(Bundle.module.url(forResource: "Print", withExtension: nil)!, "labels")
}
