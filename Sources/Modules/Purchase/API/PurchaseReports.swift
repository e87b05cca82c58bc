import ChainstoreCore
import ChainstoreDB
import Foundation
import Stock

/// `GET /report/html/purchase.report_purchaseorder/{ids}` (and `/report/pdf/…`): purchase orders
/// as pages to print and as a PDF file (Odoo's report name): vendor, buyer, dates, lines with quantity, price and subtotal, totals;
/// for the buyer's staff and the supplier's portal users alike (each under their rules).
enum PurchaseReports {
    static let endpoints = PrintedDocument.endpoints("purchase.report_purchaseorder", documents: orders)

    static func orders(_ store: RecordStore, _ ids: [Int64], _ lang: String) async throws -> [PrintedDocument] {
        let l = { (en: String, zh: String) in PrintedDocument.text(lang, en, zh) }
        let reader = try await PrintedDocument.readable(store, "purchase.order", ids)
        let orders = try await reader.read("purchase.order", ids: ids, fields: [
            "name", "state", "partner_id", "partner_ref", "company_id", "date_order", "date_approve", "date_planned", "origin",
            "amount_untaxed", "amount_tax", "amount_total", "notes",
        ])
        let lines = try await reader.searchRead("purchase.order.line", domain: .leaf("order_id", .in, .array(ids.map(Value.int))), fields: [
            "order_id", "name", "product_qty", "product_uom", "price_unit", "price_subtotal", "date_planned",
        ], order: "order_id, sequence, id", load: .classicWrite)
        let units = try await reader.read("uom.uom", ids: Array(Set(lines.compactMap { $0["product_uom"]?.intValue })), fields: ["name"])
        let unitName = Dictionary(units.compactMap { row in row["id"]?.intValue.map { ($0, row["name"]?.stringValue ?? "") } },
                                  uniquingKeysWith: { first, _ in first })
        return orders.map { order -> PrintedDocument in
            let confirmed = ["purchase", "done"].contains(order["state"]?.stringValue ?? "")
            return PrintedDocument(
                title: confirmed ? l("Purchase Order", "采购订单") : l("Request for Quotation", "询价单"),
                reference: order["name"]?.stringValue ?? "",
                facts: [
                    (l("Vendor", "供应商"), PrintedDocument.name(order["partner_id"])),
                    (l("Buyer", "采购方"), PrintedDocument.name(order["company_id"])),
                    (l("Order Date", "下单日期"), PrintedDocument.chinaTime(order["date_approve"]?.stringValue != nil ? order["date_approve"] : order["date_order"])),
                    (l("Expected Arrival", "预计到货"), PrintedDocument.chinaTime(order["date_planned"])),
                    (l("Vendor Reference", "供应商单号"), order["partner_ref"]?.stringValue ?? ""),
                    (l("Source Document", "来源单据"), order["origin"]?.stringValue ?? ""),
                ],
                columns: [
                    .init(l("Description", "商品")), .init(l("Expected", "交货日期")), .init(l("Quantity", "数量"), numeric: true),
                    .init(l("Unit", "单位")), .init(l("Unit Price", "单价"), numeric: true), .init(l("Amount", "金额"), numeric: true),
                ],
                rows: lines.filter { $0["order_id"]?.intValue == order["id"]?.intValue }.map { line in
                    [line["name"]?.stringValue ?? "", String(PrintedDocument.chinaTime(line["date_planned"]).prefix(10)),
                     PrintedDocument.quantity(line["product_qty"]), unitName[line["product_uom"]?.intValue ?? 0] ?? "",
                     PrintedDocument.money(line["price_unit"]), PrintedDocument.money(line["price_subtotal"])]
                },
                totals: [
                    (l("Untaxed Amount", "未税金额"), PrintedDocument.money(order["amount_untaxed"])),
                    (l("Taxes", "税额"), PrintedDocument.money(order["amount_tax"])),
                    (l("Total", "合计"), PrintedDocument.money(order["amount_total"])),
                ])
        }
    }
}
