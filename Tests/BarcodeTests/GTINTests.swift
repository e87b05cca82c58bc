import Testing

@testable import Barcode

@Suite("GTIN validation and classification")
struct GTINTests {
    @Test("valid codes of each length", arguments: [
        ("96385074", GTIN.Format.gtin8, "00000096385074"),
        ("690123456787", .gtin12, "00690123456787"),
        ("6901234567892", .gtin13, "06901234567892"),
        ("6920152400593", .gtin13, "06920152400593"),
        ("06901234567892", .gtin14, "06901234567892"),
        ("10690123456784", .gtin14, "10690123456784"),
    ])
    func valid(code: String, format: GTIN.Format, gtin14: String) throws {
        let gtin = try GTIN(code)
        #expect(gtin.format == format)
        #expect(gtin.gtin14 == gtin14)
        #expect(gtin.code == code)
        #expect(GTIN.isValid(code))
    }

    @Test func formatNames() {
        #expect(GTIN.Format.gtin13.description == "GTIN-13")
        #expect(GTIN.Format.gtin8.description == "GTIN-8")
    }

    @Test func badCheckDigit() {
        #expect(throws: BarcodeError.badCheckDigit(what: "GTIN 6901234567895", expected: 2, found: 5)) {
            try GTIN("6901234567895")
        }
        #expect(!GTIN.isValid("6901234567895"))
    }

    @Test func nothingIsRepaired() {
        #expect(throws: BarcodeError.notDigits(what: "GTIN", position: 0)) { try GTIN(" 6901234567892") }
        #expect(throws: BarcodeError.notDigits(what: "GTIN", position: 4)) { try GTIN("6901-234567892") }
        #expect(throws: BarcodeError.notDigits(what: "GTIN", position: 12)) { try GTIN("690123456789X") }
    }

    @Test func wrongLengths() {
        #expect(throws: BarcodeError.wrongLength(what: "GTIN", expected: "8, 12, 13 or 14", actual: 11)) {
            try GTIN("69012345678")
        }
        #expect(throws: BarcodeError.wrongLength(what: "GTIN", expected: "8, 12, 13 or 14", actual: 18)) {
            try GTIN("106141411234567897")
        }
        #expect(throws: BarcodeError.emptyInput) { try GTIN("") }
    }

    @Test("restricted circulation numbers", arguments: [
        ("2012345678903", true),  // GTIN-13 prefix 20
        ("2100123012503", true),  // in-store weight label
        ("2205123456781", true),
        ("0212345678909", true),  // prefix 02
        ("0412345678903", true),  // prefix 04
        ("6901234567892", false),
        ("6920152400593", false),
        ("02012346", true),  // GTIN-8 starting 0
        ("25000016", true),  // GTIN-8 starting 2
        ("96385074", false),
        ("221234567897", true),  // UPC-A number system 2 → GTIN-13 form 02…
        ("690123456787", false),
        ("050123456789", false),
        ("02012345678903", true),  // indicator 0 + GTIN-13 201…
        ("12012345678900", false),  // indicator 1: a grouping, never an RCN
        ("00000096385074", false),  // padded GTIN-8 963…
        ("00000002012346", true),  // padded GTIN-8 020…
    ])
    func rcn(code: String, expected: Bool) throws {
        #expect(try GTIN(code).isRestrictedCirculation == expected)
    }
}
