import Testing

@testable import Barcode

@Suite("GS1 check digits")
struct CheckDigitTests {
    @Test("spec and example payloads", arguments: [
        ("690123456789", 2),  // spec §1.1
        ("692015240059", 3),  // codec-cases cd-01
        ("9638507", 4),  // GTIN-8 96385074
        ("10614141123456789", 7),  // SSCC 106141411234567897
        ("0690123456789", 2),  // GTIN-14 06901234567892
        ("1", 7),
        ("0", 0),
    ])
    func mod10(payload: String, expected: Int) throws {
        #expect(try CheckDigit.gs1(payload) == expected)
    }

    @Test func weightsStartAtTheRight() throws {
        // Leading zeros never change the digit: the same function serves every length.
        #expect(try CheckDigit.gs1("690123456789") == CheckDigit.gs1("00690123456789"))
    }

    @Test func refusesEmptyAndNonDigits() {
        #expect(throws: BarcodeError.emptyInput) { try CheckDigit.gs1("") }
        #expect(throws: BarcodeError.notDigits(what: "check-digit payload", position: 3)) { try CheckDigit.gs1("690A23") }
    }

    @Test func validatesWholeCodes() {
        #expect(CheckDigit.isValidGS1("6901234567892"))
        #expect(!CheckDigit.isValidGS1("6901234567895"))
        #expect(!CheckDigit.isValidGS1("6"))
        #expect(!CheckDigit.isValidGS1("69012345678 2"))
    }

    @Test func priceFieldCheckDigits() {
        #expect(CheckDigit.priceField("2875") == 9)
        #expect(CheckDigit.priceField("14685") == 6)
        #expect(CheckDigit.priceField("0000") == 0)
        #expect(CheckDigit.priceField("123") == nil)
        #expect(CheckDigit.priceField("12a4") == nil)
    }
}
