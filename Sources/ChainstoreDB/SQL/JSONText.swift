import ChainstoreCore

/// Writes bound values as JSON text for `jsonb_to_recordset`: one bind carries a whole batch of
/// rows, and PostgreSQL converts each member to its column type. Built as bytes: this runs once
/// per value of every batch create.
struct JSONText {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ ascii: StaticString) {
        ascii.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ bind: SQLBind) {
        switch bind {
        case .int(let i): bytes.append(contentsOf: String(i).utf8)
        case .double(let d): d.isFinite ? bytes.append(contentsOf: "\(d)".utf8) : raw("null")
        case .text(let s): string(s)
        case .bool(let b): b ? raw("true") : raw("false")
        case .null: raw("null")
        case .bytes(let b): string(Base64.encode(b))
        case .intArray(let a):
            bytes.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: String(v).utf8)
            }
            bytes.append(UInt8(ascii: "]"))
        case .textArray(let a):
            bytes.append(UInt8(ascii: "["))
            for (i, s) in a.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(s)
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                raw("\\u00")
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0f)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func byte(_ ascii: Unicode.Scalar) { bytes.append(UInt8(ascii: ascii)) }
}
