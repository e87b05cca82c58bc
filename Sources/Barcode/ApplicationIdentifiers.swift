// The GS1 Application Identifiers this system understands (spec §2.3) and the
// two fixed GS1 tables keyed by an AI's first two digits: how long the AI is,
// and whether its data has a predefined length (spec §2.2).

/// What the data after an AI must look like.
public enum AIFormat: Sendable, Hashable {
    /// Digits, `length` of them; with `checkDigit`, the last one is a GS1 check digit.
    case numeric(length: ClosedRange<Int>, checkDigit: Bool)
    /// `YYMMDD`.
    case date
    /// GS1 set-82 characters, 1…`maximum` of them.
    case text(maximum: Int)
    /// GS1 set-82 characters, exactly `length` (unlisted AIs of predefined length).
    case fixedText(length: Int)
    /// N6 with `decimals` implied decimals (310n, 320n, 330n).
    case measure(decimals: Int)
    /// N..15 with `decimals` implied decimals (392n).
    case amount(decimals: Int)
    /// N3 ISO 4217 currency + N..15 with `decimals` implied decimals (393n).
    case amountWithCurrency(decimals: Int)
    /// `0` + 13-digit GRAI with check digit + optional set-82 serial up to 16 (8003).
    case grai
    /// Digits, 1…8, read as a count (30, 37).
    case count

    /// The largest data length this format allows.
    var maximumLength: Int {
        switch self {
        case .numeric(let length, _): length.upperBound
        case .date: 6
        case .text(let maximum): maximum
        case .fixedText(let length): length
        case .measure: 6
        case .amount: 15
        case .amountWithCurrency: 18
        case .grai: 30
        case .count: 8
        }
    }

    /// The smallest data length this format allows.
    var minimumLength: Int {
        switch self {
        case .numeric(let length, _): length.lowerBound
        case .date, .measure: 6
        case .text, .amount, .count: 1
        case .fixedText(let length): length
        case .amountWithCurrency: 4
        case .grai: 14
        }
    }
}

/// One Application Identifier and the format of its data.
public struct ApplicationIdentifier: Sendable, Hashable {
    /// The AI digits, e.g. `01` or `3103`.
    public let code: String
    /// A short name for messages and screens.
    public let title: String
    public let format: AIFormat
    /// Whether this AI is one of §2.3's (false for unlisted AIs accepted by configuration).
    public let isListed: Bool

    init(_ code: String, _ title: String, _ format: AIFormat, listed: Bool = true) {
        self.code = code
        self.title = title
        self.format = format
        self.isListed = listed
    }

    /// True when GS1's table fixes the data length for this AI's first two digits;
    /// every other field ends at a separator or the end of the data.
    public var hasPredefinedLength: Bool {
        ApplicationIdentifier.predefinedDataLength(firstTwo: code) != nil
    }

    /// The definition of a listed AI, or nil.
    public static func listed(_ code: String) -> ApplicationIdentifier? {
        let bytes = Array(code.utf8)
        if bytes.count == 4, ASCII.isDigit(bytes[3]) {
            let n = Int(bytes[3] - ASCII.zero)
            switch code.prefix(3) {
            case "310" where n <= 5: return .init(code, "net weight (kg)", .measure(decimals: n))
            case "320" where n <= 5: return .init(code, "net weight (lb)", .measure(decimals: n))
            case "330" where n <= 5: return .init(code, "gross weight (kg)", .measure(decimals: n))
            case "392": return .init(code, "amount payable", .amount(decimals: n))
            case "393": return .init(code, "amount payable with currency", .amountWithCurrency(decimals: n))
            default: break
            }
        }
        switch code {
        case "00": return .init(code, "SSCC", .numeric(length: 18...18, checkDigit: true))
        case "01": return .init(code, "GTIN", .numeric(length: 14...14, checkDigit: true))
        case "02": return .init(code, "GTIN of contained items", .numeric(length: 14...14, checkDigit: true))
        case "10": return .init(code, "batch/lot", .text(maximum: 20))
        case "11": return .init(code, "production date", .date)
        case "13": return .init(code, "packaging date", .date)
        case "15": return .init(code, "best before", .date)
        case "16": return .init(code, "sell by", .date)
        case "17": return .init(code, "expiry", .date)
        case "20": return .init(code, "variant", .numeric(length: 2...2, checkDigit: false))
        case "21": return .init(code, "serial", .text(maximum: 20))
        case "30": return .init(code, "variable count", .count)
        case "37": return .init(code, "count of contained items", .count)
        case "8003": return .init(code, "GRAI", .grai)
        case "8004": return .init(code, "GIAI", .text(maximum: 30))
        case "8020": return .init(code, "payment slip reference", .text(maximum: 25))
        case "90": return .init(code, "mutually agreed", .text(maximum: 30))
        case "91", "92", "93", "94", "95", "96", "97", "98", "99":
            return .init(code, "company internal", .text(maximum: 90))
        default: return nil
        }
    }

    /// The definition used for an AI that is not listed but accepted by
    /// configuration: set-82 text of the predefined length, or up to 90 characters.
    static func unlisted(_ code: String) -> ApplicationIdentifier {
        if let length = predefinedDataLength(firstTwo: code) {
            return .init(code, "unlisted", .fixedText(length: length), listed: false)
        }
        return .init(code, "unlisted", .text(maximum: 90), listed: false)
    }

    /// GS1's table of element strings with predefined length, by the AI's first
    /// two digits: the data length (AI excluded).
    static func predefinedDataLength(firstTwo code: some StringProtocol) -> Int? {
        switch code.prefix(2) {
        case "00": 18
        case "01", "02", "03": 14
        case "04": 16
        case "11", "12", "13", "14", "15", "16", "17", "18", "19": 6
        case "20": 2
        case "31", "32", "33", "34", "35", "36": 6
        case "41": 13
        default: nil
        }
    }

    /// How many digits an AI starting with these two digits has (GS1's AI-length
    /// table), or nil when no AI starts that way.
    static func aiLength(firstTwo a: UInt8, _ b: UInt8) -> Int? {
        switch (Int(a &- ASCII.zero), Int(b &- ASCII.zero)) {
        case (0, 0...4), (1, 0...9), (2, 0...2), (3, 0), (3, 7), (9, 0...9): 2
        case (2, 3...5), (4, 0...2), (7, 1): 3
        case (3, 1...6), (3, 9), (4, 3), (7, 0), (7, 2), (8, 0...2): 4
        default: nil
        }
    }
}
