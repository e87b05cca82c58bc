// A minimal JSON value for the batch codec tool (spec §5): objects keep their
// member order so answers print with their keys in a stable, documented order.

/// A JSON value. Objects are ordered lists of members.
public indirect enum CodecJSON: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    /// A JSON number that is not an integer, kept as its text (nothing here computes with it).
    case number(String)
    case bool(Bool)
    case array([CodecJSON])
    case object([(String, CodecJSON)])
    case null

    public static func == (lhs: CodecJSON, rhs: CodecJSON) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.null, .null): true
        default: false
        }
    }

    /// The last member called `key` when this is an object (what most JSON readers keep).
    public subscript(key: String) -> CodecJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == key })?.1
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// Compact JSON text (UTF-8, control characters escaped).
    public var rendered: String {
        var output = ""
        render(into: &output)
        return output
    }

    public var description: String { rendered }

    func render(into output: inout String) {
        switch self {
        case .string(let value): Self.renderString(value, into: &output)
        case .int(let value): output += String(value)
        case .number(let text): output += text
        case .bool(let value): output += value ? "true" : "false"
        case .null: output += "null"
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += ", " }
                item.render(into: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += ", " }
                Self.renderString(member.0, into: &output)
                output += ": "
                member.1.render(into: &output)
            }
            output += "}"
        }
    }

    static func renderString(_ value: String, into output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                output += "\\u00" + ASCII.hex(UInt8(scalar.value))
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
