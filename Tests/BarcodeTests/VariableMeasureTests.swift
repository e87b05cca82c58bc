import Testing

@testable import Barcode

@Suite("In-store variable-measure codes")
struct VariableMeasureTests {
    let defaults = Nomenclature.chineseDefaults

    @Test func weightLabel() throws {
        let found = try #require(defaults.match("2100123012503"))
        #expect(found.ruleType == "weight")
        #expect(found.pattern == "21.....{NNDDD}")
        #expect(found.value == "1.250")
        #expect(found.minorUnits == 1250)  // grams
        #expect(found.baseCode == "2100123000005")
    }

    @Test func priceLabel() throws {
        let found = try #require(defaults.match("2305000123451"))
        #expect(found.ruleType == "price")
        #expect(found.value == "123.45")
        #expect(found.measure?.rescaled(to: 2) == 12345)  // fen
        #expect(found.baseCode == "2305000000004")
    }

    @Test func chineseScaleLayout() throws {
        let found = try #require(defaults.match("2000001042502"))
        #expect(found.ruleType == "weight")
        #expect(found.pattern == "20.....{NNDDD}")
        #expect(found.value == "4.250")
        #expect(found.baseCode == "2000001000007")
    }

    @Test func ordinaryProduct() throws {
        #expect(defaults.match("6901234567892") == nil)
        let product = try defaults.classify("6901234567892")
        #expect(product == VariableMeasureMatch(ruleType: "product", pattern: nil, measure: nil, baseCode: "6901234567892"))
    }

    @Test func ean13RulesNeedAValidCheckDigit() {
        #expect(defaults.match("2100123012504") == nil)
        #expect(throws: BarcodeError.noRuleMatched(barcode: "2100123012504")) { try defaults.classify("2100123012504") }
        #expect(defaults.match("210012301250") == nil)  // 12 digits
    }

    @Test func firstMatchingRuleWins() throws {
        let rules = try Nomenclature([
            (type: "weight", pattern: "2......{NNDDD}"),
            (type: "price", pattern: "23.....{NNNDD}"),
        ])
        #expect(rules.match("2305000123451")?.ruleType == "weight")
        #expect(rules.match("2305000123451")?.value == "12.345")
    }

    @Test func discountPercentage() throws {
        let rules = try Nomenclature([(type: "discount", pattern: "22{NN}")])
        let found = try #require(rules.match("2205123456781"))
        #expect(found.value == "5")
        #expect(found.baseCode == "2200123456786")
    }

    @Test func productRulesWithoutGroup() throws {
        let any = try NomenclatureRule(type: "product", pattern: "69", encoding: .any)
        let found = try #require(any.match("6901234567895"))  // `any`: no check digit test
        #expect(found.value == nil)
        #expect(found.baseCode == "6901234567895")
        let catchAll = try NomenclatureRule(type: "product", pattern: ".*", encoding: .any)
        #expect(catchAll.match("MEMBER-42")?.ruleType == "product")
        #expect(try NomenclatureRule(type: "product", pattern: "69").match("7901234567890") == nil)
    }

    @Test func upcaRule() throws {
        let rule = try NomenclatureRule(type: "price", pattern: "2.....{NNNDD}", encoding: .upca)
        let found = try #require(rule.match("212345012345"))
        #expect(found.value == "12.34")
        #expect(found.baseCode == "212345000007")
        #expect(rule.match("2123450123456") == nil)
    }

    @Test func priceCheckDigitFlag() throws {
        let rule = try NomenclatureRule(type: "price", pattern: "28.....{NNNDD}", priceCheckDigit: true)
        let found = try #require(rule.match("2812347014958"))
        #expect(found.value == "14.95")
        #expect(found.baseCode == "2812340000002")
        let unchecked = try NomenclatureRule(type: "price", pattern: "28.....{NNNDD}")
        let otherCheck = "281234" + "3" + "01495"
        let code = otherCheck + String(try CheckDigit.gs1(otherCheck))
        #expect(unchecked.match(code)?.value == "14.95")
        #expect(rule.match(code) == nil)
    }

    @Test("malformed patterns", arguments: [
        ("", "empty pattern"),
        ("21{NN", "a group is N… then D… closed by }"),
        ("21{DN}", "a group is N… then D… closed by }"),
        ("{}", "empty {} group"),
        ("2{N}{D}", "more than one {…} group"),
        ("21x", "unsupported character 'x' at offset 2"),
        ("21.....{NNDDDDD}", "longer than a ean13 code"),
    ])
    func malformed(pattern: String, reason: String) {
        #expect(throws: BarcodeError.malformedPattern(pattern: pattern, reason: reason)) {
            try NomenclatureRule(type: "weight", pattern: pattern)
        }
    }

    @Test func priceCheckNeedsAFourOrFiveDigitGroup() {
        #expect(throws: BarcodeError.malformedPattern(
            pattern: "22{NN}", reason: "a price check digit needs a 4- or 5-digit group after at least one digit")
        ) {
            try NomenclatureRule(type: "price", pattern: "22{NN}", priceCheckDigit: true)
        }
    }

    @Test func defaultsEqualTheirCompiledPatterns() throws {
        let compiled = try Nomenclature([
            (type: "weight", pattern: "21.....{NNDDD}"),
            (type: "price", pattern: "23.....{NNNDD}"),
            (type: "weight", pattern: "20.....{NNDDD}"),
        ])
        #expect(compiled.rules.map(\.slots) == defaults.rules.map(\.slots))
        #expect(compiled.rules.map(\.field) == defaults.rules.map(\.field))
        #expect(compiled == defaults)
    }
}
