/// Money at the payment channels: integers of fen inside, yuan strings with exactly two
/// decimals where Alipay wants them ("12.50"), never a floating-point number.
public enum Money {
    /// 1250 → "12.50", 5 → "0.05".
    public static func yuan(fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// "12.5" or "12.50" → 1250; nil for anything else (more than two decimals, signs, spaces,
    /// exponents, more than 100,000,000.00 yuan).
    public static func fen(yuan text: String) -> Int64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 9, whole.allSatisfy(\.isASCIIDigit) else { return nil }
        var cents: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 2, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
            cents = Int64(fraction)! * (fraction.count == 1 ? 10 : 1)
        }
        let value = Int64(whole)! * 100 + cents
        return value <= 10_000_000_000 ? value : nil
    }
}

extension Character {
    /// Exactly one of the ten ASCII digits (no combining marks, no other scripts' digits).
    var isASCIIDigit: Bool { utf8.count == 1 && utf8.first.map { (0x30...0x39).contains($0) } == true }
}
