// Matching scanned codes against nomenclature rules (spec §3). This runs on
// every POS scan: the code is read in place (no copy for native strings), and
// only a match builds its base code.

/// What a rule made of a scanned code.
public struct VariableMeasureMatch: Sendable, Hashable {
    /// The matching rule's type (`weight`, `price`, …), or `product`.
    public let ruleType: String
    /// The matching rule's pattern; nil when no rule matched and the code was
    /// accepted as an ordinary GTIN (`Nomenclature.classify`).
    public let pattern: String?
    /// The embedded number (nil for rules without a group).
    public let measure: ImpliedDecimal?
    /// The code with the embedded number (and its price check digit) zeroed and,
    /// for EAN-13 / UPC-A rules, a recomputed check digit: the product master key.
    public let baseCode: String

    /// The embedded number as exact decimal text, e.g. `1.250` or `123.45`.
    public var value: String? { measure?.description }
    /// The embedded number in its smallest unit (grams for `NN.DDD` kg, fen for `NNN.DD` yuan).
    public var minorUnits: Int64? { measure?.units }
}

extension NomenclatureRule {
    /// Matches `code`; nil when the encoding check or the pattern fails.
    public func match(_ code: String) -> VariableMeasureMatch? {
        if let result = code.utf8.withContiguousStorageIfAvailable({ match(bytes: $0) }) { return result }
        return match(bytes: Array(code.utf8))
    }

    func match<Bytes: RandomAccessCollection<UInt8>>(bytes code: Bytes) -> VariableMeasureMatch? where Bytes.Index == Int {
        let start = code.startIndex
        if let length = encoding.length {
            guard code.count == length, code.allSatisfy(ASCII.isDigit),
                CheckDigit.gs1(bytes: code.dropLast()) == Int(code[start + length - 1] - ASCII.zero)
            else { return nil }
        }
        guard code.count >= slots.count else { return nil }
        for (offset, slot) in slots.enumerated() {
            let byte = code[start + offset]
            switch slot {
            case .literal(let expected): guard byte == expected else { return nil }
            case .anyDigit, .value: guard ASCII.isDigit(byte) else { return nil }
            }
        }
        guard let field else {
            return VariableMeasureMatch(ruleType: type, pattern: pattern, measure: nil, baseCode: String(decoding: code, as: UTF8.self))
        }
        let digits = code[(start + field.start)..<(start + field.start + field.count)]
        if priceCheckDigit {
            let expected = CheckDigit.priceField(digits: digits.map { Int($0 - ASCII.zero) }[...])
            guard expected == Int(code[start + field.start - 1] - ASCII.zero) else { return nil }
        }
        var base = Array(code)
        for offset in field.start..<(field.start + field.count) { base[offset] = ASCII.zero }
        if priceCheckDigit { base[field.start - 1] = ASCII.zero }
        if encoding != .any {
            base[base.count - 1] = ASCII.zero + UInt8(CheckDigit.gs1(bytes: base.dropLast()))
        }
        return VariableMeasureMatch(
            ruleType: type, pattern: pattern,
            measure: ImpliedDecimal(digits: digits, scale: field.decimalDigits),
            baseCode: String(decoding: base, as: UTF8.self))
    }
}

/// An ordered list of rules; the first matching rule wins.
public struct Nomenclature: Sendable, Hashable {
    public var rules: [NomenclatureRule]

    public init(rules: [NomenclatureRule]) {
        self.rules = rules
    }

    /// Compiles `(type, pattern)` pairs with one encoding.
    public init(_ pairs: [(type: String, pattern: String)], encoding: BarcodeEncoding = .ean13) throws(BarcodeError) {
        var rules: [NomenclatureRule] = []
        for pair in pairs { rules.append(try NomenclatureRule(type: pair.type, pattern: pair.pattern, encoding: encoding)) }
        self.rules = rules
    }

    /// The defaults shipped for Chinese stores (editable per store): EAN-13
    /// `21.....{NNDDD}` weight (kg), `23.....{NNNDD}` price (yuan), and the common
    /// scale layout `20.....{NNDDD}` weight (2 + flag + 5-digit PLU + value + check).
    public static let chineseDefaults = Nomenclature(rules: [
        .compiled(type: "weight", pattern: "21.....{NNDDD}", start: 7, integers: 2, decimals: 3),
        .compiled(type: "price", pattern: "23.....{NNNDD}", start: 7, integers: 3, decimals: 2),
        .compiled(type: "weight", pattern: "20.....{NNDDD}", start: 7, integers: 2, decimals: 3),
    ])

    /// The first rule matching `code`, or nil.
    public func match(_ code: String) -> VariableMeasureMatch? {
        for rule in rules {
            if let found = rule.match(code) { return found }
        }
        return nil
    }

    /// Like `match`, but a code no rule matches is still accepted as an ordinary
    /// product when it is a valid GTIN (base code = the code, no value).
    public func classify(_ code: String) throws(BarcodeError) -> VariableMeasureMatch {
        if let found = match(code) { return found }
        guard GTIN.isValid(code) else { throw .noRuleMatched(barcode: code) }
        return VariableMeasureMatch(ruleType: "product", pattern: nil, measure: nil, baseCode: code)
    }
}

extension NomenclatureRule {
    /// A rule built from its already-known compiled form (for the static defaults,
    /// which therefore need no throwing initialiser).
    static func compiled(type: String, pattern: String, start: Int, integers: Int, decimals: Int) -> NomenclatureRule {
        NomenclatureRule(type: type, pattern: pattern, start: start, integers: integers, decimals: decimals)
    }

    private init(type: String, pattern: String, start: Int, integers: Int, decimals: Int) {
        let prefix = Array(pattern.utf8.prefix(start))
        self.type = type
        self.pattern = pattern
        self.encoding = .ean13
        self.priceCheckDigit = false
        self.slots = prefix.map { $0 == 0x2E ? .anyDigit : .literal($0) }
            + Array(repeating: .value, count: integers + decimals)
        self.field = ValueField(start: start, integerDigits: integers, decimalDigits: decimals)
    }
}
