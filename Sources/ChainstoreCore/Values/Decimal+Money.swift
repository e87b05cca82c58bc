import Foundation

extension Decimal {
    /// Rounded half away from zero (half-up for amounts, as money is rounded) to `scale` decimals.
    public func rounded(_ scale: Int) -> Decimal {
        var value = self, result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }

    /// `self` percent as a fraction (13 → 0.13): a multiplication by 0.01, exact like the division
    /// by 100 it replaces and a tenth of its cost (Foundation's division works through every
    /// digit, then strips the trailing zeros one division by ten at a time).
    public var fromPercent: Decimal { self * Decimal.hundredth }

    /// Parses plain decimal text ("-123.45": an optional minus, digits, an optional point and
    /// digits, 18 digits at most) as `Decimal(string:)` does, without its locale-aware parser (a
    /// twentieth of the cost: prices and quantities stored as text are read on every scan); any
    /// other text goes to `Decimal(string:)`.
    public init?(plain text: String) {
        var significand: UInt64 = 0, digits = 0, scale = 0, negative = false, point = false, plain = true
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                significand = significand &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
                digits += 1
                if point { scale += 1 }
            case UInt8(ascii: "."):
                plain = plain && !point
                point = true
            case UInt8(ascii: "-") where index == 0: negative = true
            default: plain = false
            }
            if !plain || digits > 18 { break }
        }
        guard plain, (1...18).contains(digits) else {
            guard let parsed = Decimal(string: text) else { return nil }
            self = parsed
            return
        }
        self.init(sign: negative && significand != 0 ? .minus : .plus, exponent: -scale, significand: Decimal(significand))
    }

    static let hundredth = Decimal(sign: .plus, exponent: -2, significand: 1)
    private static let twoTo53 = Decimal(UInt64(1) << 53)
    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// The nearest `Double`, as `Double("\(self)")` gives it, without writing and parsing the
    /// digits when the significand has at most 53 bits and the exponent is within ±22: both are
    /// then exact doubles and one correctly rounded multiplication or division gives the nearest
    /// double (money and quantities always are; anything else takes the text).
    public var nearestDouble: Double {
        let exponent = self.exponent
        let significand = self.significand
        if (-22...22).contains(exponent), significand < Self.twoTo53 {
            let whole = Double(NSDecimalNumber(decimal: significand).uint64Value)
            let magnitude = exponent < 0 ? whole / Self.powersOfTen[-exponent] : whole * Self.powersOfTen[exponent]
            return sign == .minus ? -magnitude : magnitude
        }
        return Double("\(self)") ?? .nan
    }
}

extension Value {
    /// An amount or quantity as a JSON number (Odoo's floats): the nearest double.
    public static func number(_ value: Decimal) -> Value { .double(value.nearestDouble) }

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
