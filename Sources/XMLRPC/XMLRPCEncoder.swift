// XML-RPC encoder. Writes straight into one [UInt8]; no recursion, so any
// nesting depth is safe.
//
// Number rules: `.int` values within Int32 are written as `<int>`, larger ones
// as `<i8>` (Python's xmlrpc.client reads <i8>; it only refuses to *send*
// ints beyond 32 bits). Doubles use Swift's shortest round-trip form, which
// Python's float() reads back exactly: "12.0", "-0.0", "1e+100", "5e-324",
// "inf", "-inf", "nan" (the last three are what Python itself sends).
//
// Text rules: `&`, `<`, `>` are escaped; CR is written as `&#13;` so it
// survives XML end-of-line normalisation; the other control characters
// U+0000–U+001F (except tab and LF) and the non-characters U+FFFE / U+FFFF,
// which XML 1.0 forbids, are dropped (Odoo strips control characters too).

public enum XMLRPCEncoder {
    /// `<methodResponse><params><param>value</param></params></methodResponse>`.
    public static func response(_ value: XMLRPCValue) -> [UInt8] {
        var w = Writer()
        w.raw("<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n")
        w.value(value)
        w.raw("</param>\n</params>\n</methodResponse>\n")
        return w.out
    }

    /// `<methodResponse><fault>` with the faultCode / faultString struct.
    public static func fault(_ fault: XMLRPCFault) -> [UInt8] {
        var w = Writer()
        w.raw("<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n")
        w.value(.structure([XMLRPCMember("faultCode", fault.code), XMLRPCMember("faultString", .string(fault.string))]))
        w.raw("</fault>\n</methodResponse>\n")
        return w.out
    }

    /// `<methodCall>` with the method name and params (for clients and tests).
    public static func call(_ method: String, _ params: [XMLRPCValue]) -> [UInt8] {
        var w = Writer()
        w.raw("<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>")
        w.escaped(method)
        w.raw("</methodName>\n<params>\n")
        for param in params {
            w.raw("<param>\n")
            w.value(param)
            w.raw("</param>\n")
        }
        w.raw("</params>\n</methodCall>\n")
        return w.out
    }
}

struct Writer {
    var out: [UInt8] = []

    init() { out.reserveCapacity(1024) }

    mutating func raw(_ s: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private enum Work {
        case value(XMLRPCValue)
        case member(XMLRPCMember)
        case close(StaticString)
    }

    /// Writes `<value>…</value>\n`, using an explicit work stack.
    mutating func value(_ root: XMLRPCValue) {
        var work: [Work] = [.value(root)]
        while let item = work.popLast() {
            switch item {
            case .close(let s):
                raw(s)
            case .member(let m):
                raw("<member>\n<name>")
                escaped(m.name)
                raw("</name>\n")
                work.append(.close("</member>\n"))
                work.append(.value(m.value))
            case .value(.array(let items)):
                raw("<value><array><data>\n")
                work.append(.close("</data></array></value>\n"))
                for v in items.reversed() { work.append(.value(v)) }
            case .value(.structure(let members)):
                raw("<value><struct>\n")
                work.append(.close("</struct></value>\n"))
                for m in members.reversed() { work.append(.member(m)) }
            case .value(let v):
                raw("<value>")
                scalar(v)
                raw("</value>\n")
            }
        }
    }

    private mutating func scalar(_ v: XMLRPCValue) {
        switch v {
        case .int(let i):
            if let small = Int32(exactly: i) {
                raw("<int>")
                integer(Int64(small))
                raw("</int>")
            } else {
                raw("<i8>")
                integer(i)
                raw("</i8>")
            }
        case .bool(let b):
            raw(b ? "<boolean>1</boolean>" : "<boolean>0</boolean>")
        case .nil_:
            raw("<boolean>0</boolean>")
        case .string(let s):
            raw("<string>")
            escaped(s)
            raw("</string>")
        case .double(let d):
            raw("<double>")
            out.append(contentsOf: d.description.utf8)
            raw("</double>")
        case .dateTime(let s):
            raw("<dateTime.iso8601>")
            escaped(s)
            raw("</dateTime.iso8601>")
        case .base64(let bytes):
            raw("<base64>")
            base64(bytes)
            raw("</base64>")
        case .array, .structure:
            break  // handled by value(_:)
        }
    }

    mutating func integer(_ i: Int64) {
        if i < 0 { out.append(0x2D) }
        var magnitude = i.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(truncatingIfNeeded: magnitude % 10) + 0x30)
            magnitude /= 10
        } while magnitude > 0
        out[start...].reverse()
    }

    /// Escapes `& < >`, writes CR as `&#13;`, drops other C0 controls (except
    /// tab and LF) and U+FFFE / U+FFFF.
    mutating func escaped(_ string: String) {
        var s = string
        s.withUTF8 { buf in
            var run = 0
            var i = 0
            let n = buf.count
            while i < n {
                let b = buf[i]
                let replacement: StaticString?
                var skip = 1
                switch b {
                case 0x26: replacement = "&amp;"
                case 0x3C: replacement = "&lt;"
                case 0x3E: replacement = "&gt;"
                case 0x0D: replacement = "&#13;"
                case 0x09, 0x0A: i += 1; continue
                case 0x00..<0x20: replacement = nil
                case 0xEF where i + 2 < n && buf[i + 1] == 0xBF && (buf[i + 2] == 0xBE || buf[i + 2] == 0xBF):
                    replacement = nil
                    skip = 3
                default: i += 1; continue
                }
                if i > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[run..<i])) }
                if let replacement { raw(replacement) }
                i += skip
                run = i
            }
            if n > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[run..<n])) }
        }
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    mutating func base64(_ bytes: [UInt8]) {
        let a = Writer.alphabet
        out.reserveCapacity(out.count + (bytes.count + 2) / 3 * 4)
        var i = 0
        let n = bytes.count
        while i + 3 <= n {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(a[Int(v >> 18 & 63)])
            out.append(a[Int(v >> 12 & 63)])
            out.append(a[Int(v >> 6 & 63)])
            out.append(a[Int(v & 63)])
            i += 3
        }
        if n - i == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(a[Int(v >> 18 & 63)])
            out.append(a[Int(v >> 12 & 63)])
            raw("==")
        } else if n - i == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(a[Int(v >> 18 & 63)])
            out.append(a[Int(v >> 12 & 63)])
            out.append(a[Int(v >> 6 & 63)])
            raw("=")
        }
    }
}
