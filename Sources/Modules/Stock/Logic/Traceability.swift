import ChainstoreCore
import ChainstoreDB
import Foundation

/// Where a lot, serial or pallet came from and everywhere it went, from the ledger itself: every
/// done move line that carried it, in order. Upstream is how it entered the group (a supplier
/// receipt, a count that found it); downstream is every move after (transfers, stores, customers
/// — a till sale is a move to the customers' location). Also where it is now.
enum Traceability {
    static func trace(_ store: RecordStore, lots: [Int64]) async throws -> Value {
        try await readable(store, "stock.lot", lots)
        return .array(try await lots.sorted().asyncMap { lot in
            var head = SQLBuilder("SELECT l.name, t.name FROM stock_lot l JOIN product_product p ON p.id = l.product_id ")
            head += "JOIN product_template t ON t.id = p.product_tmpl_id WHERE l.id = "
            head.bind(.int(lot))
            let (name, product) = try await store.tx.query(head)[0].decode((String, String).self)
            var trace = try await lines(store, .lot(lot))
            trace["lot"] = .string(name)
            trace["product"] = .string(product)
            trace["id"] = .int(lot)
            return .dict(trace)
        })
    }

    static func trace(_ store: RecordStore, packages: [Int64]) async throws -> Value {
        try await readable(store, "stock.quant.package", packages)
        return .array(try await packages.sorted().asyncMap { package in
            var head = SQLBuilder("SELECT name FROM stock_quant_package WHERE id = ")
            head.bind(.int(package))
            let name = try await store.tx.query(head)[0].decode(String.self)
            var trace = try await lines(store, .package(package))
            trace["package"] = .string(name)
            trace["id"] = .int(package)
            return .dict(trace)
        })
    }

    private static func readable(_ store: RecordStore, _ model: String, _ ids: [Int64]) async throws {
        let visible = try await store.search(model, domain: .leaf("id", .in, .array(ids.map(Value.int))))
        if Set(visible) != Set(ids) {
            throw ChainstoreError.missing("Record does not exist or has been deleted.\n(Record: \(model)(\(ids.map(String.init).joined(separator: ", "))))")
        }
    }

    enum Subject { case lot(Int64), package(Int64) }

    /// The done lines that carried the subject, split into upstream and downstream, and the
    /// balances holding it now.
    private static func lines(_ store: RecordStore, _ subject: Subject) async throws -> RecordValues {
        var sql = SQLBuilder("SELECT ml.id, to_char(ml.date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), coalesce(ml.reference, ''), ")
        sql += "sl.complete_name, dl.complete_name, sl.usage, dl.usage, ml.quantity_product_uom, t.name, "
        sql += "coalesce(pa.name, ''), coalesce(pt.code, ''), coalesce(lot.name, '') FROM stock_move_line ml "
        sql += "JOIN stock_location sl ON sl.id = ml.location_id JOIN stock_location dl ON dl.id = ml.location_dest_id "
        sql += "JOIN product_product p ON p.id = ml.product_id JOIN product_template t ON t.id = p.product_tmpl_id "
        sql += "LEFT JOIN stock_move m ON m.id = ml.move_id LEFT JOIN stock_picking pk ON pk.id = ml.picking_id "
        sql += "LEFT JOIN res_partner pa ON pa.id = coalesce(pk.partner_id, m.partner_id) LEFT JOIN stock_picking_type pt ON pt.id = pk.picking_type_id "
        sql += "LEFT JOIN stock_lot lot ON lot.id = ml.lot_id WHERE ml.state = 'done' AND "
        var now = SQLBuilder("SELECT l.complete_name, coalesce(lot.name, ''), q.quantity FROM stock_quant q JOIN stock_location l ON l.id = q.location_id ")
        now += "LEFT JOIN stock_lot lot ON lot.id = q.lot_id WHERE q.quantity <> 0 AND "
        switch subject {
        case .lot(let id):
            sql += "ml.lot_id = "
            sql.bind(.int(id))
            now += "q.lot_id = "
            now.bind(.int(id))
        case .package(let id):
            sql += "(ml.package_id = "
            sql.bind(.int(id))
            sql += " OR ml.result_package_id = "
            sql.bind(.int(id))
            sql += ")"
            now += "q.package_id = "
            now.bind(.int(id))
        }
        sql += " ORDER BY ml.date, ml.id"
        now += " ORDER BY q.id"
        var upstream: [Value] = []
        var downstream: [Value] = []
        for row in try await store.tx.query(sql) {
            let (line, date, reference, from, to, fromUsage, toUsage, quantity, product, partner, code, lot) = try row.decode(
                (Int64, String, String, String, String, String, String, Decimal, String, String, String, String).self)
            let entry: Value = .dict([
                "move_line_id": .int(line), "date": .string(date), "reference": .string(reference), "product": .string(product),
                "lot": lot.isEmpty ? .false : .string(lot), "from": .string(from), "to": .string(to),
                "quantity": .number(quantity), "partner": partner.isEmpty ? .false : .string(partner),
                "operation": code.isEmpty ? .false : .string(code),
            ])
            let entering = !["internal", "transit"].contains(fromUsage) && ["internal", "transit"].contains(toUsage)
            if entering { upstream.append(entry) } else { downstream.append(entry) }
        }
        let onHand: [Value] = try await store.tx.query(now).map { row in
            let (location, lot, quantity) = try row.decode((String, String, Decimal).self)
            return .dict(["location": .string(location), "lot": lot.isEmpty ? .false : .string(lot), "quantity": .number(quantity)])
        }
        return ["upstream": .array(upstream), "downstream": .array(downstream), "on_hand": .array(onHand)]
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        result.reserveCapacity(count)
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
