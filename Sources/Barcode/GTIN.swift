// Global Trade Item Numbers: validation, GTIN-14 normalisation and the
// restricted-circulation test (spec §1).

/// A syntactically valid GTIN-8, -12, -13 or -14 (digits and check digit verified).
public struct GTIN: Sendable, Hashable, CustomStringConvertible {
    /// The format, decided by the number of digits as scanned. (Some libraries
    /// classify by significant digits, so `06901234567892` would be GTIN-13 there;
    /// here it is GTIN-14, the form it arrived in.)
    public enum Format: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case gtin8 = 8
        case gtin12 = 12
        case gtin13 = 13
        case gtin14 = 14

        public var description: String { "GTIN-\(rawValue)" }
    }

    /// The code as scanned (kept for display).
    public let code: String
    public let format: Format

    /// Validates `code`: ASCII digits only, 8, 12, 13 or 14 of them, correct check
    /// digit. Nothing is stripped or repaired.
    public init(_ code: String) throws(BarcodeError) {
        let length = code.utf8.count
        guard length > 0 else { throw .emptyInput }
        if let offset = ASCII.firstNonDigit(code) { throw .notDigits(what: "GTIN", position: offset) }
        guard let format = Format(rawValue: length) else {
            throw .wrongLength(what: "GTIN", expected: "8, 12, 13 or 14", actual: length)
        }
        let bytes = code.utf8
        let expected = CheckDigit.gs1(bytes: bytes.dropLast())
        let found = Int(bytes.last! - ASCII.zero)
        guard expected == found else { throw .badCheckDigit(what: "GTIN \(code)", expected: expected, found: found) }
        self.code = code
        self.format = format
    }

    /// True when `code` is a valid GTIN of any of the four lengths.
    public static func isValid(_ code: String) -> Bool {
        (try? GTIN(code)) != nil
    }

    /// The 14-digit form products are looked up by: left-padded with zeros.
    public var gtin14: String {
        String(repeating: "0", count: 14 - code.utf8.count) + code
    }

    /// Restricted circulation number: valid syntax, but only meaningful inside a
    /// region, a store or a company, never in a global catalogue.
    ///
    /// Decided on the GTIN-14 form: a non-zero indicator digit is a trade-item
    /// grouping and never an RCN. The remaining 13 digits (the GTIN-13 form) are
    /// an RCN when they start `02`, `04` or `2` (prefixes 20–29). A GTIN-13 form
    /// beginning `00000` is a padded GTIN-8, which is an RCN when its first digit is
    /// `0` or `2`. So a GTIN-12 (UPC-A) is an RCN when it starts with 2 or 4 —
    /// UPC's random-weight and in-store number systems.
    public var isRestrictedCirculation: Bool {
        let digits = Array(gtin14.utf8)
        guard digits[0] == ASCII.zero else { return false }
        let form13 = digits[1...]
        if form13.prefix(5).allSatisfy({ $0 == ASCII.zero }) {
            let first8 = digits[6]
            return first8 == ASCII.zero || first8 == ASCII.zero + 2
        }
        let a = digits[1], b = digits[2]
        if a == ASCII.zero + 2 { return true }
        return a == ASCII.zero && (b == ASCII.zero + 2 || b == ASCII.zero + 4)
    }

    public var description: String { code }
}
