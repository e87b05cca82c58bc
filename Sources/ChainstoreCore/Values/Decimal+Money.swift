import Foundation

extension Decimal {
    /// Rounded half away from zero (half-up for amounts, as money is rounded) to `scale` decimals.
    public func rounded(_ scale: Int) -> Decimal {
        var value = self, result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }
}

extension Value {
    /// An exact amount given as a number or a string ("1234.56"); nil for anything else.
    public var decimalValue: Decimal? {
        switch self {
        case .int(let number): return Decimal(number)
        case .double(let number): return Decimal(string: String(number))
        case .string(let text): return Decimal(string: text.trimmingCharacters(in: .whitespaces), locale: Locale(identifier: "en_US_POSIX"))
        default: return nil
        }
    }
}
