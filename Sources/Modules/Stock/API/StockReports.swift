import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation
import Product

/// Printed transfers and what is due, for the people who receive and ship:
/// - `GET /report/html/stock.report_deliveryslip/{ids}`: delivery notes (and receipts): the
///   transfer, its partner, source document, places, and per product the demand and what was done;
/// - `GET /report/html/stock_picking_batch.report_picking_batch/{ids}`: a batch's or wave's pick
///   list, place by place;
/// - `GET /api/v1/stock/schedule[?from=YYYY-MM-DD&days=7]`: the caller's open transfers due per
///   day (China time), incoming and outgoing: what a store has coming and when, what a DC has due
///   in and due out.
/// Documents take `?lang=en_US` or `zh_CN` (the default); each is also a PDF file at
/// `/report/pdf/<report>/{ids}`.
enum StockReports {
    static let endpoints: [Endpoint] = [
        Endpoint(.get, "/api/v1/stock/schedule", handler: schedule),
    ] + PrintedDocument.endpoints("stock.report_deliveryslip", documents: deliverySlips)
        + PrintedDocument.endpoints("stock_picking_batch.report_picking_batch", documents: pickLists)

    static func deliverySlips(_ store: RecordStore, _ ids: [Int64], _ lang: String) async throws -> [PrintedDocument] {
        let l = { (en: String, zh: String) in PrintedDocument.text(lang, en, zh) }
        let reader = try await PrintedDocument.readable(store, "stock.picking", ids)
        let pickings = try await reader.read("stock.picking", ids: ids, fields: [
            "name", "picking_type_code", "partner_id", "origin", "scheduled_date", "date_done", "location_id", "location_dest_id", "state", "company_id",
        ])
        let moves = try await reader.searchRead("stock.move", domain: .leaf("picking_id", .in, .array(ids.map(Value.int))), fields: [
            "picking_id", "product_id", "product_uom_qty", "quantity", "product_uom", "state",
        ], order: "picking_id, sequence, id", load: .classicWrite)
        // The pallets each transfer's goods are on (their SSCCs), as the delivery note lists them.
        let packed = try await reader.searchRead("stock.move.line", domain: .and([
            .leaf("picking_id", .in, .array(ids.map(Value.int))), .leaf("result_package_id", .notEqual, .false),
        ]), fields: ["picking_id", "result_package_id"], order: "picking_id, id")
        var pallets: [Int64: [String]] = [:]
        for line in packed {
            guard let picking = line["picking_id"]?.arrayValue?.first?.intValue else { continue }
            let name = PrintedDocument.name(line["result_package_id"])
            if !(pallets[picking] ?? []).contains(name) { pallets[picking, default: []].append(name) }
        }
        let names = try await reader.read("product.product", ids: Array(Set(moves.compactMap { $0["product_id"]?.intValue })), fields: ["display_name"])
        let productName = Dictionary(names.compactMap { row in row["id"]?.intValue.map { ($0, row["display_name"]?.stringValue ?? "") } },
                                     uniquingKeysWith: { first, _ in first })
        return pickings.map { picking -> PrintedDocument in
            let id = picking["id"]?.intValue
            let code = picking["picking_type_code"]?.stringValue ?? ""
            return PrintedDocument(
                title: code == "incoming" ? l("Receipt", "收货单") : code == "outgoing" ? l("Delivery Note", "送货单") : l("Transfer", "调拨单"),
                reference: picking["name"]?.stringValue ?? "",
                facts: [
                    (l("Company", "公司"), PrintedDocument.name(picking["company_id"])),
                    (code == "incoming" ? l("From", "发货方") : l("Deliver to", "收货方"), PrintedDocument.name(picking["partner_id"])),
                    (l("Source Document", "来源单据"), picking["origin"]?.stringValue ?? ""),
                    (l("Scheduled", "计划日期"), PrintedDocument.chinaTime(picking["scheduled_date"])),
                    (l("From location", "源库位"), PrintedDocument.name(picking["location_id"])),
                    (l("To location", "目标库位"), PrintedDocument.name(picking["location_dest_id"])),
                    (l("Done", "完成时间"), PrintedDocument.chinaTime(picking["date_done"])),
                    (l("Status", "状态"), picking["state"]?.stringValue ?? ""),
                    (l("Pallets (SSCC)", "托盘 (SSCC)"), (pallets[id ?? 0] ?? []).joined(separator: ", ")),
                ],
                columns: [.init(l("Product", "商品")), .init(l("Demand", "需求数量"), numeric: true), .init(l("Done", "实发数量"), numeric: true)],
                rows: moves.filter { $0["picking_id"]?.intValue == id && $0["state"]?.stringValue != "cancel" }.map { move in
                    [productName[move["product_id"]?.intValue ?? 0] ?? "", PrintedDocument.quantity(move["product_uom_qty"]),
                     PrintedDocument.quantity(move["quantity"])]
                })
        }
    }

    static func pickLists(_ store: RecordStore, _ ids: [Int64], _ lang: String) async throws -> [PrintedDocument] {
        let l = { (en: String, zh: String) in PrintedDocument.text(lang, en, zh) }
        let reader = try await PrintedDocument.readable(store, "stock.picking.batch", ids)
        var documents: [PrintedDocument] = []
        for batch in try await reader.read("stock.picking.batch", ids: ids, fields: ["name", "scheduled_date", "description", "state", "company_id", "is_wave"]) {
            let lines = try await Batches.pickList(store.tx, batch: batch["id"]?.intValue ?? 0)
            documents.append(PrintedDocument(
                title: batch["is_wave"]?.boolValue == true ? l("Wave Pick List", "波次拣货单") : l("Batch Pick List", "批量拣货单"),
                reference: batch["name"]?.stringValue ?? "",
                facts: [
                    (l("Company", "公司"), PrintedDocument.name(batch["company_id"])),
                    (l("Route", "线路"), batch["description"]?.stringValue ?? ""),
                    (l("Scheduled", "计划日期"), PrintedDocument.chinaTime(batch["scheduled_date"])),
                    (l("Status", "状态"), batch["state"]?.stringValue ?? ""),
                ],
                columns: [.init(l("Location", "库位")), .init(l("Code", "编码")), .init(l("Product", "商品")), .init(l("Quantity", "数量"), numeric: true),
                          .init(l("Transfers", "单据"))],
                rows: lines.map { [$0.location, $0.code, $0.name, PrintedDocument.quantity(.double($0.quantity)), $0.pickings.joined(separator: ", ")] }))
        }
        return documents
    }

    static func schedule(_ request: EndpointRequest) async throws -> EndpointResponse {
        let days = try request.integer("days") ?? 7
        guard (1...31).contains(days) else { throw ChainstoreError.valueError("days must be 1 to 31") }
        let from = request.query["from"] ?? ChinaCalendar.today().iso
        let parts = from.split(separator: "-").compactMap { Int($0) }
        guard from.count == 10, parts.count == 3, GS1Date(year: parts[0], month: parts[1], day: parts[2]) != nil else {
            throw ChainstoreError.valueError("from must be a day, YYYY-MM-DD")
        }
        let value = try await request.signedIn().read { store -> Value in
            // The caller's open transfers of those days (record rules), then their lines in one statement.
            let (start, end) = try await store.tx.query("""
                SELECT to_char(\(from)::date::timestamp AT TIME ZONE 'Asia/Shanghai' AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                       to_char((\(from)::date + \(days)::int)::timestamp AT TIME ZONE 'Asia/Shanghai' AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
                """)[0].decode((String, String).self)
            let ids = try await store.search("stock.picking", domain: .and([
                .leaf("state", .notIn, ["draft", "done", "cancel"]),
                .leaf("scheduled_date", .greaterOrEqual, .string(start)), .leaf("scheduled_date", .less, .string(end)),
            ]), limit: 5000, order: "scheduled_date, id")
            let rows = try await store.tx.query("""
                SELECT to_char(p.scheduled_date AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), t.code, p.id, p.name, coalesce(r.name, ''), coalesce(p.origin, ''),
                       p.state, to_char(p.scheduled_date AT TIME ZONE 'Asia/Shanghai', 'HH24:MI'),
                       (SELECT coalesce(sum(m.product_uom_qty), 0)::float8 FROM stock_move m WHERE m.picking_id = p.id AND m.state <> 'cancel')
                FROM stock_picking p JOIN stock_picking_type t ON t.id = p.picking_type_id LEFT JOIN res_partner r ON r.id = p.partner_id
                WHERE p.id = ANY(\(ids)) ORDER BY p.scheduled_date, p.id
                """).map { try $0.decode((String, String, Int64, String, String, String, String, String, Double).self) }
            var byDay: [String: [String: [Value]]] = [:]
            for (day, code, id, name, partner, origin, state, time, units) in rows {
                byDay[day, default: [:]][code, default: []].append([
                    "id": .int(id), "name": .string(name), "partner": .string(partner), "origin": .string(origin), "state": .string(state),
                    "time": .string(time), "units": .double(units),
                ])
            }
            return ["from": .string(from), "days": .array(byDay.keys.sorted().map { day in
                let kinds = byDay[day] ?? [:]
                func part(_ code: String) -> Value {
                    let transfers = kinds[code] ?? []
                    return ["count": .int(Int64(transfers.count)),
                            "units": .double(transfers.reduce(0) { $0 + ($1.dictValue?["units"]?.doubleValue ?? 0) }), "transfers": .array(transfers)]
                }
                return ["date": .string(day), "incoming": part("incoming"), "outgoing": part("outgoing"), "internal": part("internal")]
            })]
        }
        return .json(value)
    }
}
