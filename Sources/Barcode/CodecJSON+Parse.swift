// Reads the batch tool's JSON input. Strict RFC 8259 (no comments, no trailing
// commas), nesting limited, so that the tool needs no Foundation.

/// Why JSON input was refused.
public struct CodecJSONError: Error, Sendable, Hashable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    public var description: String { "invalid JSON at offset \(offset): \(reason)" }
}

extension CodecJSON {
    /// Parses one JSON document.
    public static func parse(_ text: some Collection<UInt8>) throws(CodecJSONError) -> CodecJSON {
        var reader = JSONReader(bytes: Array(text))
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.index == reader.bytes.count else { throw reader.fail("trailing characters") }
        return value
    }

    public static func parse(_ text: String) throws(CodecJSONError) -> CodecJSON {
        try parse(text.utf8)
    }
}

private struct JSONReader {
    let bytes: [UInt8]
    var index = 0
    static let maximumDepth = 64

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ reason: String) -> CodecJSONError { CodecJSONError(offset: index, reason: reason) }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func literal(_ word: String, _ value: CodecJSON) throws(CodecJSONError) -> CodecJSON {
        let expected = Array(word.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected else {
            throw fail("unexpected character")
        }
        index += expected.count
        return value
    }

    mutating func value(depth: Int) throws(CodecJSONError) -> CodecJSON {
        guard depth < Self.maximumDepth else { throw fail("nesting too deep") }
        guard index < bytes.count else { throw fail("unexpected end") }
        switch bytes[index] {
        case 0x7B: return try object(depth: depth)
        case 0x5B: return try array(depth: depth)
        case 0x22: return .string(try string())
        case 0x74: return try literal("true", .bool(true))
        case 0x66: return try literal("false", .bool(false))
        case 0x6E: return try literal("null", .null)
        case 0x2D, 0x30...0x39: return try number()
        default: throw fail("unexpected character")
        }
    }

    mutating func object(depth: Int) throws(CodecJSONError) -> CodecJSON {
        index += 1
        var members: [(String, CodecJSON)] = []
        skipSpace()
        if index < bytes.count, bytes[index] == 0x7D { index += 1; return .object(members) }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x22 else { throw fail("member name expected") }
            let name = try string()
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x3A else { throw fail("':' expected") }
            index += 1
            skipSpace()
            members.append((name, try value(depth: depth + 1)))
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end") }
            if bytes[index] == 0x2C { index += 1; continue }
            guard bytes[index] == 0x7D else { throw fail("',' or '}' expected") }
            index += 1
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(CodecJSONError) -> CodecJSON {
        index += 1
        var items: [CodecJSON] = []
        skipSpace()
        if index < bytes.count, bytes[index] == 0x5D { index += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end") }
            if bytes[index] == 0x2C { index += 1; continue }
            guard bytes[index] == 0x5D else { throw fail("',' or ']' expected") }
            index += 1
            return .array(items)
        }
    }

    mutating func number() throws(CodecJSONError) -> CodecJSON {
        let start = index
        if bytes[index] == 0x2D { index += 1 }
        var integral = true
        func digits(_ reader: inout JSONReader) -> Int {
            let from = reader.index
            while reader.index < reader.bytes.count, ASCII.isDigit(reader.bytes[reader.index]) { reader.index += 1 }
            return reader.index - from
        }
        guard digits(&self) > 0 else { throw fail("digit expected") }
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            integral = false
            guard digits(&self) > 0 else { throw fail("digit expected") }
        }
        if index < bytes.count, bytes[index] | 0x20 == 0x65 {
            index += 1
            integral = false
            if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }
            guard digits(&self) > 0 else { throw fail("digit expected") }
        }
        let text = ASCII.string(bytes[start..<index])
        if integral, let value = Int(text) { return .int(value) }
        return .number(text)
    }

    mutating func string() throws(CodecJSONError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flush(_ reader: JSONReader, _ scalars: inout String.UnicodeScalarView) {
            scalars.append(contentsOf: String(decoding: reader.bytes[runStart..<reader.index], as: UTF8.self).unicodeScalars)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 {
                flush(self, &scalars)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw fail("control character in string") }
            if byte != 0x5C { index += 1; continue }
            flush(self, &scalars)
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case 0x22: scalars.append("\"")
            case 0x5C: scalars.append("\\")
            case 0x2F: scalars.append("/")
            case 0x62: scalars.append("\u{08}")
            case 0x66: scalars.append("\u{0C}")
            case 0x6E: scalars.append("\n")
            case 0x72: scalars.append("\r")
            case 0x74: scalars.append("\t")
            case 0x75: scalars.append(try unicodeEscape())
            default: throw fail("unknown escape")
            }
            runStart = index
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(CodecJSONError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw fail("\\u needs 4 hex digits") }
        guard case .success(let pair) = EPCBits.bytes(fromHex: bytes[index..<(index + 4)]) else {
            throw fail("\\u needs 4 hex digits")
        }
        index += 4
        return UInt32(pair[0]) << 8 | UInt32(pair[1])
    }

    mutating func unicodeEscape() throws(CodecJSONError) -> Unicode.Scalar {
        let first = try hex4()
        if (0xD800..<0xDC00).contains(first) {
            guard bytes.count - index >= 6, bytes[index] == 0x5C, bytes[index + 1] == 0x75 else {
                throw fail("lone surrogate")
            }
            index += 2
            let second = try hex4()
            guard (0xDC00..<0xE000).contains(second) else { throw fail("lone surrogate") }
            guard let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)) else {
                throw fail("invalid surrogate pair")
            }
            return scalar
        }
        guard let scalar = Unicode.Scalar(first) else { throw fail("lone surrogate") }
        return scalar
    }
}
