import Testing

@testable import Barcode

private let GS = "\u{1D}"
private let parser = GS1Parser(today: GS1Date(year: 2026, month: 6, day: 15)!)

private func elements(_ data: String, format: GS1InputFormat = .raw) throws -> [GS1Element] {
    try parser.parse(data, format: format).elements
}

@Suite("GS1 element strings: the AIs of §2.3")
struct ElementStringAITests {
    @Test func sscc() throws {
        let read = try elements("00106141411234567897")
        #expect(read == [GS1Element(ai: "00", value: "106141411234567897")])
    }

    @Test func gtinExpiryLotSerial() throws {
        let read = try elements("]d2010690123456789217260630" + "10LOT7" + GS + "21S/N-001")
        #expect(read.map(\.ai) == ["01", "17", "10", "21"])
        #expect(read[0].value == "06901234567892")
        #expect(read[1].date == GS1Date(year: 2026, month: 6, day: 30))
        #expect(read[2].value == "LOT7")
        #expect(read[3].value == "S/N-001")
    }

    @Test func logisticUnitContent() throws {
        let read = try elements("]C100106141411234567897" + "0206901234567892" + "3712" + GS + "15260400")
        #expect(read.map(\.ai) == ["00", "02", "37", "15"])
        #expect(read[2].count == 12)
        #expect(read[3].date?.iso == "2026-04-30")
    }

    @Test("dates of 11, 13, 15, 16, 17", arguments: ["11", "13", "15", "16", "17"])
    func dateAIs(ai: String) throws {
        let read = try elements(ai + "240200")
        #expect(read == [GS1Element(ai: ai, value: "240200", date: GS1Date(year: 2024, month: 2, day: 29))])
    }

    @Test func variantAndCount() throws {
        let read = try elements("2007" + "30" + "150")
        #expect(read == [GS1Element(ai: "20", value: "07"), GS1Element(ai: "30", value: "150", count: 150)])
    }

    @Test("net and gross weights", arguments: [
        ("3103", "001250", "1.250"),
        ("3102", "001250", "12.50"),
        ("3100", "001250", "1250"),
        ("3105", "000005", "0.00005"),
        ("3202", "012345", "123.45"),
        ("3301", "000100", "10.0"),
    ])
    func measures(ai: String, data: String, decimal: String) throws {
        let read = try elements(ai + data)
        #expect(read.count == 1)
        #expect(read[0].ai == ai)
        #expect(read[0].value == data)
        #expect(read[0].decimal?.description == decimal)
    }

    @Test func amountPayable() throws {
        let read = try elements("39221999")
        #expect(read[0].decimal?.description == "19.99")
        #expect(read[0].decimal?.rescaled(to: 2) == 1999)  // fen
        #expect(read[0].currency == nil)
    }

    @Test func amountPayableWithCurrency() throws {
        let read = try elements("3932" + "15612345")
        #expect(read[0].value == "15612345")
        #expect(read[0].currency == "156")
        #expect(read[0].decimal?.description == "123.45")
        #expect(read[0].decimal?.rescaled(to: 2) == 12345)
    }

    @Test func moneyWithMoreDecimalsThanFen() throws {
        let decimal = try #require(try elements("3923" + "12345")[0].decimal)
        #expect(decimal.description == "12.345")
        #expect(decimal.rescaled(to: 2) == nil)
        #expect(decimal.rounded(to: 2) == 1235)
    }

    @Test func variableMeasureItemWithPrice() throws {
        let read = try elements("0196901234567895" + "3103001250" + "39221999")
        #expect(read.map(\.ai) == ["01", "3103", "3922"])
    }

    @Test func assetIdentifiers() throws {
        let read = try elements("800306901234123456400" + GS + "8004690123456789" + GS + "8020PAY-2026/06")
        #expect(read.map(\.value) == ["06901234123456400", "690123456789", "PAY-2026/06"])
    }

    @Test func graiWithoutSerial() throws {
        #expect(try elements("800306901234123456")[0].value == "06901234123456")
    }

    @Test func graiCheckDigitAndFiller() {
        #expect(throws: BarcodeError.badCheckDigit(what: "AI (8003) GRAI 6901234123457", expected: 6, found: 7)) {
            try elements("800306901234123457400")
        }
        #expect(throws: BarcodeError.invalidCharacter(what: "AI (8003) filler (must be 0)", character: "'1'", position: 4)) {
            try elements("800316901234123456")
        }
    }

    @Test func companyInternal() throws {
        let ninety = String(repeating: "A", count: 90)
        let read = try elements("90ABC-1" + GS + "91" + ninety + GS + "99x")
        #expect(read.map(\.ai) == ["90", "91", "99"])
        #expect(read[1].value == ninety)
        #expect(throws: BarcodeError.fieldTooLong(ai: "90", maximum: 30, actual: 31)) {
            try elements("90" + String(repeating: "B", count: 31))
        }
    }
}

@Suite("GS1 element strings: scanner framing and errors")
struct ElementStringFramingTests {
    @Test("symbology identifiers are stripped", arguments: ["]C1", "]e0", "]d2", "]Q3"])
    func symbologyIdentifiers(prefix: String) throws {
        #expect(try elements(prefix + "0106901234567892").map(\.value) == ["06901234567892"])
    }

    @Test func nonGS1SymbologyIsRefused() {
        #expect(throws: BarcodeError.notGS1Data(symbologyIdentifier: "]E0")) { try elements("]E06901234567892") }
        #expect(throws: BarcodeError.notGS1Data(symbologyIdentifier: "]C")) { try elements("]C") }
    }

    @Test func leadingAndTrailingSeparators() throws {
        #expect(try elements(GS + "10ABC" + GS).map(\.value) == ["ABC"])
        #expect(throws: BarcodeError.unexpectedSeparator(position: 6)) { try elements("10ABC" + GS + GS + "21X") }
        #expect(throws: BarcodeError.emptyInput) { try elements("]C1" + GS) }
        #expect(throws: BarcodeError.emptyInput) { try elements("") }
    }

    @Test func separatorAfterPredefinedLengthFieldIsAllowed() throws {
        #expect(try elements("0106901234567892" + GS + "17260630").map(\.ai) == ["01", "17"])
    }

    @Test func missingSeparatorContinuesTheVariableField() throws {
        // §2.2: the lot is "ABC17260100", not lot "ABC" plus an expiry date.
        #expect(try elements("10ABC17260100") == [GS1Element(ai: "10", value: "ABC17260100")])
    }

    @Test func variableFieldLongerThanItsMaximum() {
        #expect(throws: BarcodeError.fieldTooLong(ai: "10", maximum: 20, actual: 26)) {
            try elements("10ABCDEFGHIJ" + "0106901234567892")
        }
        #expect(throws: BarcodeError.fieldTooLong(ai: "30", maximum: 8, actual: 9)) { try elements("30123456789") }
    }

    @Test func configurableSeparators() throws {
        let pipes = GS1Parser(today: GS1Date(year: 2026, month: 6, day: 15)!, separators: [0x7C, 0x1D])
        let read = try pipes.parse("10LOT1|21SER" + GS + "30" + "5").elements
        #expect(read.map(\.value) == ["LOT1", "SER", "5"])
        // With the default configuration a "|" is not a separator and not in set 82.
        #expect(throws: BarcodeError.invalidCharacter(what: "AI (10)", character: "'|'", position: 6)) {
            try elements("10LOT1|21SER")
        }
    }

    @Test func truncatedFields() {
        #expect(throws: BarcodeError.truncated(ai: "01", position: 0, needed: 14, available: 9)) {
            try elements("01069012345")
        }
        #expect(throws: BarcodeError.truncated(ai: "17", position: 16, needed: 6, available: 4)) {
            try elements("0106901234567892" + "172606" + GS + "10A")
        }
        #expect(throws: BarcodeError.truncated(ai: "310", position: 0, needed: 4, available: 3)) { try elements("310") }
        #expect(throws: BarcodeError.truncated(ai: "1", position: 0, needed: 2, available: 1)) { try elements("1") }
    }

    @Test func wrongCheckDigitsRejectTheScan() {
        #expect(throws: BarcodeError.badCheckDigit(what: "AI (01) 06901234567895", expected: 2, found: 5)) {
            try elements("0106901234567895" + "10LOT")
        }
        #expect(throws: BarcodeError.badCheckDigit(what: "AI (00) 106141411234567890", expected: 7, found: 0)) {
            try elements("00106141411234567890")
        }
        #expect(throws: BarcodeError.badCheckDigit(what: "AI (02) 06901234567893", expected: 2, found: 3)) {
            try elements("0206901234567893")
        }
    }

    @Test func nonDigitsInNumericFields() {
        #expect(throws: BarcodeError.notDigits(what: "AI (01)", position: 7)) { try elements("0106901A34567892") }
        #expect(throws: BarcodeError.notDigits(what: "application identifier", position: 1)) { try elements("1A") }
        #expect(throws: BarcodeError.notDigits(what: "AI (3922)", position: 6)) { try elements("392219.9") }
    }

    @Test func characterSet82() {
        #expect(throws: BarcodeError.invalidCharacter(what: "AI (10)", character: "' '", position: 5)) {
            try elements("10LOT 7")
        }
        #expect(throws: BarcodeError.invalidCharacter(what: "AI (21)", character: "'#'", position: 3)) {
            try elements("21A#")
        }
    }

    @Test func unknownAIs() throws {
        #expect(throws: BarcodeError.unknownAI(ai: "12", position: 16)) { try elements("0106901234567892" + "12260101") }
        #expect(throws: BarcodeError.unknownAI(ai: "3106", position: 0)) { try elements("3106001250") }
        #expect(throws: BarcodeError.unknownAI(ai: "55", position: 0)) { try elements("55123") }
        let lenient = GS1Parser(today: GS1Date(year: 2026, month: 6, day: 15)!, unknownAIs: .accept(["12", "240"]))
        let read = try lenient.parse("12260101" + "240ABC" + GS + "10L").elements
        #expect(read.map(\.ai) == ["12", "240", "10"])
        #expect(read.map(\.value) == ["260101", "ABC", "L"])
        #expect(throws: BarcodeError.unknownAI(ai: "241", position: 0)) { try lenient.parse("241X") }
    }

    @Test func shortVariableFields() {
        #expect(throws: BarcodeError.fieldTooShort(ai: "10", minimum: 1, actual: 0)) { try elements("10" + GS + "21A") }
        #expect(throws: BarcodeError.fieldTooShort(ai: "3932", minimum: 4, actual: 3)) { try elements("3932156") }
    }
}

@Suite("GS1 element strings: human-readable form")
struct ElementStringHRITests {
    @Test func specExample() throws {
        let read = try elements("(01)06901234567892(17)260630(10)LOT7", format: .hri)
        #expect(read.map(\.ai) == ["01", "17", "10"])
        #expect(read.map(\.value) == ["06901234567892", "260630", "LOT7"])
        #expect(read[1].date?.iso == "2026-06-30")
    }

    @Test func decimalsAndCurrency() throws {
        let read = try elements("(3103)001250(3932)15612345", format: .hri)
        #expect(read[0].decimal?.description == "1.250")
        #expect(read[1].currency == "156")
        #expect(read[1].decimal?.description == "123.45")
    }

    @Test func parenthesesInsideData() throws {
        let read = try elements("(10)A(B)(21)X", format: .hri)
        #expect(read.map(\.value) == ["A(B)", "X"])
    }

    @Test func roundTripsThroughHRI() throws {
        let raw = try parser.parse("0106901234567892" + "10LOT7" + GS + "17260630")
        #expect(raw.hri == "(01)06901234567892(10)LOT7(17)260630")
        #expect(try parser.parse(raw.hri, format: .hri) == raw)
    }

    @Test func errors() {
        #expect(throws: BarcodeError.malformedHRI(position: 0, reason: "expected (AI) with 2 to 4 digits")) {
            try elements("0106901234567892", format: .hri)
        }
        #expect(throws: BarcodeError.unknownAI(ai: "310", position: 1)) { try elements("(310)001250", format: .hri) }
        #expect(throws: BarcodeError.fieldTooLong(ai: "17", maximum: 6, actual: 7)) {
            try elements("(17)2606301", format: .hri)
        }
        #expect(throws: BarcodeError.truncated(ai: "01", position: 0, needed: 14, available: 13)) {
            try elements("(01)6901234567892", format: .hri)
        }
        #expect(throws: BarcodeError.fieldTooLong(ai: "10", maximum: 20, actual: 21)) {
            try elements("(10)" + String(repeating: "L", count: 21), format: .hri)
        }
        #expect(throws: BarcodeError.badCheckDigit(what: "AI (01) 06901234567891", expected: 2, found: 1)) {
            try elements("(01)06901234567891", format: .hri)
        }
        #expect(throws: BarcodeError.emptyInput) { try elements("", format: .hri) }
    }
}
