// Byte-level helpers shared by the parsers. Codes are ASCII; working on UTF-8
// bytes keeps scanning linear and free of Character (grapheme) costs.

enum ASCII {
    static let zero: UInt8 = 0x30
    static let groupSeparator: UInt8 = 0x1D

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }

    /// GS1 "set 82": the characters allowed in X (alphanumeric) fields —
    /// `!"%&'()*+,-./`, digits, `:;<=>?`, `A`–`Z`, `_`, `a`–`z`.
    @inline(__always)
    static func isSet82(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21, 0x22, 0x25...0x3F, 0x41...0x5A, 0x5F, 0x61...0x7A: true
        default: false
        }
    }

    /// The digit value of each byte, or nil when any byte is not an ASCII digit.
    static func digits(_ text: String) -> [Int]? {
        var result: [Int] = []
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            guard isDigit(byte) else { return nil }
            result.append(Int(byte - zero))
        }
        return result
    }

    /// Offset of the first byte of `text` that is not a digit.
    static func firstNonDigit(_ text: String) -> Int? {
        var offset = 0
        for byte in text.utf8 {
            if !isDigit(byte) { return offset }
            offset += 1
        }
        return nil
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// A printable rendering of one byte for error messages (control bytes as `<1D>`).
    static func show(_ byte: UInt8) -> String {
        if byte >= 0x20, byte < 0x7F { return "'" + String(UnicodeScalar(byte)) + "'" }
        return "<" + hex(byte) + ">"
    }

    static func hex(_ byte: UInt8) -> String {
        let symbols = Array("0123456789ABCDEF".utf8)
        return String(decoding: [symbols[Int(byte >> 4)], symbols[Int(byte & 0xF)]], as: UTF8.self)
    }

    /// The decimal digits of `value`, left-padded with zeros to `width`.
    static func padded(_ value: UInt64, width: Int) -> String {
        let digits = String(value)
        guard digits.utf8.count < width else { return digits }
        return String(repeating: "0", count: width - digits.utf8.count) + digits
    }

    /// `text` with ASCII capitals lowered (other bytes unchanged).
    static func lowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
