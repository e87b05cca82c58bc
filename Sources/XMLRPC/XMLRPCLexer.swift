// Byte-level XML tokenizer for the XML-RPC subset. It knows only the XML-RPC
// element names, skips comments, turns CDATA into text, decodes the five
// predefined entities and numeric character references, and refuses every
// other `<!…>` declaration and every processing instruction. No DTD means no
// entity expansion: billion laughs and XXE cannot happen.
//
// Attributes are parsed for well-formedness (name = "quoted value", valid
// references, no `<`) and then ignored, as Python's xmlrpc.client does.

enum Event: Equatable {
    case start(Tag)
    case end(Tag)
    case eof
}

@inline(__always) func isXMLSpace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D
}

/// A short, printable excerpt of input for error messages.
func excerpt(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
    let stop = min(end, start + 40)
    var s = String(decoding: UnsafeBufferPointer(rebasing: p[start..<max(start, stop)]), as: UTF8.self)
    if stop < end { s += "…" }
    return s
}

struct Lexer {
    let p: UnsafeBufferPointer<UInt8>
    var pos: Int
    let maxText: Int
    /// Character data seen since the last `clearText()` (entities decoded, CDATA included).
    var text: [UInt8] = []
    /// True when `text` holds anything besides literal XML whitespace.
    var significant = false
    private var pendingEnd: Tag?

    init(_ p: UnsafeBufferPointer<UInt8>, start: Int, maxText: Int) {
        self.p = p
        self.pos = start
        self.maxText = maxText
    }

    func fail(_ why: String) -> XMLRPCError { .malformed("\(why) at byte \(pos)") }

    mutating func clearText() {
        text.removeAll(keepingCapacity: true)
        significant = false
    }

    func textString() -> String { String(decoding: text, as: UTF8.self) }

    /// The next tag or end of input; character data before it accumulates into `text`.
    mutating func next() throws(XMLRPCError) -> Event {
        if let tag = pendingEnd {
            pendingEnd = nil
            return .end(tag)
        }
        let n = p.count
        while true {
            var run = pos
            while pos < n {
                let b = p[pos]
                if b == 0x3C { break }  // <
                if b == 0x26 || b == 0x0D {  // & or CR
                    try appendRun(run, pos)
                    if b == 0x26 {
                        try appendScalar(readReference())
                        significant = true
                    } else {  // XML end-of-line normalisation: CR LF and lone CR become LF
                        pos += 1
                        if pos < n, p[pos] == 0x0A { pos += 1 }
                        try appendByte(0x0A)
                    }
                    run = pos
                    continue
                }
                if !isXMLSpace(b) { significant = true }
                pos += 1
            }
            try appendRun(run, pos)
            if pos >= n { return .eof }
            guard pos + 1 < n else { throw fail("unexpected end of input") }
            switch p[pos + 1] {
            case 0x2F:  // </name>
                pos += 2
                let tag = try readName()
                skipSpace()
                guard pos < n, p[pos] == 0x3E else { throw fail("expected '>' closing </\(tag.xmlName)>") }
                pos += 1
                return .end(tag)
            case 0x21:  // <!
                if hasPrefix("<!--") {
                    try skipComment()
                } else if hasPrefix("<![CDATA[") {
                    try readCDATA()
                } else {
                    var end = pos + 2  // report the keyword: DOCTYPE, ENTITY, ELEMENT, …
                    while end < n, end < pos + 18, (p[end] | 0x20) >= 0x61, (p[end] | 0x20) <= 0x7A { end += 1 }
                    throw .forbiddenDeclaration(excerpt(p, pos + 2, max(end, min(n, pos + 3))))
                }
            case 0x3F:  // <?
                throw fail("processing instruction not allowed")
            default:
                pos += 1
                let tag = try readName()
                if try skipAttributes() { pendingEnd = tag }
                return .start(tag)
            }
        }
    }

    // MARK: - Pieces

    private func hasPrefix(_ s: StaticString) -> Bool {
        let count = s.utf8CodeUnitCount
        guard p.count - pos >= count else { return false }
        for i in 0..<count where s.utf8Start[i] != p[pos + i] { return false }
        return true
    }

    /// Index of the first occurrence of `a b c` at or after `from`, or nil.
    private func find(_ a: UInt8, _ b: UInt8, _ c: UInt8, from: Int) -> Int? {
        var i = from
        let n = p.count
        while i + 2 < n {
            if p[i] == a, p[i + 1] == b, p[i + 2] == c { return i }
            i += 1
        }
        return nil
    }

    private mutating func skipComment() throws(XMLRPCError) {
        guard let end = find(0x2D, 0x2D, 0x3E, from: pos + 4) else { throw fail("unterminated comment") }
        pos = end + 3
    }

    private mutating func readCDATA() throws(XMLRPCError) {
        let start = pos + 9
        guard let end = find(0x5D, 0x5D, 0x3E, from: start) else { throw fail("unterminated CDATA section") }
        significant = true
        var run = start
        var i = start
        while i < end {
            if p[i] == 0x0D {
                try appendRun(run, i)
                try appendByte(0x0A)
                i += 1
                if i < end, p[i] == 0x0A { i += 1 }
                run = i
            } else {
                i += 1
            }
        }
        try appendRun(run, end)
        pos = end + 3
    }

    private mutating func skipSpace() {
        while pos < p.count, isXMLSpace(p[pos]) { pos += 1 }
    }

    private mutating func readName() throws(XMLRPCError) -> Tag {
        let start = pos
        while pos < p.count {
            let b = p[pos]
            if isXMLSpace(b) || b == 0x3E || b == 0x2F || b == 0x3C || b == 0x3D || b == 0x22 || b == 0x27 { break }
            pos += 1
        }
        guard pos > start else { throw fail("expected an element name") }
        guard let tag = Tag.lookup(p, start, pos) else {
            throw .malformed("unknown element <\(excerpt(p, start, pos))> at byte \(start)")
        }
        return tag
    }

    /// Skips (and checks) attributes; true when the tag is self-closing (`/>`).
    private mutating func skipAttributes() throws(XMLRPCError) -> Bool {
        let n = p.count
        while true {
            let before = pos
            skipSpace()
            guard pos < n else { throw fail("unexpected end of input in a tag") }
            let b = p[pos]
            if b == 0x3E {
                pos += 1
                return false
            }
            if b == 0x2F {
                guard pos + 1 < n, p[pos + 1] == 0x3E else { throw fail("expected '/>'") }
                pos += 2
                return true
            }
            guard pos > before else { throw fail("expected whitespace before an attribute") }
            let nameStart = pos
            while pos < n, !isXMLSpace(p[pos]), p[pos] != 0x3D, p[pos] != 0x3E, p[pos] != 0x2F,
                p[pos] != 0x3C, p[pos] != 0x22, p[pos] != 0x27
            {
                pos += 1
            }
            guard pos > nameStart else { throw fail("bad attribute") }
            skipSpace()
            guard pos < n, p[pos] == 0x3D else { throw fail("expected '=' after attribute name") }
            pos += 1
            skipSpace()
            guard pos < n, p[pos] == 0x22 || p[pos] == 0x27 else { throw fail("expected a quoted attribute value") }
            let quote = p[pos]
            pos += 1
            while pos < n, p[pos] != quote {
                if p[pos] == 0x3C { throw fail("'<' in attribute value") }
                if p[pos] == 0x26 { _ = try readReference() } else { pos += 1 }
            }
            guard pos < n else { throw fail("unterminated attribute value") }
            pos += 1
        }
    }

    /// Decodes `&name;` / `&#N;` / `&#xH;` at `pos` (which is at '&').
    private mutating func readReference() throws(XMLRPCError) -> Unicode.Scalar {
        let start = pos + 1
        var end = start
        while end < p.count, end - start <= 32, p[end] != 0x3B { end += 1 }
        guard end < p.count, p[end] == 0x3B, end > start else { throw fail("bad entity reference") }
        pos = end + 1
        let length = end - start
        func named(_ s: StaticString) -> Bool {
            guard s.utf8CodeUnitCount == length else { return false }
            for i in 0..<length where s.utf8Start[i] != p[start + i] { return false }
            return true
        }
        if p[start] != 0x23 {  // not '#'
            if named("lt") { return "<" }
            if named("gt") { return ">" }
            if named("amp") { return "&" }
            if named("quot") { return "\"" }
            if named("apos") { return "'" }
            throw .malformed("undefined entity &\(excerpt(p, start, end)); at byte \(start - 1)")
        }
        var i = start + 1
        let hex = i < end && p[i] == 0x78  // 'x'
        if hex { i += 1 }
        guard i < end else { throw fail("empty character reference") }
        var code: UInt32 = 0
        while i < end {
            let b = p[i]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x61...0x66 where hex: digit = UInt32(b - 0x61 + 10)
            case 0x41...0x46 where hex: digit = UInt32(b - 0x41 + 10)
            default: throw fail("bad character reference")
            }
            code = code * (hex ? 16 : 10) + digit
            if code > 0x10FFFF { throw fail("character reference out of range") }
            i += 1
        }
        guard code != 0, let scalar = Unicode.Scalar(code) else { throw fail("invalid character reference") }
        return scalar
    }

    private mutating func appendRun(_ start: Int, _ end: Int) throws(XMLRPCError) {
        guard end > start else { return }
        guard text.count + (end - start) <= maxText else { throw .tooLarge }
        text.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<end]))
    }

    private mutating func appendByte(_ b: UInt8) throws(XMLRPCError) {
        guard text.count < maxText else { throw .tooLarge }
        text.append(b)
    }

    private mutating func appendScalar(_ scalar: Unicode.Scalar) throws(XMLRPCError) {
        guard text.count + UTF8.width(scalar) <= maxText else { throw .tooLarge }
        UTF8.encode(scalar) { text.append($0) }
    }
}
