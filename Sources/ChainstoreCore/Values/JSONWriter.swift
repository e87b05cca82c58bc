/// Writes JSON as bytes: batch binds for `jsonb_to_recordset` (one bind carries a whole batch of
/// rows) and JSON-RPC responses. Runs once per value of every batch, so no Foundation encoder and
/// no per-character String building.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func raw(_ ascii: StaticString) {
        ascii.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends JSON text the caller built from numbers, booleans and fixed keys.
    public mutating func literal(_ text: String) { bytes.append(contentsOf: text.utf8) }

    public mutating func int(_ i: Int64) { bytes.append(contentsOf: String(i).utf8) }

    /// Finite doubles as JSON numbers; NaN and infinities (not JSON) as null.
    public mutating func double(_ d: Double) { d.isFinite ? bytes.append(contentsOf: "\(d)".utf8) : raw("null") }

    public mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { text in
            // Runs of bytes that need no escape are copied whole (most strings are one run).
            var run = 0
            for (index, byte) in text.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run ..< index]))
                escape(byte)
                run = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        default:
            let hex: StaticString = "0123456789abcdef"
            raw("\\u00")
            bytes.append(hex.utf8Start[Int(byte >> 4)])
            bytes.append(hex.utf8Start[Int(byte & 0x0f)])
        }
    }

    public mutating func byte(_ ascii: Unicode.Scalar) { bytes.append(UInt8(ascii: ascii)) }

    /// Any wire value as JSON (`false` stays `false`, bytes become base64).
    public mutating func value(_ value: Value) {
        switch value {
        case .null: raw("null")
        case .bool(let b): b ? raw("true") : raw("false")
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .bytes(let b): string(Base64.encode(b))
        case .array(let items):
            byte("[")
            for (i, item) in items.enumerated() {
                if i > 0 { byte(",") }
                self.value(item)
            }
            byte("]")
        case .dict(let dict):
            byte("{")
            for (i, (key, item)) in dict.enumerated() {
                if i > 0 { byte(",") }
                string(key)
                byte(":")
                self.value(item)
            }
            byte("}")
        }
    }
}

extension Value {
    /// The value as JSON with every object's keys sorted: one text for one content, whatever
    /// order the sender wrote its keys in (digests of resent requests compare equal).
    public var canonicalJSON: String {
        func sorted(_ value: Value) -> Value {
            switch value {
            case .dict(let fields):
                return .dict(OrderedDictionary(uniqueKeysWithValues: fields.sorted { $0.key < $1.key }.map { ($0.key, sorted($0.value)) }))
            case .array(let items): return .array(items.map(sorted))
            default: return value
            }
        }
        var json = JSONWriter()
        json.value(sorted(self))
        return json.text
    }
}
