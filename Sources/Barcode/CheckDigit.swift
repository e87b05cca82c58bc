// GS1 check digits: the mod-10 digit that ends every GTIN, SSCC, GLN and GRAI,
// and the separate check digit some in-store schemes put over a price field.

/// GS1 check-digit arithmetic.
public enum CheckDigit {
    /// The GS1 mod-10 check digit of `payload` (the digits before the check digit).
    ///
    /// Weights 3, 1, 3, 1, … are applied from the rightmost payload digit, so the
    /// same function serves every length. `690123456789` → 2.
    public static func gs1(_ payload: String) throws(BarcodeError) -> Int {
        guard !payload.isEmpty else { throw .emptyInput }
        guard let digits = ASCII.digits(payload) else {
            throw .notDigits(what: "check-digit payload", position: ASCII.firstNonDigit(payload) ?? 0)
        }
        return gs1(digits: digits[...])
    }

    /// Mod-10 over digit values; the rightmost gets weight 3.
    static func gs1(digits: ArraySlice<Int>) -> Int {
        var sum = 0
        var weight = 3
        for digit in digits.reversed() {
            sum += digit * weight
            weight = 4 - weight
        }
        return (10 - sum % 10) % 10
    }

    /// Same as `gs1(digits:)` over ASCII digit bytes (callers have checked them).
    static func gs1(bytes: some BidirectionalCollection<UInt8>) -> Int {
        var sum = 0
        var weight = 3
        for byte in bytes.reversed() {
            sum += Int(byte &- ASCII.zero) * weight
            weight = 4 - weight
        }
        return (10 - sum % 10) % 10
    }

    /// True when `code` is all ASCII digits (at least two) and its last digit is the
    /// GS1 check digit of the others. Length is not checked here.
    public static func isValidGS1(_ code: String) -> Bool {
        let bytes = code.utf8
        guard bytes.count >= 2, bytes.allSatisfy(ASCII.isDigit) else { return false }
        return gs1(bytes: bytes.dropLast()) == Int(bytes.last! - ASCII.zero)
    }

    // GS1 General Specifications' price/weight check digit (4- and 5-digit fields),
    // used by schemes that guard the embedded price separately (Germany, UK).
    // Weighting "2-": units digit of 2d, minus the tens digit; "3": units of 3d;
    // "5+": units plus tens of 5d; "5-": units minus tens of 5d (all mod 10).
    private static let weight2Minus = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7]
    private static let weight3 = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7]
    private static let weight5Plus = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]
    private static let weight5Minus = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1]

    /// The price check digit of a 4- or 5-digit price/weight field, nil for other lengths.
    ///
    /// 4 digits: weights 2-, 2-, 3, 5-; the units digit of 3 × sum. (`2875` → 9.)
    /// 5 digits: weights 5+, 2-, 5-, 5+, 2-; d = (10 − sum mod 10) mod 10; the check
    /// digit is the one whose 5- product is d. (`14685` → 6.)
    public static func priceField(_ field: String) -> Int? {
        guard let digits = ASCII.digits(field) else { return nil }
        return priceField(digits: digits[...])
    }

    static func priceField(digits: ArraySlice<Int>) -> Int? {
        let d = Array(digits)
        switch d.count {
        case 4:
            let sum = weight2Minus[d[0]] + weight2Minus[d[1]] + weight3[d[2]] + weight5Minus[d[3]]
            return (sum * 3) % 10
        case 5:
            let sum = weight5Plus[d[0]] + weight2Minus[d[1]] + weight5Minus[d[2]]
                + weight5Plus[d[3]] + weight2Minus[d[4]]
            let target = (10 - sum % 10) % 10
            return weight5Minus.firstIndex(of: target)
        default:
            return nil
        }
    }
}
