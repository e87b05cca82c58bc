// The inputs of the batch codec tool (spec §5), independent of how they were
// read. `init(kind:input:)` builds a case from the JSON input object.

/// One variable-measure rule as given to the batch tool.
public struct CodecRule: Sendable, Hashable {
    public var type: String
    public var pattern: String
    public var encoding: BarcodeEncoding
    public var priceCheckDigit: Bool

    /// Batch rules default to EAN-13: §3 rules describe in-store EAN-13 labels.
    public init(type: String, pattern: String, encoding: BarcodeEncoding = .ean13, priceCheckDigit: Bool = false) {
        self.type = type
        self.pattern = pattern
        self.encoding = encoding
        self.priceCheckDigit = priceCheckDigit
    }
}

/// One question for the codec.
public enum CodecCase: Sendable, Hashable {
    case eanCheckDigit(payload: String)
    case eanValidate(code: String)
    case gtin(code: String)
    case gs1Message(data: String, format: GS1InputFormat)
    case variableMeasure(barcode: String, rules: [CodecRule])
    case epcEncode(pureIdentityURI: String, scheme: String, filter: Int)
    case epcDecode(hex: String)

    /// Builds a case from its `kind` and `input` object. Rules are `[type, pattern]`
    /// or `[type, pattern, encoding]` arrays, or objects with `type`, `pattern`,
    /// optional `encoding` and `price_check_digit`.
    public init(kind: String, input: CodecJSON) throws(BarcodeError) {
        func text(_ key: String) throws(BarcodeError) -> String {
            guard let value = input[key]?.stringValue else { throw .invalidInput("\(kind) needs a string \"\(key)\"") }
            return value
        }
        switch kind {
        case "ean_check_digit":
            self = .eanCheckDigit(payload: try text("payload"))
        case "ean_validate":
            self = .eanValidate(code: try text("code"))
        case "gtin":
            self = .gtin(code: try text("code"))
        case "gs1_message":
            let name = input["format"]?.stringValue ?? "raw"
            guard let format = GS1InputFormat(rawValue: name) else {
                throw .invalidInput("gs1_message format must be \"raw\" or \"hri\", not \(name)")
            }
            self = .gs1Message(data: try text("data"), format: format)
        case "variable_measure":
            guard case .array(let items)? = input["rules"] else { throw .invalidInput("variable_measure needs a \"rules\" array") }
            var rules: [CodecRule] = []
            for item in items { rules.append(try Self.rule(item)) }
            self = .variableMeasure(barcode: try text("barcode"), rules: rules)
        case "epc_encode":
            let filter: Int? = switch input["filter"] {
            case .int(let value)?: value
            case .string(let value)?: Int(value)
            default: nil
            }
            guard let filter else { throw .invalidInput("epc_encode needs an integer \"filter\"") }
            self = .epcEncode(pureIdentityURI: try text("pure_identity_uri"), scheme: try text("scheme"), filter: filter)
        case "epc_decode":
            self = .epcDecode(hex: try text("hex"))
        default:
            throw .invalidInput("unknown kind \(kind)")
        }
    }

    static func rule(_ item: CodecJSON) throws(BarcodeError) -> CodecRule {
        var type: String?, pattern: String?, encodingName: String?, priceCheck = false
        switch item {
        case .array(let parts) where (2...3).contains(parts.count):
            type = parts[0].stringValue
            pattern = parts[1].stringValue
            if parts.count == 3 {
                guard let name = parts[2].stringValue else { throw .invalidInput("rule encoding must be a string") }
                encodingName = name
            }
        case .object:
            type = item["type"]?.stringValue
            pattern = item["pattern"]?.stringValue
            encodingName = item["encoding"]?.stringValue
            if case .bool(let flag)? = item["price_check_digit"] { priceCheck = flag }
        default:
            break
        }
        guard let type, let pattern else { throw .invalidInput("a rule is [type, pattern] or [type, pattern, encoding]") }
        var encoding = BarcodeEncoding.ean13
        if let encodingName {
            guard let named = BarcodeEncoding(rawValue: encodingName) else {
                throw .invalidInput("rule encoding must be any, ean13 or upca, not \(encodingName)")
            }
            encoding = named
        }
        return CodecRule(type: type, pattern: pattern, encoding: encoding, priceCheckDigit: priceCheck)
    }
}
