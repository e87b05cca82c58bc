// The result of reading a GS1 message: its element strings in scan order, each
// with its raw data and, where the AI gives it a meaning, the interpreted value.

/// One element string: an AI and its data.
public struct GS1Element: Sendable, Hashable {
    /// The AI digits, e.g. `17` or `3103`.
    public let ai: String
    /// The data exactly as scanned (no AI, no separator).
    public let value: String
    /// YYMMDD fields (11, 13, 15, 16, 17), `DD` = 00 resolved to the month's last day.
    public let date: GS1Date?
    /// 310n/320n/330n/392n/393n: the value with its implied decimals applied.
    public let decimal: ImpliedDecimal?
    /// 393n: the ISO 4217 numeric currency code (`156` = CNY).
    public let currency: String?
    /// 30 and 37: the count as an integer.
    public let count: Int?

    public init(
        ai: String, value: String, date: GS1Date? = nil, decimal: ImpliedDecimal? = nil,
        currency: String? = nil, count: Int? = nil
    ) {
        self.ai = ai
        self.value = value
        self.date = date
        self.decimal = decimal
        self.currency = currency
        self.count = count
    }

    /// The GS1 human-readable form, `(AI)data`.
    public var hri: String { "(" + ai + ")" + value }
}

/// The element strings of one scan, in order.
public struct GS1Message: Sendable, Hashable {
    public let elements: [GS1Element]

    public init(elements: [GS1Element]) {
        self.elements = elements
    }

    /// The first element with exactly this AI.
    public func first(_ ai: String) -> GS1Element? {
        elements.first { $0.ai == ai }
    }

    /// The GS1 human-readable form of the whole message.
    public var hri: String { elements.map(\.hri).joined() }
}

/// How the parser treats AIs that are not in §2.3's list.
public enum UnknownAIPolicy: Sendable, Hashable {
    /// Refuse the scan (the default: never skip data silently).
    case reject
    /// Keep any AI that GS1's AI-length table recognises, as set-82 text.
    case acceptAll
    /// Keep only these AIs (exact codes, e.g. `"240"`), as set-82 text.
    case accept(Set<String>)

    func accepts(_ code: String) -> Bool {
        switch self {
        case .reject: false
        case .acceptAll: true
        case .accept(let codes): codes.contains(code)
        }
    }
}

/// The two textual forms a GS1 message arrives in.
public enum GS1InputFormat: String, Sendable, Hashable {
    /// Scanner output: optional symbology identifier, GS (or configured) separators.
    case raw
    /// Human-readable `(01)…(17)…` text.
    case hri
}
