// XML-RPC data model. Standard library only (no Foundation) so the codec stays
// small, fast and fuzzable.

/// One XML-RPC value.
public enum XMLRPCValue: Sendable, Hashable {
    /// `<int>`, `<i4>` or `<i8>` on input. The encoder writes `<int>` when the
    /// value fits in Int32 and `<i8>` otherwise.
    case int(Int64)
    /// `<boolean>`: only `0` and `1` are accepted on input.
    case bool(Bool)
    /// `<string>` or an untyped `<value>text</value>` (text kept verbatim).
    case string(String)
    /// `<double>`.
    case double(Double)
    /// `<dateTime.iso8601>`, kept as its (whitespace-trimmed) text, e.g. "20240229T13:05:00".
    case dateTime(String)
    /// `<base64>`, already decoded.
    case base64([UInt8])
    /// `<array><data>…</data></array>`.
    case array([XMLRPCValue])
    /// `<struct>`: members in document order. Duplicate names are kept as sent;
    /// `member(_:)` returns the last one (what a Python dict would keep).
    case structure([XMLRPCMember])
    /// `<nil/>`: accepted on input; the encoder writes it as `<boolean>0</boolean>`
    /// (Odoo marshals None as False).
    case nil_
}

/// A struct member (a named value). A struct rather than a tuple so that
/// `XMLRPCValue` can be `Hashable`.
public struct XMLRPCMember: Sendable, Hashable {
    public var name: String
    public var value: XMLRPCValue

    public init(_ name: String, _ value: XMLRPCValue) {
        self.name = name
        self.value = value
    }
}

extension XMLRPCValue {
    /// The value of the last member called `name` when this is a struct, else nil.
    public func member(_ name: String) -> XMLRPCValue? {
        guard case .structure(let members) = self else { return nil }
        return members.last(where: { $0.name == name })?.value
    }
}

extension XMLRPCValue: ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: XMLRPCValue...) { self = .array(elements) }
    /// Keeps the literal's order.
    public init(dictionaryLiteral elements: (String, XMLRPCValue)...) {
        self = .structure(elements.map { XMLRPCMember($0.0, $0.1) })
    }
}

/// A decoded `<methodCall>`.
public struct XMLRPCCall: Sendable, Hashable {
    public let method: String
    public let params: [XMLRPCValue]

    public init(method: String, params: [XMLRPCValue]) {
        self.method = method
        self.params = params
    }
}

/// A `<fault>`. `code` is normally `.int`; legacy endpoints use `.string`.
public struct XMLRPCFault: Error, Sendable, Hashable {
    public var code: XMLRPCValue
    public var string: String

    public init(code: XMLRPCValue, string: String) {
        self.code = code
        self.string = string
    }

    public init(code: Int, string: String) {
        self.init(code: .int(Int64(code)), string: string)
    }
}

/// Resource limits applied by the decoder. The defaults suit an internet-facing endpoint.
public struct XMLRPCLimits: Sendable, Hashable {
    /// Larger inputs are refused with `.tooLarge` before any parsing.
    public var maxBytes: Int
    /// Maximum nesting of values: a scalar param is depth 1; every enclosing
    /// array/struct adds one. Deeper input fails with `.tooDeep`.
    public var maxDepth: Int
    /// Maximum number of `<value>` elements in the document (`.tooManyElements`).
    public var maxElements: Int
    /// Maximum decoded size of one text node (string, name, base64 text…) (`.tooLarge`).
    public var maxStringBytes: Int

    public init(
        maxBytes: Int = 64 << 20,
        maxDepth: Int = 64,
        maxElements: Int = 2_000_000,
        maxStringBytes: Int = 64 << 20
    ) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
        self.maxStringBytes = maxStringBytes
    }
}

/// Why a document was refused. Messages are short and never echo more than a
/// few dozen bytes of input.
public enum XMLRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    case tooLarge
    case tooDeep
    case tooManyElements
    case malformed(String)
    /// `<!DOCTYPE`, `<!ENTITY`, … (anything starting with `<!` except comments and CDATA).
    case forbiddenDeclaration(String)
    case invalidUTF8
    case invalidNumber(String)
    case invalidBase64

    public var description: String {
        switch self {
        case .tooLarge: "XML-RPC document or text too large"
        case .tooDeep: "XML-RPC value nesting too deep"
        case .tooManyElements: "too many XML-RPC values"
        case .malformed(let why): "malformed XML-RPC: \(why)"
        case .forbiddenDeclaration(let name): "forbidden XML declaration <!\(name)"
        case .invalidUTF8: "invalid UTF-8 in XML-RPC document"
        case .invalidNumber(let text): "invalid XML-RPC number: \(text)"
        case .invalidBase64: "invalid base64 in XML-RPC document"
        }
    }
}
