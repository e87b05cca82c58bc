import ChainstoreCore

/// Writes bound values as JSON text for `jsonb_to_recordset`: one bind carries a whole batch of
/// rows, and PostgreSQL converts each member to its column type.
enum JSONText {
    static func append(_ bind: SQLBind, to out: inout String) {
        switch bind {
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .text(let s): appendString(s, to: &out)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .bytes(let b): appendString(Base64.encode(b), to: &out)
        case .intArray(let a): out += "[" + a.map(String.init).joined(separator: ",") + "]"
        case .textArray(let a):
            out += "["
            for (i, s) in a.enumerated() {
                if i > 0 { out += "," }
                appendString(s, to: &out)
            }
            out += "]"
        }
    }

    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
