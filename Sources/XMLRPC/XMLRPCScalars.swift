// Scalar text parsing (int, boolean, double, base64), UTF-8 validation and the
// XML declaration. All routines are linear and allocation-light.

enum Scalars {
    /// Trims XML whitespace; returns the remaining range.
    static func trimmed(_ t: [UInt8]) -> Range<Int> {
        var lo = 0
        var hi = t.count
        while lo < hi, isXMLSpace(t[lo]) { lo += 1 }
        while hi > lo, isXMLSpace(t[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    static func show(_ t: [UInt8], _ r: Range<Int>) -> String {
        t.withUnsafeBufferPointer { excerpt($0, r.lowerBound, r.upperBound) }
    }

    /// Optional sign and decimal digits, surrounding whitespace allowed, must fit Int64.
    static func int(_ t: [UInt8]) throws(XMLRPCError) -> Int64 {
        let r = trimmed(t)
        var i = r.lowerBound
        var negative = false
        if i < r.upperBound, t[i] == 0x2D || t[i] == 0x2B {
            negative = t[i] == 0x2D
            i += 1
        }
        guard i < r.upperBound else { throw .invalidNumber(show(t, r)) }
        var value: Int64 = 0  // accumulated negatively so Int64.min parses
        while i < r.upperBound {
            let b = t[i]
            guard b >= 0x30, b <= 0x39 else { throw .invalidNumber(show(t, r)) }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(b - 0x30))
            if o1 || o2 { throw .invalidNumber(show(t, r)) }
            value = s
            i += 1
        }
        if negative { return value }
        guard value != .min else { throw .invalidNumber(show(t, r)) }
        return -value
    }

    /// Exactly `0` or `1` (whitespace around allowed), as Python's client requires.
    static func bool(_ t: [UInt8]) throws(XMLRPCError) -> Bool {
        let r = trimmed(t)
        guard r.count == 1, t[r.lowerBound] == 0x30 || t[r.lowerBound] == 0x31 else {
            throw .malformed("invalid boolean '\(show(t, r))'")
        }
        return t[r.lowerBound] == 0x31
    }

    /// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`, or inf / infinity / nan
    /// (any case, optional sign) as Python's repr(float) and float() use. At most 1024 bytes.
    static func double(_ t: [UInt8]) throws(XMLRPCError) -> Double {
        let r = trimmed(t)
        guard r.count > 0, r.count <= 1024 else { throw .invalidNumber(show(t, r)) }
        var i = r.lowerBound
        var negative = false
        if t[i] == 0x2D || t[i] == 0x2B {
            negative = t[i] == 0x2D
            i += 1
        }
        var word = ""
        if i < r.upperBound, t[i] | 0x20 == 0x69 || t[i] | 0x20 == 0x6E {  // i / n
            if r.upperBound - i <= 8 {
                for j in i..<r.upperBound { word.unicodeScalars.append(Unicode.Scalar(t[j] | 0x20)) }
            }
            switch word {
            case "inf", "infinity": return negative ? -.infinity : .infinity
            case "nan": return .nan
            default: throw .invalidNumber(show(t, r))
            }
        }
        func digits() -> Int {
            let s = i
            while i < r.upperBound, t[i] >= 0x30, t[i] <= 0x39 { i += 1 }
            return i - s
        }
        var mantissa = digits()
        if i < r.upperBound, t[i] == 0x2E {
            i += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { throw .invalidNumber(show(t, r)) }
        if i < r.upperBound, t[i] | 0x20 == 0x65 {
            i += 1
            if i < r.upperBound, t[i] == 0x2D || t[i] == 0x2B { i += 1 }
            guard digits() > 0 else { throw .invalidNumber(show(t, r)) }
        }
        guard i == r.upperBound else { throw .invalidNumber(show(t, r)) }
        let text = String(decoding: t[r], as: UTF8.self)
        guard let value = Double(text) else { throw .invalidNumber(show(t, r)) }
        return value
    }

    /// Standard alphabet; XML whitespace ignored; `=` padding optional but only at the end.
    static func base64(_ t: [UInt8]) throws(XMLRPCError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(t.count / 4 * 3 + 3)
        var acc: UInt32 = 0
        var count = 0  // sextets in acc
        var padding = 0
        for b in t {
            if isXMLSpace(b) { continue }
            if b == 0x3D {
                padding += 1
                continue
            }
            guard padding == 0 else { throw .invalidBase64 }
            let v: UInt8
            switch b {
            case 0x41...0x5A: v = b - 0x41
            case 0x61...0x7A: v = b - 0x61 + 26
            case 0x30...0x39: v = b - 0x30 + 52
            case 0x2B: v = 62
            case 0x2F: v = 63
            default: throw .invalidBase64
            }
            acc = acc << 6 | UInt32(v)
            count += 1
            if count == 4 {
                out.append(UInt8(truncatingIfNeeded: acc >> 16))
                out.append(UInt8(truncatingIfNeeded: acc >> 8))
                out.append(UInt8(truncatingIfNeeded: acc))
                acc = 0
                count = 0
            }
        }
        switch count {
        case 0: guard padding == 0 else { throw .invalidBase64 }
        case 2:
            guard padding == 0 || padding == 2 else { throw .invalidBase64 }
            out.append(UInt8(truncatingIfNeeded: acc >> 4))
        case 3:
            guard padding == 0 || padding == 1 else { throw .invalidBase64 }
            out.append(UInt8(truncatingIfNeeded: acc >> 10))
            out.append(UInt8(truncatingIfNeeded: acc >> 2))
        default: throw .invalidBase64
        }
        return out
    }

    /// Checks well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF)
    /// and refuses NUL bytes, which XML forbids.
    static func validateUTF8(_ p: UnsafeBufferPointer<UInt8>, from start: Int) throws(XMLRPCError) {
        var i = start
        let n = p.count
        while i < n {
            let b = p[i]
            if b < 0x80 {
                if b == 0 { throw .malformed("NUL byte at byte \(i)") }
                i += 1
                continue
            }
            let width: Int
            var lo: UInt8 = 0x80
            var hi: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: width = 2
            case 0xE0: width = 3; lo = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: width = 3
            case 0xED: width = 3; hi = 0x9F
            case 0xF0: width = 4; lo = 0x90
            case 0xF1...0xF3: width = 4
            case 0xF4: width = 4; hi = 0x8F
            default: throw .invalidUTF8
            }
            guard i + width <= n, p[i + 1] >= lo, p[i + 1] <= hi else { throw .invalidUTF8 }
            var k = 2
            while k < width {
                guard p[i + k] & 0xC0 == 0x80 else { throw .invalidUTF8 }
                k += 1
            }
            i += width
        }
    }
}

/// The document encodings the decoder understands.
enum DocumentEncoding {
    case utf8
    case latin1
}

enum Prolog {
    /// Skips a UTF-8 BOM, leading whitespace and an `<?xml …?>` declaration.
    /// Returns where the content starts and the declared encoding.
    static func parse(_ p: UnsafeBufferPointer<UInt8>) throws(XMLRPCError) -> (start: Int, encoding: DocumentEncoding) {
        let n = p.count
        var i = 0
        if n >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { i = 3 }
        let afterBOM = i
        while i < n, isXMLSpace(p[i]) { i += 1 }
        let xml: [UInt8] = [0x3C, 0x3F, 0x78, 0x6D, 0x6C]  // <?xml
        guard n - i > 5, (0..<5).allSatisfy({ p[i + $0] == xml[$0] }), isXMLSpace(p[i + 5]) || p[i + 5] == 0x3F
        else { return (afterBOM, .utf8) }
        i += 5
        var encoding = DocumentEncoding.utf8
        func bad() -> XMLRPCError { .malformed("bad XML declaration at byte \(i)") }
        while true {
            while i < n, isXMLSpace(p[i]) { i += 1 }
            guard i < n else { throw bad() }
            if p[i] == 0x3F {
                guard i + 1 < n, p[i + 1] == 0x3E else { throw bad() }
                return (i + 2, encoding)
            }
            var name = ""
            while i < n, p[i] | 0x20 >= 0x61, p[i] | 0x20 <= 0x7A, name.utf8.count < 16 {
                name.unicodeScalars.append(Unicode.Scalar(p[i]))
                i += 1
            }
            while i < n, isXMLSpace(p[i]) { i += 1 }
            guard !name.isEmpty, i < n, p[i] == 0x3D else { throw bad() }
            i += 1
            while i < n, isXMLSpace(p[i]) { i += 1 }
            guard i < n, p[i] == 0x22 || p[i] == 0x27 else { throw bad() }
            let quote = p[i]
            i += 1
            var value = ""
            while i < n, p[i] != quote {
                guard p[i] > 0x20, p[i] < 0x7F, p[i] != 0x3C, value.utf8.count < 64 else { throw bad() }
                value.unicodeScalars.append(Unicode.Scalar(p[i] | (p[i] >= 0x41 && p[i] <= 0x5A ? 0x20 : 0)))
                i += 1
            }
            guard i < n else { throw bad() }
            i += 1
            guard name == "version" || name == "encoding" || name == "standalone" else { throw bad() }
            if name == "encoding" {
                switch value {
                case "utf-8", "utf8", "us-ascii", "ascii": encoding = .utf8
                case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin-1", "latin1", "l1": encoding = .latin1
                default: throw .malformed("unsupported encoding '\(value)'")
                }
            }
        }
    }

    /// ISO-8859-1 bytes to UTF-8 (every byte is the code point of the same value).
    static func latin1ToUTF8(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((p.count - start) + (p.count - start) / 8)
        for b in UnsafeBufferPointer(rebasing: p[start...]) {
            if b < 0x80 {
                out.append(b)
            } else {
                out.append(0xC0 | b >> 6)
                out.append(0x80 | b & 0x3F)
            }
        }
        return out
    }
}
