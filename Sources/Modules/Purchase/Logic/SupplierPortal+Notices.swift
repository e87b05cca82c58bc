import Barcode
import ChainstoreCore
import ChainstoreDB
import Crypto
import Foundation
import Stock

/// Advance shipping notices (`POST /api/v1/supplier/asns`, the shape of replenishment.md §3.5):
/// checked whole before anything is kept (GLNs, SSCCs and GTINs with their check digits, the
/// order's lines, lots of tracked products, dates), then kept with their pallets and announced
/// on the order's open receipt, where one scan of a pallet's SSCC receives it whole.
extension SupplierPortal {
    struct Notice: Sendable {
        var number: String
        var order: Value
        var supplierGLN: String?
        var shipToGLN: String?
        var despatchAt: String?
        var expectedAt: String?
        var plate: String?
        var phone: String?
        var packages: [Package]
        /// SHA-256 of the request's canonical JSON: a resend compares equal whatever its key order.
        var digest: String
    }

    struct Package: Sendable {
        var sscc: String
        var kind: String
        var parent: String?
        var weight: Decimal?
        /// The GLN of the group company the pallet is packed for (GS1's AI 413, "ship for"): it
        /// is received at the buyer's dock and goes on to that company whole (cross-docking).
        var deliverFor: String?
        var contents: [Content]
    }

    struct Content: Sendable {
        var line: Int64?
        var gtin: String?
        var supplierCode: String?
        var quantity: Decimal
        var lot: String?
        var produced: String?
        var bestBefore: String?
        var expiry: String?
    }

    // MARK: - Reading the request

    static func notice(_ body: Value) throws -> Notice {
        guard let fields = body.dictValue else { throw ChainstoreError.valueError("The body must be a JSON object") }
        let read = Fields(fields, at: "")
        guard let packages = fields["packages"]?.arrayValue, (1...500).contains(packages.count) else {
            throw ChainstoreError.valueError("packages must list 1 to 500 pallets or cases")
        }
        let order = fields["purchase_order"] ?? .null
        guard order.stringValue != nil || order.intValue != nil else {
            throw ChainstoreError.valueError("purchase_order must name the order (its reference or id)")
        }
        let vehicle = Fields(fields["vehicle"]?.dictValue ?? [:], at: "vehicle.")
        var notice = Notice(
            number: try read.text("asn_number", max: 35, pattern: { $0.isASCII && ($0.isLetter || $0.isNumber || "-_/.".contains($0)) })!,
            order: order, supplierGLN: try read.gs1("supplier_gln", digits: 13), shipToGLN: try read.gs1("ship_to_gln", digits: 13),
            despatchAt: try read.instant("despatch_at"), expectedAt: try read.instant("expected_at"),
            plate: try vehicle.text("plate", max: 16, required: false), phone: try vehicle.text("driver_phone", max: 20, required: false),
            packages: [], digest: SHA256.hash(data: Array(body.canonicalJSON.utf8)).hexDigits())
        var lines = 0
        for (index, item) in packages.enumerated() {
            guard let object = item.dictValue else { throw ChainstoreError.valueError("packages[\(index)] must be an object") }
            let at = "packages[\(index)]."
            let package = Fields(object, at: at)
            guard let contents = object["contents"]?.arrayValue, (1...200).contains(contents.count) else {
                throw ChainstoreError.valueError("\(at)contents must list 1 to 200 items")
            }
            lines += contents.count
            guard lines <= 5000 else { throw ChainstoreError.valueError("A notice carries at most 5,000 items") }
            let kind = try package.text("kind", max: 6, required: false) ?? "pallet"
            guard kind == "pallet" || kind == "case" else { throw ChainstoreError.valueError("\(at)kind must be pallet or case") }
            var parsed = Package(sscc: try package.gs1("sscc", digits: 18, required: true)!, kind: kind, parent: try package.gs1("parent_sscc", digits: 18),
                                 weight: try package.decimal("gross_weight_kg", above: -1), deliverFor: try package.gs1("deliver_for_gln", digits: 13),
                                 contents: [])
            for (number, entry) in contents.enumerated() {
                guard let object = entry.dictValue else { throw ChainstoreError.valueError("\(at)contents[\(number)] must be an object") }
                let content = Fields(object, at: "\(at)contents[\(number)].")
                let line = try content.integer("po_line_id")
                let gtin = try content.gs1("gtin", digits: 14)
                guard line != nil || gtin != nil else { throw ChainstoreError.valueError("\(at)contents[\(number)] needs a po_line_id or a gtin") }
                guard let quantity = try content.decimal("quantity", above: 0) else {
                    throw ChainstoreError.valueError("\(at)contents[\(number)].quantity must be a number above 0")
                }
                parsed.contents.append(Content(
                    line: line, gtin: gtin, supplierCode: try content.text("supplier_code", max: 40, required: false), quantity: quantity,
                    lot: try content.text("lot", max: 40, required: false), produced: try content.day("production_date"),
                    bestBefore: try content.day("best_before_date"), expiry: try content.day("expiry_date")))
            }
            notice.packages.append(parsed)
        }
        let ssccs = notice.packages.map(\.sscc)
        guard Set(ssccs).count == ssccs.count else { throw ChainstoreError.valueError("An SSCC appears twice in the notice") }
        for package in notice.packages where package.parent != nil && !ssccs.contains(package.parent!) {
            throw ChainstoreError.valueError("parent_sscc \(package.parent!) is not a package of this notice")
        }
        return notice
    }

    /// Fields of one JSON object, each checked with the path it has in the request.
    struct Fields {
        let object: RecordValues
        let at: String

        init(_ object: RecordValues, at: String) {
            self.object = object
            self.at = at
        }

        func value(_ name: String) -> Value? {
            guard let value = object[name], value != .null, value != .false else { return nil }
            return value
        }

        func text(_ name: String, max: Int, required: Bool = true, pattern: (Character) -> Bool = { !$0.isNewline }) throws -> String? {
            guard let value = value(name) else {
                if required { throw ChainstoreError.valueError("\(at)\(name) is required") }
                return nil
            }
            guard let text = value.stringValue, (1...max).contains(text.count), text.allSatisfy(pattern) else {
                throw ChainstoreError.valueError("\(at)\(name) must be text of 1 to \(max) characters without line breaks")
            }
            return text
        }

        /// A GS1 key (GLN, SSCC, GTIN) of `digits` digits whose check digit is right (a GTIN may
        /// be given in 8, 12 or 13 digits and is kept as GTIN-14).
        func gs1(_ name: String, digits: Int, required: Bool = false) throws -> String? {
            guard var code = try text(name, max: digits, required: required, pattern: \.isASCII) else { return nil }
            if digits == 14, [8, 12, 13].contains(code.count) { code = String(repeating: "0", count: 14 - code.count) + code }
            guard code.count == digits, CheckDigit.isValidGS1(code) else {
                throw ChainstoreError.valueError("\(at)\(name) \(code) is not a valid \(digits)-digit GS1 code (check digit)")
            }
            return code
        }

        func integer(_ name: String) throws -> Int64? {
            guard let value = value(name) else { return nil }
            guard let number = value.intValue, number > 0 else { throw ChainstoreError.valueError("\(at)\(name) must be a record id") }
            return number
        }

        func decimal(_ name: String, above minimum: Decimal) throws -> Decimal? {
            guard let value = value(name) else { return nil }
            let number = value.intValue.map { Decimal($0) } ?? value.doubleValue.flatMap { Decimal(string: "\($0)") }
            guard let number, number > minimum, number < 1_000_000 else {
                throw ChainstoreError.valueError("\(at)\(name) must be a number above \(minimum) and below 1,000,000")
            }
            return number
        }

        func day(_ name: String) throws -> String? {
            guard let text = try text(name, max: 10, required: false) else { return nil }
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard text.count == 10, parts.count == 3, GS1Date(year: parts[0], month: parts[1], day: parts[2]) != nil else {
                throw ChainstoreError.valueError("\(at)\(name) must be a day, YYYY-MM-DD")
            }
            return text
        }

        func instant(_ name: String) throws -> String? {
            guard let text = try text(name, max: 40, required: false) else { return nil }
            guard ISO8601DateFormatter().date(from: text) != nil else {
                throw ChainstoreError.valueError("\(at)\(name) must be a time with its offset, e.g. 2024-05-06T08:00:00+08:00")
            }
            return text
        }
    }

    // MARK: - Keeping it

    /// Keeps `notice` for its order and announces its pallets on the order's open receipt. The
    /// same notice again (same supplier and number, same content) returns what was kept, marked
    /// duplicate; a changed one replaces it (a new version) until its first pallet arrived.
    static func announce(_ store: RecordStore, _ notice: Notice) async throws -> Outcome {
        let id: Int64
        if let name = notice.order.stringValue {
            guard let found = try await store.search("purchase.order", domain: .and([.leaf("name", .equal, .string(name)), confirmed]), limit: 1).first
            else { throw ChainstoreError.missing("No confirmed purchase order \(name) for you") }
            id = found
        } else {
            id = notice.order.intValue!
        }
        let order = try await Self.order(store, id)
        try await store.tx.query("SELECT pg_advisory_xact_lock(hashtext('purchase.asn'), hashtext(\(order.supplier)::text || '/' || \(notice.number)))")
        let existing = try await store.tx.query("""
            SELECT a.id, a.state, a.digest, a.version, coalesce(a.warnings, ''),
                   EXISTS (SELECT 1 FROM purchase_asn_package ap JOIN stock_move_line ml ON ml.result_package_id = ap.package_id AND ml.picked
                           WHERE ap.asn_id = a.id)
            FROM purchase_asn a WHERE a.partner_id = \(order.supplier) AND a.name = \(notice.number) FOR UPDATE
            """).first.map { try $0.decode((Int64, String, String, Int, String, Bool).self) }
        if let existing, existing.2 == notice.digest {
            return .done(answer(existing.0, state: existing.1, version: existing.3, warnings: existing.4, duplicate: true), created: false)
        }
        if let existing, existing.1 != "announced" || existing.5 {
            return .conflict("Notice \(notice.number) has arrived: it can no longer change; send the rest under a new number")
        }
        try await checkParties(store, notice, order: order)
        let receiptRow = try await store.tx.query("""
            SELECT id FROM stock_picking WHERE purchase_id = \(order.id) AND state NOT IN ('done', 'cancel') ORDER BY id LIMIT 1 FOR UPDATE
            """).first
        guard let receipt = try receiptRow?.decode(Int64.self) else {
            throw ChainstoreError.valueError("\(order.name) has nothing left to receive")
        }
        if let existing { try await withdraw(store, notice: existing.0) }
        let taken = try await store.tx.query("SELECT min(sscc) FROM purchase_asn_package WHERE sscc = ANY(\(notice.packages.map(\.sscc)))")[0]
            .decode(String?.self)
        if let taken { throw ChainstoreError.valueError("SSCC \(taken) is already announced in another notice") }

        let (goods, items, warnings) = try await match(store, notice, order: order, receipt: receipt, replacing: existing?.0)
        let header: SQLBuilder
        if let existing {
            header = """
                UPDATE purchase_asn SET version = version + 1, digest = \(notice.digest), picking_id = \(receipt), supplier_gln = \(notice.supplierGLN),
                    ship_to_gln = \(notice.shipToGLN), despatch_at = \(notice.despatchAt)::timestamptz, expected_at = \(notice.expectedAt)::timestamptz,
                    vehicle_plate = \(notice.plate), driver_phone = \(notice.phone), warnings = \(warnings.isEmpty ? nil : warnings.joined(separator: "\n")),
                    write_uid = \(store.env.uid), write_date = now()
                WHERE id = \(existing.0) RETURNING id, version
                """
        } else {
            header = """
                INSERT INTO purchase_asn (name, partner_id, purchase_id, company_id, picking_id, digest, supplier_gln, ship_to_gln, despatch_at, expected_at,
                                          vehicle_plate, driver_phone, warnings, create_uid, create_date, write_uid, write_date)
                VALUES (\(notice.number), \(order.supplier), \(order.id), \(order.company), \(receipt), \(notice.digest), \(notice.supplierGLN),
                        \(notice.shipToGLN), \(notice.despatchAt)::timestamptz, \(notice.expectedAt)::timestamptz, \(notice.plate), \(notice.phone),
                        \(warnings.isEmpty ? nil : warnings.joined(separator: "\n")), \(store.env.uid), now(), \(store.env.uid), now())
                RETURNING id, version
                """
        }
        let (asn, version) = try await store.tx.query(header)[0].decode((Int64, Int).self)
        let announced = try await StockDocuments.announce(store, goods)
        try await keepPackages(store, notice, asn: asn, company: order.company, stock: announced.packages)
        try await keepLines(store, items, asn: asn, company: order.company, moveLines: announced.lines)
        return .done(answer(asn, state: "announced", version: version, warnings: warnings.joined(separator: "\n"), duplicate: false),
                     created: existing == nil)
    }

    static func answer(_ id: Int64, state: String, version: Int, warnings: String, duplicate: Bool) -> Value {
        var answer: RecordValues = [
            "id": .int(id), "state": .string(state), "version": .int(Int64(version)),
            "warnings": .array(warnings.split(separator: "\n").map { .string(String($0)) }),
        ]
        if duplicate { answer["duplicate"] = true }
        return .dict(answer)
    }

    /// GLNs, when both sides have one, name the order's supplier and buying company.
    static func checkParties(_ store: RecordStore, _ notice: Notice, order: (id: Int64, name: String, supplier: Int64, company: Int64)) async throws {
        let (supplier, buyer) = try await store.tx.query("""
            SELECT (SELECT nullif(barcode, '') FROM res_partner WHERE id = \(order.supplier)),
                   (SELECT nullif(p.barcode, '') FROM res_company c JOIN res_partner p ON p.id = c.partner_id WHERE c.id = \(order.company))
            """)[0].decode((String?, String?).self)
        if let given = notice.supplierGLN, let supplier, supplier != given {
            throw ChainstoreError.valueError("supplier_gln \(given) is not the GLN of \(order.name)'s supplier")
        }
        if let given = notice.shipToGLN, let buyer, buyer != given {
            throw ChainstoreError.valueError("ship_to_gln \(given) is not the GLN of \(order.name)'s buyer")
        }
    }

    /// One item of the notice matched to its order line and receipt move.
    struct Item: Sendable {
        let package: String
        let line: Int64
        let product: Int64
        let content: Content
    }

    /// Each content matched to a line of the order (by id, else by GTIN) and to that line's move
    /// on the receipt; warnings where the order's open quantity is exceeded.
    static func match(
        _ store: RecordStore, _ notice: Notice, order: (id: Int64, name: String, supplier: Int64, company: Int64), receipt: Int64, replacing: Int64?
    ) async throws -> ([StockDocuments.Announced], [Item], [String]) {
        let rows = try await store.tx.query("""
            SELECT l.id, l.product_id, l.product_qty - purchase_line_received(l.id), coalesce(p.barcode, ''), t.tracking,
                   (SELECT m.id FROM stock_move m WHERE m.purchase_line_id = l.id AND m.picking_id = \(receipt)
                      AND m.state NOT IN ('draft', 'done', 'cancel') ORDER BY m.id LIMIT 1),
                   (SELECT coalesce(sum(al.quantity), 0) FROM purchase_asn_line al JOIN purchase_asn a ON a.id = al.asn_id
                    WHERE al.purchase_line_id = l.id AND a.state = 'announced' AND a.id IS DISTINCT FROM \(replacing))
            FROM purchase_order_line l JOIN product_product p ON p.id = l.product_id JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE l.order_id = \(order.id) ORDER BY l.sequence, l.id
            """).map { try $0.decode((Int64, Int64, Decimal, String, String, Int64?, Decimal).self) }
        func gtin14(_ code: String) -> String { code.count < 14 ? String(repeating: "0", count: 14 - code.count) + code : code }
        // Pallets packed for a company of the group: its GLN names it (not the buyer itself).
        let glns = Array(Set(notice.packages.compactMap(\.deliverFor))).sorted()
        var recipients: [String: Int64] = [:]
        if !glns.isEmpty {
            for row in try await store.tx.query("""
                SELECT DISTINCT ON (p.barcode) p.barcode, c.id FROM res_company c JOIN res_partner p ON p.id = c.partner_id
                WHERE p.barcode = ANY(\(glns)) AND c.id <> \(order.company) ORDER BY p.barcode, c.id
                """) {
                let (gln, company) = try row.decode((String, Int64).self)
                recipients[gln] = company
            }
            if let unknown = glns.first(where: { recipients[$0] == nil }) {
                throw ChainstoreError.valueError("deliver_for_gln \(unknown) is not the GLN of a company of the group other than \(order.name)'s buyer")
            }
        }
        var goods: [StockDocuments.Announced] = []
        var items: [Item] = []
        var announced: [Int64: Decimal] = [:]
        for (p, package) in notice.packages.enumerated() {
            for (c, content) in package.contents.enumerated() {
                let at = "packages[\(p)].contents[\(c)]"
                let candidates = rows.filter { row in
                    if let line = content.line { return row.0 == line }
                    return !row.3.isEmpty && gtin14(row.3) == content.gtin
                }
                guard let row = candidates.first else {
                    throw ChainstoreError.valueError(content.line.map { "\(at): line \($0) is not a line of \(order.name)" }
                                                     ?? "\(at): GTIN \(content.gtin!) is not ordered on \(order.name)")
                }
                if let gtin = content.gtin, !row.3.isEmpty, gtin14(row.3) != gtin {
                    throw ChainstoreError.valueError("\(at): GTIN \(gtin) is not the product of line \(row.0)")
                }
                if row.4 != "none", content.lot == nil { throw ChainstoreError.valueError("\(at): the product is tracked by \(row.4): give its lot") }
                if row.4 == "serial", content.quantity != 1 { throw ChainstoreError.valueError("\(at): a serial number is one unit") }
                guard let move = row.5 else { throw ChainstoreError.valueError("\(at): line \(row.0) has nothing left to receive") }
                goods.append(StockDocuments.Announced(move: move, quantity: content.quantity, lot: row.4 == "none" ? nil : content.lot,
                                                      expiry: content.expiry ?? content.bestBefore, package: package.sscc,
                                                      deliverFor: package.deliverFor.flatMap { recipients[$0] }))
                items.append(Item(package: package.sscc, line: row.0, product: row.1, content: content))
                announced[row.0, default: row.6] += content.quantity
            }
        }
        let warnings = rows.compactMap { row -> String? in
            guard let total = announced[row.0], total > row.2 else { return nil }
            return "line \(row.0): quantity \(total) exceeds open \(row.2)"
        }
        return (goods, items, warnings)
    }

    static func keepPackages(_ store: RecordStore, _ notice: Notice, asn: Int64, company: Int64, stock: [String: Int64]) async throws {
        var sql: SQLBuilder = """
            INSERT INTO purchase_asn_package (asn_id, sscc, kind, parent_sscc, gross_weight_kg, package_id, company_id, create_uid, create_date, write_uid, write_date)
            SELECT \(asn), p.sscc, p.kind, nullif(p.parent, ''), w.weight, nullif(p.package, 0), \(company), \(store.env.uid), now(), \(store.env.uid), now()
            FROM
            """
        sql += " "
        let packages = notice.packages
        sql.appendUnnest([
            (.textArray(packages.map(\.sscc)), "text[]"), (.textArray(packages.map(\.kind)), "text[]"), (.textArray(packages.map { $0.parent ?? "" }), "text[]"),
            (.textArray(packages.map { $0.weight.map { "\($0)" } ?? "" }), "text[]"), (.intArray(packages.map { stock[$0.sscc] ?? 0 }), "bigint[]"),
        ], as: "p(sscc, kind, parent, weight_text, package, n)", ordinality: true)
        sql += " CROSS JOIN LATERAL (SELECT nullif(p.weight_text, '')::numeric AS weight) w ORDER BY p.n"
        try await store.tx.query(sql)
    }

    static func keepLines(_ store: RecordStore, _ items: [Item], asn: Int64, company: Int64, moveLines: [Int64]) async throws {
        var sql: SQLBuilder = """
            INSERT INTO purchase_asn_line (asn_id, package_id, purchase_line_id, product_id, gtin, supplier_code, quantity, lot_name, production_date,
                                           best_before_date, expiry_date, move_line_id, company_id, create_uid, create_date, write_uid, write_date)
            SELECT \(asn), ap.id, i.line, i.product, nullif(i.gtin, ''), nullif(i.code, ''), i.quantity, nullif(i.lot, ''), nullif(i.produced, '')::date,
                   nullif(i.best_before, '')::date, nullif(i.expiry, '')::date, i.move_line, \(company), \(store.env.uid), now(), \(store.env.uid), now()
            FROM
            """
        sql += " "
        sql.appendUnnest([
            (.textArray(items.map(\.package)), "text[]"), (.intArray(items.map(\.line)), "bigint[]"), (.intArray(items.map(\.product)), "bigint[]"),
            (.textArray(items.map { $0.content.gtin ?? "" }), "text[]"), (.textArray(items.map { $0.content.supplierCode ?? "" }), "text[]"),
            (.textArray(items.map { "\($0.content.quantity)" }), "numeric[]"), (.textArray(items.map { $0.content.lot ?? "" }), "text[]"),
            (.textArray(items.map { $0.content.produced ?? "" }), "text[]"), (.textArray(items.map { $0.content.bestBefore ?? "" }), "text[]"),
            (.textArray(items.map { $0.content.expiry ?? "" }), "text[]"), (.intArray(moveLines), "bigint[]"),
        ], as: "i(sscc, line, product, gtin, code, quantity, lot, produced, best_before, expiry, move_line, n)", ordinality: true)
        sql += " JOIN purchase_asn_package ap ON ap.asn_id = \(asn) AND ap.sscc = i.sscc ORDER BY i.n" as SQLBuilder
        try await store.tx.query(sql)
    }

    /// A notice being replaced: its announced lines leave the receipt, its pallets and contents go.
    static func withdraw(_ store: RecordStore, notice: Int64) async throws {
        let lines = try await store.tx.query("SELECT move_line_id FROM purchase_asn_line WHERE asn_id = \(notice) AND move_line_id IS NOT NULL")
            .map { try $0.decode(Int64.self) }
        try await store.tx.query("DELETE FROM purchase_asn_line WHERE asn_id = \(notice)")
        try await store.tx.query("DELETE FROM purchase_asn_package WHERE asn_id = \(notice)")
        try await StockDocuments.withdraw(store, lines: lines)
    }
}
