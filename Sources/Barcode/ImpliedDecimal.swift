// Exact decimals for GS1 measures and amounts: an integer of minor units and a
// number of implied decimal places. No floating point anywhere.

/// `units` × 10^−`scale`, e.g. 001250 with 3 decimals = 1.250.
public struct ImpliedDecimal: Sendable, Hashable, CustomStringConvertible {
    /// The digits read as an integer (the value in minor units of `scale`).
    public let units: Int64
    /// Number of implied decimal places (0–9 for GS1 data).
    public let scale: Int

    public init(units: Int64, scale: Int) {
        self.units = units
        self.scale = scale
    }

    /// Reads up to 18 ASCII digits with `scale` implied decimals.
    init(digits: some Collection<UInt8>, scale: Int) {
        var value: Int64 = 0
        for byte in digits { value = value * 10 + Int64(byte &- ASCII.zero) }
        self.init(units: value, scale: scale)
    }

    /// Exact decimal text: integer part without leading zeros (at least `0`), then
    /// exactly `scale` decimals. `1.250`, `0.05`, `1250` (scale 0), `123.45`.
    public var description: String {
        let magnitude = units.magnitude
        var digits = String(magnitude)
        if digits.utf8.count <= scale {
            digits = String(repeating: "0", count: scale + 1 - digits.utf8.count) + digits
        }
        let sign = units < 0 ? "-" : ""
        guard scale > 0 else { return sign + digits }
        let split = digits.utf8.count - scale
        return sign + String(digits.prefix(split)) + "." + String(digits.suffix(scale))
    }

    /// The value in units of 10^−`target` when that is exact (no digit lost and no
    /// overflow), else nil. Money with 2 decimals in yuan → `rescaled(to: 2)` = fen.
    public func rescaled(to target: Int) -> Int64? {
        if target >= scale {
            var value = units
            for _ in 0..<(target - scale) {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = product
            }
            return value
        }
        var divisor: Int64 = 1
        for _ in 0..<(scale - target) { divisor *= 10 }
        return units % divisor == 0 ? units / divisor : nil
    }

    /// The value in units of 10^−`target`, rounding half away from zero when
    /// digits must be dropped (e.g. an amount with 3 decimals to fen). Nil on overflow.
    public func rounded(to target: Int) -> Int64? {
        if target >= scale { return rescaled(to: target) }
        var divisor: Int64 = 1
        for _ in 0..<(scale - target) { divisor *= 10 }
        let quotient = units / divisor
        let remainder = (units % divisor).magnitude
        if remainder * 2 >= divisor.magnitude { return units < 0 ? quotient - 1 : quotient + 1 }
        return quotient
    }
}
