// One in-store barcode rule (spec §3), with the semantics of Odoo's barcode
// nomenclature: a pattern anchored at the start of the code, where `.` is any
// digit, digits are literal, and one `{N…D…}` group marks an embedded number
// (N integer digits, then D decimal digits). The pattern is compiled once, when
// the rule is made; matching then walks a small array and allocates only for
// the base code of a successful match.

/// How a rule checks the whole code before matching its pattern.
public enum BarcodeEncoding: String, Sendable, Hashable, CaseIterable {
    /// No check: the pattern alone decides.
    case any
    /// 13 digits with a valid EAN-13 check digit; the base code gets a fresh one.
    case ean13
    /// 12 digits with a valid UPC-A check digit; the base code gets a fresh one.
    case upca

    var length: Int? {
        switch self {
        case .any: nil
        case .ean13: 13
        case .upca: 12
        }
    }
}

/// A compiled nomenclature rule.
public struct NomenclatureRule: Sendable, Hashable {
    /// The rule type: `product`, `weight`, `price`, `discount`, … (free text, reported back).
    public let type: String
    /// The pattern as written, e.g. `21.....{NNDDD}`.
    public let pattern: String
    public let encoding: BarcodeEncoding
    /// When set, the digit just before the group is a GS1 price check digit over
    /// the group's 4 or 5 digits (German/UK layouts). Off by default (China).
    public let priceCheckDigit: Bool

    /// One position of the compiled pattern.
    enum Slot: Hashable {
        case literal(UInt8)
        case anyDigit
        case value
    }

    /// Where the embedded number is.
    struct ValueField: Hashable {
        let start: Int
        let integerDigits: Int
        let decimalDigits: Int
        var count: Int { integerDigits + decimalDigits }
    }

    let slots: [Slot]
    let field: ValueField?

    /// Compiles `pattern`. Throws `.malformedPattern` for anything but digits,
    /// `.`, one `{N…D…}` group and an optional trailing `.*` (Odoo's catch-all).
    public init(
        type: String, pattern: String, encoding: BarcodeEncoding = .ean13, priceCheckDigit: Bool = false
    ) throws(BarcodeError) {
        let bytes = Array(pattern.utf8)
        func fail(_ reason: String) -> BarcodeError { .malformedPattern(pattern: pattern, reason: reason) }
        guard !bytes.isEmpty else { throw fail("empty pattern") }
        var slots: [Slot] = []
        var field: ValueField?
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x30...0x39:
                slots.append(.literal(byte))
            case 0x2E:  // "."
                if index + 2 == bytes.count, bytes[index + 1] == 0x2A {  // trailing ".*": the rest is free
                    index = bytes.count
                    continue
                }
                slots.append(.anyDigit)
            case 0x7B:  // "{"
                guard field == nil else { throw fail("more than one {…} group") }
                var integers = 0, decimals = 0
                index += 1
                while index < bytes.count, bytes[index] == 0x4E { integers += 1; index += 1 }  // N
                while index < bytes.count, bytes[index] == 0x44 { decimals += 1; index += 1 }  // D
                guard index < bytes.count, bytes[index] == 0x7D else {
                    throw fail("a group is N… then D… closed by }")
                }
                guard integers + decimals > 0 else { throw fail("empty {} group") }
                guard integers + decimals <= 18 else { throw fail("group longer than 18 digits") }
                field = ValueField(start: slots.count, integerDigits: integers, decimalDigits: decimals)
                slots.append(contentsOf: repeatElement(Slot.value, count: integers + decimals))
            default:
                throw fail("unsupported character \(ASCII.show(byte)) at offset \(index)")
            }
            index += 1
        }
        if let length = encoding.length, slots.count > length {
            throw fail("longer than a \(encoding.rawValue) code")
        }
        if priceCheckDigit {
            guard let field, field.count == 4 || field.count == 5, field.start >= 1 else {
                throw fail("a price check digit needs a 4- or 5-digit group after at least one digit")
            }
        }
        self.type = type
        self.pattern = pattern
        self.encoding = encoding
        self.priceCheckDigit = priceCheckDigit
        self.slots = slots
        self.field = field
    }

    public static func == (lhs: NomenclatureRule, rhs: NomenclatureRule) -> Bool {
        lhs.type == rhs.type && lhs.pattern == rhs.pattern && lhs.encoding == rhs.encoding
            && lhs.priceCheckDigit == rhs.priceCheckDigit
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(pattern)
        hasher.combine(encoding)
        hasher.combine(priceCheckDigit)
    }
}
