// Every way a scan, a tag read or a codec request can be refused. Each case
// carries enough context (the AI, the offset, the expected value) for a
// support person to see what is wrong without the raw bytes.

/// Why a barcode, an element string, a rule or an EPC was refused.
///
/// Offsets are 0-based positions in the text as it was given (symbology
/// identifier included).
public enum BarcodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing to read (or only a symbology identifier / separators).
    case emptyInput
    /// `what` must have `expected` characters (e.g. "8, 12, 13 or 14"), it has `actual`.
    case wrongLength(what: String, expected: String, actual: Int)
    /// A digit was required at `position`.
    case notDigits(what: String, position: Int)
    /// The last digit of `what` should be `expected`.
    case badCheckDigit(what: String, expected: Int, found: Int)
    /// The AI is not one this parser understands (and unknown AIs are not accepted).
    case unknownAI(ai: String, position: Int)
    /// The data ends (or a separator comes) before a predefined-length field is complete.
    case truncated(ai: String, position: Int, needed: Int, available: Int)
    /// A variable-length field runs past its maximum (a missing separator, usually).
    case fieldTooLong(ai: String, maximum: Int, actual: Int)
    /// A variable-length field is shorter than its minimum (e.g. empty).
    case fieldTooShort(ai: String, minimum: Int, actual: Int)
    /// A character outside the field's character set (GS1 set 82 for X fields).
    case invalidCharacter(what: String, character: String, position: Int)
    /// A YYMMDD value that is not a calendar date.
    case invalidDate(ai: String, value: String, reason: String)
    /// A separator where an AI was expected (two in a row, for example).
    case unexpectedSeparator(position: Int)
    /// A symbology identifier that does not announce GS1 data (e.g. `]E0`) or is unknown.
    case notGS1Data(symbologyIdentifier: String)
    /// Human-readable `(AI)data` text that does not follow that form.
    case malformedHRI(position: Int, reason: String)
    /// A variable-measure rule pattern that cannot be compiled.
    case malformedPattern(pattern: String, reason: String)
    /// No variable-measure rule matches and the code is not a GTIN either.
    case noRuleMatched(barcode: String)
    /// Not a hexadecimal digit at `position`.
    case invalidHex(position: Int)
    /// An EPC header this codec does not decode; the raw hex is kept for the caller.
    case unsupportedScheme(header: String, hex: String)
    /// EPC partition value 7 (or another value outside 0–6).
    case invalidPartition(Int)
    /// A filter value outside 0–7.
    case invalidFilter(Int)
    /// A decoded EPC field holds a number with more digits than its partition allows.
    case fieldOutOfRange(field: String, value: String, maximumDigits: Int)
    /// A serial (or GIAI asset reference) that the 96-bit form cannot carry.
    case invalidSerial(serial: String, reason: String)
    /// A pure identity URI that cannot be read.
    case invalidURI(uri: String, reason: String)
    /// The requested binary scheme does not fit the URI's scheme (or is unknown).
    case schemeMismatch(requested: String, uri: String)
    /// A leading protocol-control word that does not describe a 96-bit GS1 EPC.
    case invalidProtocolControl(word: String)
    /// A batch case whose input is missing or of the wrong kind.
    case invalidInput(String)
    /// The data is longer than the largest symbol holds (`what` names the symbol and its level).
    case capacityExceeded(what: String, maximum: Int, actual: Int)

    public var description: String {
        switch self {
        case .emptyInput:
            "empty input"
        case .wrongLength(let what, let expected, let actual):
            "\(what) must have \(expected) characters, got \(actual)"
        case .notDigits(let what, let position):
            "\(what): digit expected at offset \(position)"
        case .badCheckDigit(let what, let expected, let found):
            "\(what): check digit should be \(expected), found \(found)"
        case .unknownAI(let ai, let position):
            "unknown application identifier (\(ai)) at offset \(position)"
        case .truncated(let ai, let position, let needed, let available):
            "AI (\(ai)) at offset \(position) needs \(needed) characters, only \(available) before the end or a separator"
        case .fieldTooLong(let ai, let maximum, let actual):
            "AI (\(ai)) data is \(actual) characters, at most \(maximum) allowed (missing separator?)"
        case .fieldTooShort(let ai, let minimum, let actual):
            "AI (\(ai)) data is \(actual) characters, at least \(minimum) required"
        case .invalidCharacter(let what, let character, let position):
            "\(what): character \(character) not allowed at offset \(position)"
        case .invalidDate(let ai, let value, let reason):
            "AI (\(ai)) date \(value) is invalid: \(reason)"
        case .unexpectedSeparator(let position):
            "separator where an application identifier was expected, at offset \(position)"
        case .notGS1Data(let identifier):
            "symbology identifier \(identifier) does not announce GS1 element strings"
        case .malformedHRI(let position, let reason):
            "malformed (AI)data text at offset \(position): \(reason)"
        case .malformedPattern(let pattern, let reason):
            "malformed rule pattern \(pattern): \(reason)"
        case .noRuleMatched(let barcode):
            "no rule matches \(barcode) and it is not a valid GTIN"
        case .invalidHex(let position):
            "hexadecimal digit expected at offset \(position)"
        case .unsupportedScheme(let header, let hex):
            "unsupported scheme: EPC header \(header) (raw \(hex))"
        case .invalidPartition(let value):
            "EPC partition value \(value) is invalid (0–6 allowed)"
        case .invalidFilter(let value):
            "EPC filter value \(value) is invalid (0–7 allowed)"
        case .fieldOutOfRange(let field, let value, let maximumDigits):
            "EPC \(field) \(value) has more than \(maximumDigits) digits"
        case .invalidSerial(let serial, let reason):
            "serial \(serial) cannot be encoded in 96 bits: \(reason)"
        case .invalidURI(let uri, let reason):
            "invalid EPC URI \(uri): \(reason)"
        case .schemeMismatch(let requested, let uri):
            "binary scheme \(requested) cannot encode \(uri)"
        case .invalidProtocolControl(let word):
            "protocol-control word \(word) does not announce a 96-bit GS1 EPC"
        case .invalidInput(let why):
            "invalid input: \(why)"
        case .capacityExceeded(let what, let maximum, let actual):
            "\(what) holds at most \(maximum) bytes, got \(actual)"
        }
    }
}
