import ChainstoreCore
import ChainstoreDB
import Foundation

/// Applying an inventory count: what the counters found (summed over counters, by product,
/// place, lot and package) against the balances of the counted place — locked while compared —
/// and each difference posted at once to or from the inventory-loss location, with the reason.
/// In a count of some products only those are compared; otherwise whatever is in the place and
/// was not counted is counted as zero.
enum Counts {
    static let inventoryLoss: Int64 = 5

    struct Difference: Sendable {
        let key: QuantKey, counted: Decimal, recorded: Decimal
        var value: Value {
            return .dict([
                "product_id": .int(key.product), "location_id": .int(key.location), "lot_id": key.lot == 0 ? .false : .int(key.lot),
                "package_id": key.package == 0 ? .false : .int(key.package), "counted": .number(counted), "recorded": .number(recorded),
                "difference": .number(counted - recorded),
            ])
        }
    }

    static func apply(_ store: RecordStore, _ countIds: [Int64]) async throws -> Value {
        let model = try store.model("stock.count")
        try await store.checkAccess(model, .write)
        try await store.lockAndCheck(model, ids: countIds, operation: .write)
        var all: [Value] = []
        for id in countIds.sorted() {
            all += try await applyOne(store, id).map(\.value)
        }
        return .array(all)
    }

    private static func applyOne(_ store: RecordStore, _ id: Int64) async throws -> [Difference] {
        let tx = store.tx
        var head = SQLBuilder("SELECT c.name, c.state, c.reason, l.parent_path, l.company_id IS NOT NULL AND l.company_id IS DISTINCT FROM c.company_id, ")
        head += "coalesce((SELECT array_agg(product_id) FROM stock_count_product_rel r WHERE r.count_id = c.id), '{}') "
        head += "FROM stock_count c JOIN stock_location l ON l.id = c.location_id WHERE c.id = "
        head.bind(.int(id))
        head += " FOR UPDATE OF c"
        guard let row = try await tx.query(head).first else { throw ChainstoreError.missing("Count \(id) does not exist.") }
        let (name, state, reason, path, foreign, products) = try row.decode((String, String, String, String, Bool, [Int64]).self)
        if foreign { throw ChainstoreError.userError("Count \(name) counts a place of another company.") }
        guard state == "draft" else { throw ChainstoreError.userError("Count \(name) is already \(state == "done" ? "applied" : "cancelled").") }

        var outside = SQLBuilder("SELECT t.name, l.complete_name FROM stock_count_line cl JOIN stock_location l ON l.id = cl.location_id ")
        outside += "JOIN product_product p ON p.id = cl.product_id JOIN product_template t ON t.id = p.product_tmpl_id WHERE cl.count_id = "
        outside.bind(.int(id))
        outside += " AND (l.parent_path NOT LIKE "
        outside.bind(.text(path + "%"))
        outside += " OR l.usage <> 'internal' OR (cardinality("
        outside.bind(.intArray(products), cast: "bigint[]")
        outside += ") > 0 AND cl.product_id <> ALL("
        outside.bind(.intArray(products), cast: "bigint[]")
        outside += "))) LIMIT 1"
        if let bad = try await tx.query(outside).first {
            let (product, location) = try bad.decode((String, String).self)
            throw ChainstoreError.userError("\(product) in \(location) is outside what count \(name) covers.")
        }

        var books = SQLBuilder("SELECT q.product_id, q.location_id, coalesce(q.lot_id, 0), coalesce(q.package_id, 0), q.quantity ")
        books += "FROM stock_quant q JOIN stock_location l ON l.id = q.location_id WHERE l.parent_path LIKE "
        books.bind(.text(path + "%"))
        books += " AND l.usage = 'internal' AND q.owner_id IS NULL AND (cardinality("
        books.bind(.intArray(products), cast: "bigint[]")
        books += ") = 0 OR q.product_id = ANY("
        books.bind(.intArray(products), cast: "bigint[]")
        books += ")) ORDER BY q.id FOR UPDATE OF q"
        var recorded: [QuantKey: Decimal] = [:]
        for row in try await tx.query(books) {
            let (product, location, lot, package, quantity) = try row.decode((Int64, Int64, Int64, Int64, Decimal).self)
            recorded[QuantKey(product: product, location: location, lot: lot, package: package, owner: 0), default: 0] += quantity
        }
        var lines = SQLBuilder("SELECT product_id, location_id, coalesce(lot_id, 0), coalesce(package_id, 0), sum(quantity) ")
        lines += "FROM stock_count_line WHERE count_id = "
        lines.bind(.int(id))
        lines += " GROUP BY 1, 2, 3, 4"
        var counted: [QuantKey: Decimal] = [:]
        for row in try await tx.query(lines) {
            let (product, location, lot, package, quantity) = try row.decode((Int64, Int64, Int64, Int64, Decimal).self)
            counted[QuantKey(product: product, location: location, lot: lot, package: package, owner: 0)] = quantity
        }
        let differences = Set(recorded.keys).union(counted.keys).sorted().compactMap { key -> Difference? in
            let difference = Difference(key: key, counted: counted[key] ?? 0, recorded: recorded[key] ?? 0)
            return difference.counted == difference.recorded ? nil : difference
        }
        let ledger = Ledger(store: store.asSystem(reason: "posting the differences of an applied inventory count"))
        let moves = differences.map { d -> Ledger.DirectLine in
            let package = d.key.package == 0 ? nil : d.key.package
            let lot = d.key.lot == 0 ? nil : d.key.lot
            let found = d.counted > d.recorded
            return Ledger.DirectLine(product: d.key.product, quantity: abs(d.counted - d.recorded), from: found ? inventoryLoss : d.key.location,
                                     to: found ? d.key.location : inventoryLoss, lot: lot, package: found ? nil : package, resultPackage: found ? package : nil)
        }
        try await ledger.moveNow(moves, type: nil, origin: "\(name): \(reason)", force: true, inventory: true)
        var done = SQLBuilder("UPDATE stock_count SET state = 'done', date_done = now(), write_uid = ")
        done.bind(.int(store.env.uid))
        done += ", write_date = now() WHERE id = "
        done.bind(.int(id))
        try await tx.query(done)
        return differences
    }
}
