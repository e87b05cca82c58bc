// libFuzzer target for the XML-RPC codec (module XMLRPC). Built and run by `scripts/fuzz xmlrpc`;
// not part of any SwiftPM target.
//
// For every input:
//  1. `decodeCall` must return or throw, never crash, hang or touch memory it does not own (ASan).
//  2. When it decodes, the call must survive the encoder: `response(.array(params))` read back
//     with `decodeResponse`, and `call(method, params)` read back with `decodeCall`, must give the
//     same values up to what the encoder documents it changes (see `expected(_:)`).
//  3. The same input is also tried as a `<methodResponse>`, and a decoded value or fault must
//     survive `response(_:)` / `fault(_:)` in the same way.
//  4. For one input in four, decoding from a collection without contiguous storage (the copying
//     path) must give the same call or the same error as decoding the buffer directly.
// Any difference stops the run with `fatalError` and a description of both values.

import XMLRPC

/// What the encoder is documented to change, applied to a decoded value: `<nil/>` is written as
/// `<boolean>0</boolean>`; C0 controls other than tab, LF and CR, and U+FFFE / U+FFFF, are dropped
/// from text; a dateTime is read back whitespace-trimmed, so dropping a control at its edge can
/// expose whitespace that the decoder then trims.
func expected(_ value: XMLRPCValue) -> XMLRPCValue {
    switch value {
    case .nil_: return .bool(false)
    case .string(let s): return .string(encodable(s))
    case .dateTime(let s): return .dateTime(trimmedXMLSpace(encodable(s)))
    case .array(let items): return .array(items.map(expected))
    case .structure(let members): return .structure(members.map { XMLRPCMember(encodable($0.name), expected($0.value)) })
    case .int, .bool, .double, .base64: return value
    }
}

/// The text the encoder writes for `s` once an XML parser has read it back.
func encodable(_ s: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in s.unicodeScalars {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: out.append(scalar)
        case 0x00..<0x20, 0xFFFE, 0xFFFF: continue
        default: out.append(scalar)
        }
    }
    return String(out)
}

func trimmedXMLSpace(_ s: String) -> String {
    let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
    let scalars = Array(s.unicodeScalars)
    guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
    let last = scalars.lastIndex(where: { !isSpace($0) })!
    var out = String.UnicodeScalarView()
    out.append(contentsOf: scalars[first...last])
    return String(out)
}

/// Structural equality that tells -0.0 from 0.0 and takes any NaN as equal to any NaN (the decoder
/// only produces the canonical NaN, and `==` on `XMLRPCValue` would call NaN unequal to itself).
func same(_ a: XMLRPCValue, _ b: XMLRPCValue) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)):
        if x.isNaN || y.isNaN { return x.isNaN && y.isNaN }
        return x.bitPattern == y.bitPattern
    case (.array(let xs), .array(let ys)):
        return xs.count == ys.count && zip(xs, ys).allSatisfy { same($0, $1) }
    case (.structure(let xs), .structure(let ys)):
        return xs.count == ys.count && zip(xs, ys).allSatisfy { $0.name == $1.name && same($0.value, $1.value) }
    case (.int(let x), .int(let y)): return x == y
    case (.bool(let x), .bool(let y)): return x == y
    case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
    case (.dateTime(let x), .dateTime(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
    case (.base64(let x), .base64(let y)): return x == y
    case (.nil_, .nil_): return true
    default: return false
    }
}

func sameText(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

func fail(_ what: String, _ input: UnsafeBufferPointer<UInt8>, _ detail: String) -> Never {
    fatalError("XMLRPC round trip: \(what)\n\(detail)\ninput: \(String(decoding: input, as: UTF8.self).debugDescription)")
}

/// Input limits: the production defaults except for what bounds one run's cost.
let inputLimits = XMLRPCLimits(maxBytes: 1 << 20, maxDepth: 64, maxElements: 100_000, maxStringBytes: 1 << 20)
/// Reading back our own output: one more level, for the array that wraps the params.
let outputLimits = XMLRPCLimits(maxBytes: 64 << 20, maxDepth: 65, maxElements: 200_000, maxStringBytes: 64 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let direct = Result { () throws(XMLRPCError) in try XMLRPCDecoder.decodeCall(input, limits: inputLimits) }

    // One input in four also goes through the copying path taken for collections without
    // contiguous storage (`withDocument`'s fallback); it must decide exactly the same.
    if size % 4 == 0 {
        let copied = Result { () throws(XMLRPCError) in try XMLRPCDecoder.decodeCall(input.lazy.map { $0 }, limits: inputLimits) }
        switch (direct, copied) {
        case (.success(let a), .success(let b)):
            guard sameText(a.method, b.method), same(.array(a.params), .array(b.params)) else {
                fail("contiguous and copied input decode differently", input, "contiguous: \(a)\ncopied: \(b)")
            }
        case (.failure(let a), .failure(let b)):
            guard a == b else { fail("contiguous and copied input fail differently", input, "contiguous: \(a)\ncopied: \(b)") }
        default:
            fail("contiguous and copied input disagree", input, "contiguous: \(direct)\ncopied: \(copied)")
        }
    }

    if case .success(let call) = direct {
        let want = call.params.map(expected)

        let response = XMLRPCEncoder.response(.array(call.params))
        switch Result(catching: { () throws(XMLRPCError) in try XMLRPCDecoder.decodeResponse(response, limits: outputLimits) }) {
        case .success(.success(let back)):
            guard same(back, .array(want)) else {
                fail("params changed through response(_:)", input, "decoded: \(call.params)\nread back: \(back)\nexpected: \(want)")
            }
        case .success(.failure(let fault)):
            fail("response(_:) read back as a fault", input, "fault: \(fault)")
        case .failure(let error):
            fail("response(_:) output refused", input, "error: \(error)\noutput: \(String(decoding: response, as: UTF8.self).debugDescription)")
        }

        let request = XMLRPCEncoder.call(call.method, call.params)
        switch Result(catching: { () throws(XMLRPCError) in try XMLRPCDecoder.decodeCall(request, limits: outputLimits) }) {
        case .success(let back):
            guard sameText(back.method, encodable(call.method)) else {
                fail("method name changed through call(_:_:)", input, "decoded: \(call.method.debugDescription)\nread back: \(back.method.debugDescription)")
            }
            guard same(.array(back.params), .array(want)) else {
                fail("params changed through call(_:_:)", input, "decoded: \(call.params)\nread back: \(back.params)")
            }
        case .failure(let error):
            fail("call(_:_:) output refused", input, "error: \(error)\noutput: \(String(decoding: request, as: UTF8.self).debugDescription)")
        }
    }

    if let decoded = try? XMLRPCDecoder.decodeResponse(input, limits: inputLimits) {
        switch decoded {
        case .success(let value):
            let out = XMLRPCEncoder.response(value)
            switch Result(catching: { () throws(XMLRPCError) in try XMLRPCDecoder.decodeResponse(out, limits: outputLimits) }) {
            case .success(.success(let back)):
                guard same(back, expected(value)) else {
                    fail("response value changed", input, "decoded: \(value)\nread back: \(back)")
                }
            case .success(.failure(let fault)): fail("response read back as a fault", input, "fault: \(fault)")
            case .failure(let error): fail("response(_:) output refused", input, "error: \(error)")
            }
        case .failure(let fault):
            let out = XMLRPCEncoder.fault(fault)
            switch Result(catching: { () throws(XMLRPCError) in try XMLRPCDecoder.decodeResponse(out, limits: outputLimits) }) {
            case .success(.failure(let back)):
                guard same(back.code, expected(fault.code)), sameText(back.string, encodable(fault.string)) else {
                    fail("fault changed", input, "decoded: \(fault)\nread back: \(back)")
                }
            case .success(.success(let value)): fail("fault read back as a value", input, "value: \(value)")
            case .failure(let error): fail("fault(_:) output refused", input, "error: \(error)")
            }
        }
    }
    return 0
}
