import ChainstoreCore
import Foundation
import Testing

@Suite("Decimal amounts")
struct DecimalMoneyTests {
    /// Decimals of every shape the fast conversion takes or refuses: money, quantities, tiny and
    /// huge exponents, significands beyond 53 and 64 bits, negatives, zero.
    static func samples() -> [Decimal] {
        var generator = SystemRandomNumberGenerator()
        var values: [Decimal] = ["0", "-0", "0.1", "0.3", "12.34", "-12.34", "1234567.891", "9007199254740991", "9007199254740993",
                                 "18446744073709551617.5", "0.000000000000000000001", "1e22", "1e23", "123e-25", "-0.005",
                                 "99999999999999999999999999999999999999", "0.1234567890123456789"].map { Decimal(string: $0)! }
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...20, using: &generator)
            let text = String((0..<digits).map { _ in "0123456789".randomElement(using: &generator)! })
            let exponent = Int.random(in: -26...26, using: &generator)
            var value = Decimal(string: "\(Bool.random(using: &generator) ? "-" : "")\(text)e\(exponent)")!
            if Bool.random(using: &generator) { value = value.rounded(Int.random(in: 0...4, using: &generator)) }
            values.append(value)
        }
        return values
    }

    @Test func theNearestDoubleIsTheOneItsDigitsParseTo() {
        var mismatches: [String] = []
        for value in Self.samples() where value.nearestDouble != Double("\(value)")! {
            mismatches.append("\(value): \(value.nearestDouble) instead of \(Double("\(value)")!)")
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        #expect(Value.number(Decimal(string: "12.34")!) == .double(12.34))
    }

    @Test func aPercentIsTheHundredthItWasDividedInto() {
        for value in Self.samples().prefix(5_000) {
            #expect(value.fromPercent == value / 100, "\(value)")
            #expect("\(value.fromPercent)" == "\(value / 100)", "\(value)")
        }
        #expect((Decimal(13).fromPercent + 1) * 100 == 113)
    }

    @Test func plainTextIsReadAsFoundationReadsIt() {
        var texts = ["0", "-0", "0.00", "12.34", "-12.34", "12.50", "1.", ".5", "-.5", "007", "123456789012345678", "1234567890123456789",
                     "99999999999999999999", "1e3", "1,5", "12abc", "", "-", ".", "1.2.3", "--1", " 1", "0.000000000000000001"]
        for value in Self.samples().prefix(5_000) { texts.append("\(value)") }
        for text in texts {
            let plain = Decimal(plain: text), foundation = Decimal(string: text)
            #expect(plain == foundation, "\(text)")
            #expect(plain.map { "\($0)" } == foundation.map { "\($0)" }, "\(text)")
        }
    }
}
