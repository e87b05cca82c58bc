// Answers batch codec cases with §5's result keys, and runs a whole input
// document. The command-line tool only reads the file and prints the result.

/// The batch codec tool's logic.
public enum CodecBatch {
    /// The answer to one case as ordered `(key, value)` pairs. Failures are
    /// `error: true` plus `error_message` (and, for an unsupported EPC header,
    /// the raw `hex`).
    public static func answer(case codecCase: CodecCase, today: GS1Date) -> [(String, CodecJSON)] {
        do throws(BarcodeError) {
            return try answerOrThrow(codecCase, today: today)
        } catch {
            var pairs: [(String, CodecJSON)] = [("error", .bool(true)), ("error_message", .string(error.description))]
            if case .unsupportedScheme(_, let hex) = error { pairs.append(("hex", .string(hex))) }
            return pairs
        }
    }

    static func answerOrThrow(_ codecCase: CodecCase, today: GS1Date) throws(BarcodeError) -> [(String, CodecJSON)] {
        switch codecCase {
        case .eanCheckDigit(let payload):
            return [("check_digit", .string(String(try CheckDigit.gs1(payload))))]
        case .eanValidate(let code):
            return [("valid", .bool(GTIN.isValid(code)))]
        case .gtin(let code):
            do throws(BarcodeError) {
                let gtin = try GTIN(code)
                return [
                    ("valid", .bool(true)), ("format", .string(gtin.format.description)),
                    ("gtin14", .string(gtin.gtin14)), ("is_rcn", .bool(gtin.isRestrictedCirculation)),
                ]
            } catch {
                return [("valid", .bool(false)), ("reason", .string(error.description))]
            }
        case .gs1Message(let data, let format):
            let message = try GS1Parser(today: today).parse(data, format: format)
            return [("element_strings", .array(message.elements.map(elementJSON)))]
        case .variableMeasure(let barcode, let specs):
            var rules: [NomenclatureRule] = []
            for spec in specs {
                rules.append(try NomenclatureRule(
                    type: spec.type, pattern: spec.pattern, encoding: spec.encoding, priceCheckDigit: spec.priceCheckDigit))
            }
            let found = try Nomenclature(rules: rules).classify(barcode)
            return [
                ("rule_type", .string(found.ruleType)), ("pattern", found.pattern.map(CodecJSON.string) ?? .null),
                ("value", found.value.map(CodecJSON.string) ?? .null), ("base_code", .string(found.baseCode)),
            ]
        case .epcEncode(let uri, let schemeName, let filter):
            guard let scheme = EPCScheme(name: schemeName) else {
                throw .schemeMismatch(requested: schemeName, uri: uri)
            }
            let epc = try EPC(pureIdentityURI: uri, scheme: scheme, filter: filter)
            return [("hex", .string(epc.hex)), ("tag_uri", .string(epc.tagURI))]
        case .epcDecode(let hex):
            let epc = try EPC(hex: hex, protocolControl: .detect)
            return [
                ("hex", .string(epc.hex)), ("scheme", .string(epc.scheme.rawValue)), ("filter", .int(epc.filter)),
                ("company_prefix", .string(epc.companyPrefix)), ("pure_identity_uri", .string(epc.pureIdentityURI)),
                ("tag_uri", .string(epc.tagURI)), ("gs1_key", .string(epc.gs1Key)),
                ("gs1_element_string", .string(epc.gs1ElementString)),
            ]
        }
    }

    static func elementJSON(_ element: GS1Element) -> CodecJSON {
        var members: [(String, CodecJSON)] = [("ai", .string(element.ai)), ("value", .string(element.value))]
        if let date = element.date { members.append(("date", .string(date.iso))) }
        if let decimal = element.decimal { members.append(("decimal", .string(decimal.description))) }
        if let currency = element.currency { members.append(("currency", .string(currency))) }
        return .object(members)
    }

    /// Answers every case of an input document (`{"cases": [{"id", "kind", "input"}, …]}`)
    /// and returns `{"implementation": …, "results": [{"id": …, …}, …]}`. A case
    /// whose kind or input is unusable gets an error result; only a document that
    /// is not JSON or has no `cases` array throws.
    public static func run(document: CodecJSON, today: GS1Date, implementation: String) throws(BarcodeError) -> CodecJSON {
        guard case .array(let cases)? = document["cases"] else { throw .invalidInput("no \"cases\" array") }
        var results: [CodecJSON] = []
        results.reserveCapacity(cases.count)
        for item in cases {
            var pairs: [(String, CodecJSON)] = [("id", item["id"] ?? .null)]
            do throws(BarcodeError) {
                guard let kind = item["kind"]?.stringValue else { throw .invalidInput("case needs a string \"kind\"") }
                let codecCase = try CodecCase(kind: kind, input: item["input"] ?? .object([]))
                pairs += answer(case: codecCase, today: today)
            } catch {
                pairs += [("error", .bool(true)), ("error_message", .string(error.description))]
            }
            results.append(.object(pairs))
        }
        return .object([("implementation", .string(implementation)), ("results", .array(results))])
    }
}
