import Testing

@testable import Barcode

@Suite("Batch codec tool and its JSON")
struct CodecBatchTests {
    static let today = GS1Date(year: 2026, month: 6, day: 15)!

    func answer(_ codecCase: CodecCase) -> CodecJSON {
        .object(CodecBatch.answer(case: codecCase, today: Self.today))
    }

    @Test func resultKeysPerKind() {
        #expect(answer(.eanCheckDigit(payload: "692015240059")).rendered == #"{"check_digit": "3"}"#)
        #expect(answer(.eanValidate(code: "6901234567895")).rendered == #"{"valid": false}"#)
        #expect(answer(.gtin(code: "6920152400593")).rendered
            == #"{"valid": true, "format": "GTIN-13", "gtin14": "06920152400593", "is_rcn": false}"#)
        #expect(answer(.gs1Message(data: "]C10110690123456784152602003103001250", format: .raw)).rendered
            == #"{"element_strings": [{"ai": "01", "value": "10690123456784"}, "#
            + #"{"ai": "15", "value": "260200", "date": "2026-02-28"}, {"ai": "3103", "value": "001250", "decimal": "1.250"}]}"#)
        #expect(answer(.gs1Message(data: "(3932)15612345", format: .hri)).rendered
            == #"{"element_strings": [{"ai": "3932", "value": "15612345", "decimal": "123.45", "currency": "156"}]}"#)
        #expect(answer(.variableMeasure(barcode: "2305000123451", rules: [
            CodecRule(type: "weight", pattern: "21.....{NNDDD}"), CodecRule(type: "price", pattern: "23.....{NNNDD}"),
        ])).rendered == #"{"rule_type": "price", "pattern": "23.....{NNNDD}", "value": "123.45", "base_code": "2305000000004"}"#)
        #expect(answer(.epcEncode(pureIdentityURI: "urn:epc:id:sgtin:690123.8123456.0", scheme: "sgtin-96", filter: 1)).rendered
            == #"{"hex": "303AA1F2DEFD100000000000", "tag_uri": "urn:epc:tag:sgtin-96:1.690123.8123456.0"}"#)
        #expect(answer(.epcDecode(hex: "303AA1F2DEFD100000000000"))["gs1_element_string"] == .string("(01)86901231234564(21)0"))
    }

    @Test func failuresAreErrorTrue() {
        let failed = answer(.gs1Message(data: "0106901234567895", format: .raw))
        #expect(failed["error"] == .bool(true))
        #expect(failed["error_message"] == .string("AI (01) 06901234567895: check digit should be 2, found 5"))
        let unsupported = answer(.epcDecode(hex: "3614257BF7194E4000003039"))
        #expect(unsupported["error"] == .bool(true))
        #expect(unsupported["hex"] == .string("3614257BF7194E4000003039"))
        #expect(answer(.epcEncode(pureIdentityURI: "urn:epc:id:sgtin:6901234.056789.1", scheme: "sgtin-198", filter: 1))["error"]
            == .bool(true))
        let invalid = answer(.gtin(code: "6901234567895"))
        #expect(invalid["valid"] == .bool(false))
        #expect(invalid["format"] == nil)
    }

    @Test func runsADocument() throws {
        let input = #"""
            {"cases": [
              {"id": "a", "kind": "ean_check_digit", "input": {"payload": "690123456789"}, "expected": {"check_digit": "2"}},
              {"id": 2, "kind": "gs1_message", "input": {"data": "]C1\u001d10ABC\u001d17260400", "format": "raw"}},
              {"id": "c", "kind": "epc_encode", "input": {"pure_identity_uri": "urn:epc:id:giai:6901234.5678", "scheme": "giai-96", "filter": 1}},
              {"id": "d", "kind": "variable_measure", "input": {"barcode": "6901234567892", "rules": [["weight", "21.....{NNDDD}", "ean13"]]}},
              {"id": "e", "kind": "teleport", "input": {}}
            ]}
            """#
        let output = try CodecBatch.run(document: try CodecJSON.parse(input), today: Self.today, implementation: "test")
        guard case .array(let results)? = output["results"] else {
            Issue.record("no results array")
            return
        }
        #expect(output["implementation"] == .string("test"))
        #expect(results.count == 5)
        #expect(results[0].rendered == #"{"id": "a", "check_digit": "2"}"#)
        #expect(results[1].rendered == #"{"id": 2, "element_strings": [{"ai": "10", "value": "ABC"}, "#
            + #"{"ai": "17", "value": "260400", "date": "2026-04-30"}]}"#)
        #expect(results[2]["hex"] == .string("3435A537C80000000000162E"))
        #expect(results[3].rendered == #"{"id": "d", "rule_type": "product", "pattern": null, "value": null, "base_code": "6901234567892"}"#)
        #expect(results[4]["error"] == .bool(true))
        #expect(results[4]["error_message"] == .string("invalid input: unknown kind teleport"))
    }

    @Test func jsonParsing() throws {
        let value = try CodecJSON.parse(#" {"s": "a\"\\\/\u00e9\ud83d\ude00\n", "n": -12, "f": 1.5e3, "b": [true, false, null]} "#)
        #expect(value["s"] == .string("a\"\\/é😀\n"))
        #expect(value["n"] == .int(-12))
        #expect(value["f"] == .number("1.5e3"))
        #expect(value["b"] == .array([.bool(true), .bool(false), .null]))
        #expect(throws: CodecJSONError(offset: 6, reason: "',' or ']' expected")) { try CodecJSON.parse("[1, 2 3]") }
        #expect(throws: CodecJSONError(offset: 8, reason: "member name expected")) { try CodecJSON.parse(#"{"a": 1,}"#) }
        #expect(throws: CodecJSONError(offset: 7, reason: "lone surrogate")) { try CodecJSON.parse(#""\ud800""#) }
        #expect(throws: CodecJSONError(offset: 64, reason: "nesting too deep")) {
            try CodecJSON.parse(String(repeating: "[", count: 100))
        }
    }

    @Test func jsonRendering() {
        let value = CodecJSON.object([("k", .string("a\u{1D}\"\\é")), ("n", .int(3)), ("z", .null)])
        #expect(value.rendered == #"{"k": "a\u001D\"\\é", "n": 3, "z": null}"#)
    }
}
