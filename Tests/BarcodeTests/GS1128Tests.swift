import Testing

@testable import Barcode

@Suite("GS1-128 symbols for logistic labels")
struct GS1128Tests {
    /// Every pattern is three bars and three spaces over eleven modules; the stop, thirteen.
    @Test func theCode128TableIsWellFormed() {
        #expect(GS1128.patterns.count == 106)
        #expect(GS1128.patterns.allSatisfy { $0.count == 6 && $0.reduce(0, +) == 11 })
        #expect(GS1128.stop.reduce(0, +) == 13)
        #expect(Set(GS1128.patterns).count == 106)
    }

    /// An SSCC: start C, FNC1, ten pairs in code set C, the check value, the stop.
    @Test func anSSCCIsTenPairsInCodeSetC() throws {
        let symbol = try GS1128.encode([("00", "369012340000000019")])
        #expect(Array(symbol.values.prefix(2)) == [105, 102])
        #expect(Array(symbol.values.dropFirst(2).dropLast()) == [0, 36, 90, 12, 34, 0, 0, 0, 0, 19])
        let sum = symbol.values.dropLast().enumerated().reduce(0) { $0 + ($1.offset == 0 ? $1.element : $1.element * $1.offset) }
        #expect(symbol.values.last == sum % 103)
        // 13 symbols of 11 modules and the stop's 13, bars and spaces alternating.
        #expect(symbol.widths.reduce(0, +) == 13 * 11 + 13)
        #expect(symbol.widths.count == 13 * 6 + 7)
    }

    /// A variable-length field that is not last is closed by FNC1; a lot with letters goes to
    /// code set B and an even run of digits comes back to C.
    @Test func variableFieldsAreSeparatedAndLettersUseCodeSetB() throws {
        let symbol = try GS1128.encode([("02", "06901234567892"), ("37", "10"), ("10", "L2612A"), ("17", "270115")])
        // 02 and its 14 digits, 37 10 in code set C; FNC1 (37 is variable and not last); 10 in C,
        // B for "L", C for "2612", B for "A", FNC1 (the lot is not last); C for 17 270115.
        #expect(Array(symbol.values.dropLast()) == [
            105, 102, 2, 6, 90, 12, 34, 56, 78, 92, 37, 10, 102, 10, 100, 44, 99, 26, 12, 100, 33, 102, 99, 17, 27, 1, 15,
        ])
    }

    @Test func badInputIsRefused() {
        #expect(throws: BarcodeError.self) { try GS1128.encode([]) }
        #expect(throws: BarcodeError.self) { try GS1128.encode([("0A", "1")]) }
        #expect(throws: BarcodeError.self) { try GS1128.encode([("10", "批号")]) }
        #expect(throws: BarcodeError.self) { try GS1128.encode([("10", String(repeating: "9", count: 50))]) }
    }
}
