import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// A node's copy of what a scan needs about every variant, kept current from the catalogue
/// versions: loaded once, then each `product_product` notice brings only the variants above
/// the version held. A scan that finds nothing here still asks the database (a product created
/// a moment ago), so the index only ever answers for variants it has seen.
///
/// Stored compactly, since a node holds the whole group's catalogue (500,000 variants): one row
/// of integers per variant, every text in one byte arena (a length and the UTF-8 bytes), tax
/// lists and short texts shared, and codes in an open-addressing table whose slots name the
/// variant's own barcode or reference (or, for case barcodes, an entry of their own), so a key
/// is stored once and compared in the arena. A `Variant` is made only for the code a scan asks
/// for. Text replaced by a change stays in the arena until it is more than half of it; the index
/// is then rebuilt.
struct ProductIndex: Sendable {
    struct Variant: Sendable {
        let id: Int64, template: Int64, category: Int64
        let name: String, barcode: String?, defaultCode: String?, uom: String
        let listPrice: String, cost: String, taxes: [Int64], company: Int64?, sellable: Bool
    }

    struct Code: Sendable {
        let variant: Int64
        let pack: String?
        let quantity: String
    }

    var version: Int64 = 0
    /// Variants held (sellable or not).
    var count: Int { rows.count }
    /// Bytes the index holds, roughly, by part (logged when the catalogue is loaded).
    var footprint: [String: Int] {
        ["rows": rows.capacity * MemoryLayout<Row>.stride, "text": text.capacity, "cases": packs.capacity * MemoryLayout<PackEntry>.stride,
         "slots": slots.capacity * 4, "ids": rowOfID.capacity * 4]
    }
    /// Times the index was rebuilt to drop replaced text.
    private(set) var rebuilds = 0

    /// A text in the arena: its offset, or `none`.
    private typealias TextRef = UInt32
    private static let none: TextRef = .max

    private struct Row {
        var id: Int64, template: Int64, category: Int64, company: Int64
        var name: TextRef, barcode: TextRef, reference: TextRef, uom: TextRef, listPrice: TextRef, cost: TextRef
        /// Offset in `taxLists` (the count, then the ids), with `sellableBit` set when the variant
        /// can be sold: 64 bytes a row.
        var taxesAndSellable: UInt32
        /// The first of the variant's other codes (chained through `next`), or -1.
        var firstPack: Int32

        static let sellableBit: UInt32 = 1 << 31
        var taxes: Int { Int(taxesAndSellable & ~Self.sellableBit) }
        var sellable: Bool { taxesAndSellable & Self.sellableBit != 0 }
    }

    /// A code that is not the variant's own barcode or reference: a case barcode.
    private struct PackEntry {
        var key: TextRef, row: Int32, pack: TextRef, quantity: TextRef, next: Int32
    }

    /// What a slot of the code table holds: `row × 4 + kind`, kind 0 the row's barcode (`b:`),
    /// 1 its reference (`r:`), 2 an entry of `packs` (`entry × 4 + 2`); -1 empty, -2 removed.
    private enum Kind: Int32 { case barcode = 0, reference = 1, pack = 2 }

    private var rows: [Row] = []
    /// The row of each variant id: an open-addressing table of row numbers (-1 empty), the id
    /// compared in `rows` (a dictionary of ids took three times the room). Rows are never removed.
    private var rowOfID: [Int32] = Array(repeating: -1, count: 16)
    private var text: [UInt8] = []
    private var garbage = 0
    /// Short texts many variants share (units, "1", prices), stored once.
    private var shared: [String: TextRef] = [:]
    private var taxLists: [Int64] = []
    private var taxListOf: [[Int64]: UInt32] = [:]
    private var packs: [PackEntry] = []
    private var freePacks: [Int32] = []
    private var slots: [Int32] = Array(repeating: -1, count: 16)
    private var used = 0

    // MARK: reading

    /// The variant and code a scanned key (`b:` barcode or case barcode, `r:` reference) names.
    func lookup(_ key: String) -> (Variant, Code)? {
        var key = key
        return key.withUTF8 { bytes in
            guard let held = find(bytes).held else { return nil }
            let (row, code) = resolve(held)
            return (variant(rows[Int(row)]), code)
        }
    }

    /// The row a slot's value leads to and the code it stands for.
    private func resolve(_ held: Int32) -> (Int32, Code) {
        let kind = Kind(rawValue: held & 3)!
        if kind == .pack {
            let entry = packs[Int(held >> 2)]
            return (entry.row, Code(variant: rows[Int(entry.row)].id, pack: string(entry.pack), quantity: string(entry.quantity) ?? "1"))
        }
        let row = held >> 2
        return (row, Code(variant: rows[Int(row)].id, pack: nil, quantity: "1"))
    }

    private func variant(_ row: Row) -> Variant {
        let taxCount = Int(taxLists[row.taxes])
        let taxes = Array(taxLists[row.taxes + 1 ..< row.taxes + 1 + taxCount])
        return Variant(
            id: row.id, template: row.template, category: row.category, name: string(row.name) ?? "", barcode: string(row.barcode),
            defaultCode: string(row.reference), uom: string(row.uom) ?? "", listPrice: string(row.listPrice) ?? "0",
            cost: string(row.cost) ?? "0", taxes: taxes, company: row.company == .min ? nil : row.company, sellable: row.sellable)
    }

    /// The codes that lead to `row` now: its barcode and reference if they are its own, and
    /// its case barcodes (a code a later variant took over leads only there).
    private func codes(of row: Int32) -> [(String, Code)] {
        var codes: [(String, Code)] = []
        for (kind, ref) in [(Kind.barcode, rows[Int(row)].barcode), (.reference, rows[Int(row)].reference)] where ref != Self.none {
            let value = row << 2 | kind.rawValue
            if holds(key(kind, ref), value) { codes.append((key(kind, ref), resolve(value).1)) }
        }
        var pack: [(String, Code)] = []
        var next = rows[Int(row)].firstPack
        while next >= 0 {
            let entry = packs[Int(next)]
            let value = next << 2 | Kind.pack.rawValue
            if holds(string(entry.key) ?? "", value) { pack.append((string(entry.key) ?? "", resolve(value).1)) }
            next = entry.next
        }
        return codes + pack.reversed()
    }

    private func key(_ kind: Kind, _ ref: TextRef) -> String {
        (kind == .barcode ? "b:" : "r:") + (string(ref) ?? "")
    }

    /// Whether the table leads `key` to `value`.
    private func holds(_ key: String, _ value: Int32) -> Bool {
        var key = key
        return key.withUTF8 { find($0).held } == value
    }

    /// Every variant with the codes that lead to it (to carry them into another index).
    private func all() -> [(Variant, [(String, Code)])] {
        rows.indices.map { (variant(rows[$0]), codes(of: Int32($0))) }
    }

    // MARK: text

    private func bytes(_ ref: TextRef) -> ArraySlice<UInt8> {
        var offset = Int(ref)
        var length = 0
        var shift = 0
        while true {
            let byte = text[offset]
            offset += 1
            length |= Int(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return text[offset ..< offset + length]
    }

    private func string(_ ref: TextRef) -> String? {
        ref == Self.none ? nil : String(decoding: bytes(ref), as: UTF8.self)
    }

    /// Bytes a text takes in the arena (for the garbage count).
    private func size(_ ref: TextRef) -> Int {
        guard ref != Self.none else { return 0 }
        return bytes(ref).endIndex - Int(ref)
    }

    private mutating func store(_ value: String?, share: Bool = false) -> TextRef {
        guard let value else { return Self.none }
        if share, let known = shared[value] { return known }
        let ref = TextRef(text.count)
        var length = value.utf8.count
        repeat {
            text.append(UInt8(length & 0x7f) | (length >= 0x80 ? 0x80 : 0))
            length >>= 7
        } while length > 0
        text.append(contentsOf: value.utf8)
        if share { shared[value] = ref }
        return ref
    }

    // MARK: codes

    /// A key as its kind letter and its body: `b:690…` is (`b`, `690…`).
    private static func split(_ key: UnsafeBufferPointer<UInt8>) -> (UInt8, UnsafeBufferPointer<UInt8>) {
        guard key.count >= 2, key[1] == UInt8(ascii: ":") else { return (0, key) }
        return (key[0], UnsafeBufferPointer(rebasing: key[2...]))
    }

    private static func hash(_ letter: UInt8, _ body: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(letter)
        hasher.combine(bytes: body)
        return hasher.finalize()
    }

    /// The key a slot's value stands for, as letter and body (in the arena).
    private func stored(_ held: Int32) -> (UInt8, ArraySlice<UInt8>) {
        switch Kind(rawValue: held & 3)! {
        case .barcode: return (UInt8(ascii: "b"), bytes(rows[Int(held >> 2)].barcode))
        case .reference: return (UInt8(ascii: "r"), bytes(rows[Int(held >> 2)].reference))
        case .pack:
            let full = bytes(packs[Int(held >> 2)].key)
            guard full.count >= 2, full[full.startIndex + 1] == UInt8(ascii: ":") else { return (0, full) }
            return (full[full.startIndex], full[(full.startIndex + 2)...])
        }
    }

    /// The value held for `key` (if any) and its slot, or the slot where it would go.
    private func find(_ key: UnsafeBufferPointer<UInt8>) -> (held: Int32?, slot: Int) {
        let (letter, body) = Self.split(key)
        let mask = slots.count - 1
        var slot = Self.hash(letter, UnsafeRawBufferPointer(body)) & mask
        var firstFree: Int?
        while true {
            let held = slots[slot]
            if held == -1 { return (nil, firstFree ?? slot) }
            if held == -2 {
                if firstFree == nil { firstFree = slot }
            } else {
                let (storedLetter, storedBody) = stored(held)
                if storedLetter == letter, storedBody.elementsEqual(body) { return (held, slot) }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Removes `key` from the table if it leads to `value`.
    private mutating func remove(_ key: String, ifHolding value: Int32) {
        var key = key
        let (held, slot) = key.withUTF8 { find($0) }
        if held == value { slots[slot] = -2 }
    }

    private mutating func removeCodes(of row: Int32) {
        let old = rows[Int(row)]
        if old.barcode != Self.none { remove(key(.barcode, old.barcode), ifHolding: row << 2 | Kind.barcode.rawValue) }
        if old.reference != Self.none { remove(key(.reference, old.reference), ifHolding: row << 2 | Kind.reference.rawValue) }
        var next = old.firstPack
        while next >= 0 {
            let entry = packs[Int(next)]
            remove(string(entry.key) ?? "", ifHolding: next << 2 | Kind.pack.rawValue)
            garbage += size(entry.key) + size(entry.pack)
            freePacks.append(next)
            next = entry.next
        }
        rows[Int(row)].firstPack = -1
    }

    /// Makes `key` lead to `value`.
    private mutating func put(_ key: String, _ value: Int32) {
        if (used + 1) * 4 > slots.count * 3 { rehash(capacity: max(16, slots.count * 2)) }
        var key = key
        let (existing, slot) = key.withUTF8 { find($0) }
        if existing == nil, slots[slot] == -1 { used += 1 }
        slots[slot] = value
    }

    private mutating func insert(_ key: String, _ code: Code, row: Int32) {
        let own = rows[Int(row)]
        if code.pack == nil, code.quantity == "1" {
            if own.barcode != Self.none, key == self.key(.barcode, own.barcode) { return put(key, row << 2 | Kind.barcode.rawValue) }
            if own.reference != Self.none, key == self.key(.reference, own.reference) { return put(key, row << 2 | Kind.reference.rawValue) }
        }
        let entry = PackEntry(key: store(key), row: row, pack: store(code.pack), quantity: store(code.quantity, share: true), next: own.firstPack)
        let number: Int32
        if let reused = freePacks.popLast() {
            number = reused
            packs[Int(number)] = entry
        } else {
            number = Int32(packs.count)
            packs.append(entry)
        }
        rows[Int(row)].firstPack = number
        put(key, number << 2 | Kind.pack.rawValue)
    }

    private mutating func rehash(capacity: Int) {
        let live = slots.filter { $0 >= 0 }
        slots = Array(repeating: -1, count: capacity)
        used = 0
        for value in live {
            let (letter, body) = stored(value)
            var slot = body.withUnsafeBytes { Self.hash(letter, $0) } & (capacity - 1)
            while slots[slot] != -1 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = value
            used += 1
        }
    }

    // MARK: ids

    private static func slot(of id: Int64, mask: Int) -> Int {
        Int(truncatingIfNeeded: UInt64(bitPattern: id) &* 0x9E37_79B9_7F4A_7C15 >> 20) & mask
    }

    /// The row holding variant `id`.
    private func row(of id: Int64) -> Int32? {
        let mask = rowOfID.count - 1
        var slot = Self.slot(of: id, mask: mask)
        while true {
            let row = rowOfID[slot]
            if row < 0 { return nil }
            if rows[Int(row)].id == id { return row }
            slot = (slot + 1) & mask
        }
    }

    /// Files row `number` (a new variant's) under its id, the table kept at most half full.
    private mutating func remember(_ id: Int64, at number: Int32) {
        if rows.count * 2 > rowOfID.count {
            rowOfID = Array(repeating: -1, count: rowOfID.count * 2)
            for row in rows.indices where row != Int(number) { place(rows[row].id, Int32(row)) }
        }
        place(id, number)
    }

    private mutating func place(_ id: Int64, _ row: Int32) {
        let mask = rowOfID.count - 1
        var slot = Self.slot(of: id, mask: mask)
        while rowOfID[slot] >= 0 { slot = (slot + 1) & mask }
        rowOfID[slot] = row
    }

    // MARK: changing

    /// Takes in `variant` and the codes that lead to it, replacing what was held for it.
    mutating func apply(_ variant: Variant, codes: [(String, Code)]) {
        let taxes: UInt32
        if let known = taxListOf[variant.taxes] {
            taxes = known
        } else {
            taxes = UInt32(taxLists.count)
            taxLists.append(Int64(variant.taxes.count))
            taxLists += variant.taxes
            taxListOf[variant.taxes] = taxes
        }
        let number: Int32
        if let held = row(of: variant.id) {
            number = held
            removeCodes(of: held)
            let old = rows[Int(held)]
            garbage += size(old.name) + size(old.barcode) + size(old.reference)
        } else {
            number = Int32(rows.count)
            rows.append(Row(id: variant.id, template: 0, category: 0, company: 0, name: Self.none, barcode: Self.none, reference: Self.none,
                            uom: Self.none, listPrice: Self.none, cost: Self.none, taxesAndSellable: 0, firstPack: -1))
            remember(variant.id, at: number)
        }
        rows[Int(number)] = Row(
            id: variant.id, template: variant.template, category: variant.category, company: variant.company ?? .min,
            name: store(variant.name), barcode: store(variant.barcode), reference: store(variant.defaultCode),
            uom: store(variant.uom, share: true), listPrice: store(variant.listPrice, share: true), cost: store(variant.cost, share: true),
            taxesAndSellable: taxes | (variant.sellable ? Row.sellableBit : 0), firstPack: -1)
        for (key, code) in codes { insert(key, code, row: number) }
        if garbage > 1 << 20, garbage * 2 > text.count { compact() }
    }

    /// Gives back the room the arrays grew into while loading (each grows by doubling).
    mutating func tighten() {
        func exact<T>(_ array: [T]) -> [T] {
            [T](unsafeUninitializedCapacity: array.count) { buffer, count in
                _ = buffer.initialize(from: array)
                count = array.count
            }
        }
        rows = exact(rows)
        text = exact(text)
        packs = exact(packs)
        taxLists = exact(taxLists)
    }

    /// Rebuilds the index without the text replaced changes left behind.
    private mutating func compact() {
        var fresh = ProductIndex()
        fresh.version = version
        fresh.rebuilds = rebuilds + 1
        for (variant, codes) in all() { fresh.apply(variant, codes: codes) }
        fresh.tighten()
        self = fresh
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
                    sellable: active)
                result.apply(variant, codes: codes)
            }
            result.tighten()
            return result
        }
    }

    /// Takes in the variants of `changes` (a later fetch).
    mutating func merge(_ changes: ProductIndex) {
        for (variant, codes) in changes.all() { apply(variant, codes: codes) }
        version = changes.version
    }
}
