import Testing

@testable import XMLRPC

// MARK: - Helpers

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

private func callXML(_ valueXML: String) -> String {
    "<?xml version=\"1.0\"?>\n<methodCall><methodName>m</methodName><params><param><value>\(valueXML)</value></param></params></methodCall>"
}

/// Decodes a single-param call built from `<value>` content.
private func decodeValue(_ valueXML: String, limits: XMLRPCLimits = .init()) throws(XMLRPCError) -> XMLRPCValue {
    let call = try XMLRPCDecoder.decodeCall(bytes(callXML(valueXML)), limits: limits)
    guard call.params.count == 1 else { throw .malformed("test: expected one param") }
    return call.params[0]
}

private func callError(_ xml: some Collection<UInt8>, limits: XMLRPCLimits = .init()) -> XMLRPCError? {
    do {
        _ = try XMLRPCDecoder.decodeCall(xml, limits: limits)
        return nil
    } catch {
        return error
    }
}

private func callError(_ xml: String, limits: XMLRPCLimits = .init()) -> XMLRPCError? {
    callError(bytes(xml), limits: limits)
}

private func isMalformed(_ e: XMLRPCError?) -> Bool {
    if case .malformed = e { return true }
    return false
}

private func isForbidden(_ e: XMLRPCError?) -> Bool {
    if case .forbiddenDeclaration = e { return true }
    return false
}

private func isInvalidNumber(_ e: XMLRPCError?) -> Bool {
    if case .invalidNumber = e { return true }
    return false
}

private func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

// MARK: - Round trips

@Suite("XML-RPC codec: round trips")
struct XMLRPCRoundTripTests {
    static let samples: [XMLRPCValue] = [
        .int(0), .int(-1), .int(42), .int(Int64(Int32.max)), .int(Int64(Int32.min)),
        .int(Int64(Int32.max) + 1), .int(.max), .int(.min),
        .bool(true), .bool(false),
        .string(""), .string("hello"), .string("<&> \"quotes\" 'apos' ]]>"), .string("中文 ünïcödé 😀"),
        .string("tab\tnewline\nend"), .string("  padded  "),
        .double(0), .double(12), .double(-0.5), .double(0.1), .double(1e100), .double(-1e-300),
        .double(.leastNonzeroMagnitude), .double(.greatestFiniteMagnitude), .double(.infinity), .double(-.infinity),
        .dateTime("20240229T13:05:00"),
        .base64([]), .base64([0]), .base64([0, 1]), .base64([0, 1, 2]), .base64(Array(0...255)),
        .array([]), .array([1, "two", 3.5, [true, [:]]]),
        .structure([]),
        ["name": "Alice", "nested": ["list": [1, 2, 3], "empty": []], "k<&>": "v"],
    ]

    @Test(arguments: samples)
    func callRoundTrip(_ value: XMLRPCValue) throws {
        let encoded = XMLRPCEncoder.call("object.execute_kw", [value, .int(7)])
        let call = try XMLRPCDecoder.decodeCall(encoded)
        #expect(call.method == "object.execute_kw")
        #expect(call.params == [value, .int(7)])
    }

    @Test(arguments: samples)
    func responseRoundTrip(_ value: XMLRPCValue) throws {
        let result = try XMLRPCDecoder.decodeResponse(XMLRPCEncoder.response(value))
        #expect(result == .success(value))
    }

    @Test func specialDoubles() throws {
        guard case .double(let nan) = try XMLRPCDecoder.decodeResponse(XMLRPCEncoder.response(.double(.nan))).get()
        else { Issue.record("not a double"); return }
        #expect(nan.isNaN)
        guard case .double(let negZero) = try XMLRPCDecoder.decodeResponse(XMLRPCEncoder.response(.double(-0.0))).get()
        else { Issue.record("not a double"); return }
        #expect(negZero == 0 && negZero.sign == .minus)
    }

    @Test func encoderNumberRules() {
        #expect(text(XMLRPCEncoder.response(.int(2_147_483_647))).contains("<int>2147483647</int>"))
        #expect(text(XMLRPCEncoder.response(.int(-2_147_483_648))).contains("<int>-2147483648</int>"))
        #expect(text(XMLRPCEncoder.response(.int(2_147_483_648))).contains("<i8>2147483648</i8>"))
        #expect(text(XMLRPCEncoder.response(.int(.min))).contains("<i8>-9223372036854775808</i8>"))
        #expect(text(XMLRPCEncoder.response(.double(12))).contains("<double>12.0</double>"))
        #expect(text(XMLRPCEncoder.response(.double(1e100))).contains("<double>1e+100</double>"))
        #expect(text(XMLRPCEncoder.response(.nil_)).contains("<boolean>0</boolean>"))
        #expect(text(XMLRPCEncoder.response(.base64(Array("hello".utf8)))).contains("<base64>aGVsbG8=</base64>"))
    }

    @Test func memberOrderAndDuplicatesAreKept() throws {
        let v = try decodeValue(
            "<struct><member><name>b</name><value>1</value></member><member><name>a</name><value><int>2</int></value></member><member><name>b</name><value><int>3</int></value></member></struct>"
        )
        #expect(v == .structure([XMLRPCMember("b", "1"), XMLRPCMember("a", 2), XMLRPCMember("b", 3)]))
        #expect(v.member("b") == 3)
        #expect(v.member("zzz") == nil)
    }

    @Test func faultRoundTrip() throws {
        for fault in [XMLRPCFault(code: 3, string: "Access <denied> & more"), XMLRPCFault(code: "warning", string: "")] {
            #expect(try XMLRPCDecoder.decodeResponse(XMLRPCEncoder.fault(fault)) == .failure(fault))
        }
        let xml = text(XMLRPCEncoder.fault(XMLRPCFault(code: 3, string: "x")))
        #expect(xml.contains("<name>faultCode</name>\n<value><int>3</int></value>"))
        #expect(xml.contains("<name>faultString</name>\n<value><string>x</string></value>"))
    }

    @Test func controlCharactersAreStrippedOnOutput() throws {
        let s = "a\u{0}b\u{1}c\u{8}d\u{B}e\u{C}f\u{1F}g\th\ni\rj\u{FFFE}k\u{FFFF}l\u{7F}"
        let out = XMLRPCEncoder.response(.string(s))
        #expect(!out.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A }))
        #expect(text(out).contains("&#13;"))
        #expect(try XMLRPCDecoder.decodeResponse(out) == .success("abcdefg\th\ni\rjkl\u{7F}"))
    }

    @Test func methodNameAndKeysAreEscaped() throws {
        let out = XMLRPCEncoder.call("a<b>&c", [["<k>": "&"]])
        #expect(text(out).contains("<methodName>a&lt;b&gt;&amp;c</methodName>"))
        let call = try XMLRPCDecoder.decodeCall(out)
        #expect(call == XMLRPCCall(method: "a<b>&c", params: [["<k>": "&"]]))
    }
}

// MARK: - Decoding details

@Suite("XML-RPC codec: decoding")
struct XMLRPCDecodingTests {
    @Test func untypedValuesAreStrings() throws {
        #expect(try decodeValue("abc") == "abc")
        #expect(try decodeValue("  spaced  ") == "  spaced  ")
        #expect(try decodeValue("") == "")
        #expect(try XMLRPCDecoder.decodeCall(bytes("<methodCall><methodName>m</methodName><params><param><value/></param></params></methodCall>")).params == [""])
        #expect(try decodeValue("<string/>") == "")
        #expect(try decodeValue("<string></string>") == "")
        #expect(try decodeValue(" \n <string>x</string> \n ") == "x")
    }

    @Test func scalarForms() throws {
        #expect(try decodeValue("<i4> +42 </i4>") == 42)
        #expect(try decodeValue("<int>-7</int>") == -7)
        #expect(try decodeValue("<i8>9223372036854775807</i8>") == .int(.max))
        #expect(try decodeValue("<i8>-9223372036854775808</i8>") == .int(.min))
        #expect(try decodeValue("<boolean>1</boolean>") == true)
        #expect(try decodeValue("<boolean> 0 </boolean>") == false)
        for (s, d) in [("1e+100", 1e100), ("-0.5", -0.5), ("3.0", 3.0), ("1.", 1.0), (".5", 0.5), ("  2E-3 ", 0.002), ("inf", Double.infinity), ("-Infinity", -Double.infinity)] {
            #expect(try decodeValue("<double>\(s)</double>") == .double(d), "\(s)")
        }
        guard case .double(let nan) = try decodeValue("<double>nan</double>") else { Issue.record("nan"); return }
        #expect(nan.isNaN)
        #expect(try decodeValue("<dateTime.iso8601> 20240229T13:05:00 </dateTime.iso8601>") == .dateTime("20240229T13:05:00"))
        #expect(try decodeValue("<base64>aGVs\n bG8=\n</base64>") == .base64(Array("hello".utf8)))
        #expect(try decodeValue("<base64>aGVsbG8</base64>") == .base64(Array("hello".utf8)))
        #expect(try decodeValue("<base64/>") == .base64([]))
        #expect(try decodeValue("<nil/>") == .nil_)
        #expect(try decodeValue("<nil></nil>") == .nil_)
        #expect(try decodeValue("<array/>") == [])
        #expect(try decodeValue("<array><data/></array>") == [])
        #expect(try decodeValue("<struct/>") == [:])
    }

    @Test func entitiesAndCharacterReferences() throws {
        #expect(try decodeValue("<string>&lt;a&gt; &amp; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#x1F600;&#20013;</string>") == "<a> & \"q\" 's' AB😀中")
        #expect(try decodeValue("x&#13;y") == "x\ry")
        for bad in ["&lol;", "&#0;", "&#xD800;", "&#x110000;", "&#99999999999;", "&#;", "&#x;", "&#xZZ;", "& b", "&amp", "&LT;"] {
            #expect(isMalformed(callError(callXML("<string>\(bad)</string>"))), "\(bad)")
        }
    }

    @Test func cdataAndComments() throws {
        #expect(try decodeValue("<string><![CDATA[<b>&amp;</b>]]></string>") == "<b>&amp;</b>")
        #expect(try decodeValue("<string>a<![CDATA[]]>b<![CDATA[ ]] > ]]>c</string>") == "ab ]] > c")
        #expect(try decodeValue("a<!-- comment <int>1</int> -->b") == "ab")
        let xml = "<?xml version='1.0' encoding='UTF-8'?>\n<!-- head -->\n<methodCall><!-- x --><methodName>m</methodName>\n<params><!-- y --><param><value><int>1</int><!-- z --></value></param></params></methodCall>\n<!-- tail -->\n"
        #expect(try XMLRPCDecoder.decodeCall(bytes(xml)) == XMLRPCCall(method: "m", params: [1]))
        #expect(isMalformed(callError(callXML("<string><![CDATA[abc</string>"))))
        #expect(isMalformed(callError(callXML("<string>a<!-- never closed</string>"))))
    }

    @Test func lineEndsAreNormalised() throws {
        #expect(try decodeValue("<string>a\r\nb\rc\nd</string>") == "a\nb\nc\nd")
        #expect(try decodeValue("<string><![CDATA[a\r\nb]]></string>") == "a\nb")
    }

    @Test func declarationBOMAndEncodings() throws {
        let body = "<methodCall><methodName>m</methodName><params><param><value>é</value></param></params></methodCall>"
        #expect(try XMLRPCDecoder.decodeCall([0xEF, 0xBB, 0xBF] + bytes(body)).params == ["é"])
        #expect(try XMLRPCDecoder.decodeCall(bytes("<methodCall><methodName>m</methodName></methodCall>")).params == [])
        var latin1 = bytes("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall><methodName>m</methodName><params><param><value>")
        latin1 += [0x63, 0x61, 0x66, 0xE9]  // "café" in ISO-8859-1
        latin1 += bytes("</value></param></params></methodCall>")
        #expect(try XMLRPCDecoder.decodeCall(latin1).params == ["café"])
        #expect(isMalformed(callError("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + body)))
        #expect(isMalformed(callError("<?xml version=\"1.0\"" + body)))
        #expect(isMalformed(callError(body + "<?xml version=\"1.0\"?>")))
        #expect(isMalformed(callError("<?xml-stylesheet href=\"x\"?>" + body)))
        #expect(isMalformed(callError("<?xml veion=\"1.0\"?>" + body)))
        #expect(try XMLRPCDecoder.decodeCall(bytes("<?xml version='1.0' encoding='us-ascii' standalone='yes' ?>\n" + body)).params == ["é"])
    }

    @Test func everyElementNameIsRecognised() {
        for tag in Tag.allCases {
            let name = Array("\(tag.xmlName)".utf8)
            let found = name.withUnsafeBufferPointer { Tag.lookup($0, 0, $0.count) }
            #expect(found == tag, "\(tag.xmlName)")
            let longer = name + [0x78]
            #expect(longer.withUnsafeBufferPointer { Tag.lookup($0, 0, $0.count) } == nil)
        }
        for other in ["Int", "i5", "nill", "Value", "struct2", "methodcall", "dateTime", "float", "ex:nil"] {
            let name = Array(other.utf8)
            #expect(name.withUnsafeBufferPointer { Tag.lookup($0, 0, $0.count) } == nil, "\(other)")
        }
    }

    @Test func attributesAreIgnoredButMustBeWellFormed() throws {
        let xml = "<methodCall xmlns:ex=\"http://x\" a='1 &amp; 2'><methodName>m</methodName><params><param><value ex:type=\"x\"><int id=\"3\">5</int></value></param></params></methodCall>"
        #expect(try XMLRPCDecoder.decodeCall(bytes(xml)).params == [5])
        for bad in ["<int a>5</int>", "<int a=1>5</int>", "<int a=\"1>5</int>", "<int a=\"<\">5</int>", "<int a=\"&x;\">5</int>", "<int a=\"1\"b=\"2\">5</int>"] {
            #expect(isMalformed(callError(callXML(bad))), "\(bad)")
        }
    }

    @Test func nonContiguousInputIsAccepted() throws {
        let encoded = XMLRPCEncoder.call("m", [["a": [1, 2]]])
        #expect(try XMLRPCDecoder.decodeCall(encoded.lazy.map { $0 }).params == [["a": [1, 2]]])
    }

    @Test func largeArrayDecodesInLinearTime() throws {
        var xml = "<methodCall><methodName>m</methodName><params><param><value><array><data>"
        for i in 0..<100_000 { xml += "<value><int>\(i)</int></value>\n" }
        xml += "</data></array></value></param></params></methodCall>"
        let start = ContinuousClock.now
        let call = try XMLRPCDecoder.decodeCall(bytes(xml))
        let elapsed = ContinuousClock.now - start
        guard case .array(let items) = call.params.first else { Issue.record("not an array"); return }
        #expect(items.count == 100_000)
        #expect(items.last == 99_999)
        #expect(elapsed < .seconds(10))
        // Encoding it back is also quick and round-trips.
        #expect(try XMLRPCDecoder.decodeResponse(XMLRPCEncoder.response(call.params[0])) == .success(call.params[0]))
    }

    @Test func responses() throws {
        let one = "<methodResponse><params><param><value><int>1</int></value></param></params></methodResponse>"
        #expect(try XMLRPCDecoder.decodeResponse(bytes(one)) == .success(1))
        for bad in [
            "<methodResponse><params></params></methodResponse>",
            "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>",
            "<methodResponse><fault><value><struct></struct></value></fault></methodResponse>",
            "<methodResponse><fault><value><struct><member><name>faultCode</name><value><double>1</double></value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>",
            "<methodCall><methodName>m</methodName></methodCall>",
        ] {
            #expect(throws: XMLRPCError.self, "\(bad)") { try XMLRPCDecoder.decodeResponse(bytes(bad)) }
        }
        let stringCode = "<methodResponse><fault><value><struct><member><name>faultCode</name><value><string>warning</string></value></member><member><name>faultString</name><value>boom</value></member></struct></value></fault></methodResponse>"
        #expect(try XMLRPCDecoder.decodeResponse(bytes(stringCode)) == .failure(XMLRPCFault(code: "warning", string: "boom")))
    }
}

// MARK: - Hostile input

@Suite("XML-RPC codec: hostile input")
struct XMLRPCHostileInputTests {
    @Test func sizeLimit() {
        let xml = callXML("<int>1</int>")
        var limits = XMLRPCLimits()
        limits.maxBytes = xml.utf8.count
        #expect(callError(xml, limits: limits) == nil)
        limits.maxBytes = xml.utf8.count - 1
        #expect(callError(xml, limits: limits) == .tooLarge)
        // Even garbage is refused for size before it is parsed.
        #expect(callError([UInt8](repeating: 0xFF, count: 100), limits: XMLRPCLimits(maxBytes: 99)) == .tooLarge)
    }

    @Test func stringLimit() {
        let limits = XMLRPCLimits(maxStringBytes: 8)
        #expect(callError(callXML("<string>12345678</string>"), limits: limits) == nil)
        #expect(callError(callXML("<string>123456789</string>"), limits: limits) == .tooLarge)
        #expect(callError(callXML("<string>12345678&amp;</string>"), limits: limits) == .tooLarge)
    }

    private func nested(_ levels: Int) -> String {
        String(repeating: "<array><data><value>", count: levels) + "<int>1</int>"
            + String(repeating: "</value></data></array>", count: levels)
    }

    @Test func depthLimit() {
        // A scalar param is depth 1; every enclosing array adds one.
        #expect(callError(callXML(nested(63))) == nil)
        #expect(callError(callXML(nested(64))) == .tooDeep)
        #expect(callError(callXML(nested(3)), limits: XMLRPCLimits(maxDepth: 3)) == .tooDeep)
        #expect(callError(callXML(nested(2)), limits: XMLRPCLimits(maxDepth: 3)) == nil)
        let structs = String(repeating: "<struct><member><name>a</name><value>", count: 100)
        #expect(callError(callXML(structs)) == .tooDeep)
        // Very deep input fails fast instead of overflowing the stack.
        #expect(callError(callXML(String(repeating: "<array><data><value>", count: 200_000))) == .tooDeep)
    }

    @Test func elementLimit() {
        let limits = XMLRPCLimits(maxElements: 10)
        let nine = String(repeating: "<value>x</value>", count: 9)
        #expect(callError(callXML("<array><data>\(nine)</data></array>"), limits: limits) == nil)
        #expect(callError(callXML("<array><data>\(nine)<value/></data></array>"), limits: limits) == .tooManyElements)
    }

    @Test func billionLaughsIsRefused() {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
             <!ENTITY lol "lol">
             <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
             <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
            ]>
            <methodCall><methodName>&lol3;</methodName></methodCall>
            """
        #expect(callError(xml) == .forbiddenDeclaration("DOCTYPE"))
    }

    @Test func xxeIsRefused() {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <methodCall><methodName>m</methodName><params><param><value>&xxe;</value></param></params></methodCall>
            """
        #expect(callError(xml) == .forbiddenDeclaration("DOCTYPE"))
        #expect(isForbidden(callError(callXML("<!ENTITY x \"y\">"))))
        #expect(isForbidden(callError(callXML("<string><![INCLUDE[x]]></string>"))))
        #expect(isForbidden(callError("<!ELEMENT a ANY>" + callXML("1"))))
        #expect(isMalformed(callError(callXML("<string>&xxe;</string>"))))
    }

    @Test func invalidUTF8IsRefused() {
        let prefix = bytes("<methodCall><methodName>m</methodName><params><param><value>")
        let suffix = bytes("</value></param></params></methodCall>")
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]] {
            #expect(callError(prefix + bad + suffix) == .invalidUTF8, "\(bad)")
        }
        #expect(callError(bytes("<methodCall><methodName>m") + [0xC3] + bytes("</methodName></methodCall>")) == .invalidUTF8)
        #expect(isMalformed(callError(prefix + [0x00] + suffix)))
    }

    @Test(arguments: [
        "",
        "   ",
        "<methodCall>",
        "<methodCall><methodName>m</methodName>",
        "<methodCall><methodName>m</methodName><params><param><value><int>1</int></value></param></params>",
        "<methodCall><methodName>m</methodName></methodcall>",
        "<methodCall><methodName>m</methodName><params><param><value><int>1</i4></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><string>a</value></string></param></params></methodCall>",
        "<methodCall><methodName>m</methodName></methodCall>garbage",
        "<methodCall><methodName>m</methodName></methodCall><methodCall><methodName>m</methodName></methodCall>",
        "text<methodCall><methodName>m</methodName></methodCall>",
        "<methodCall><methodName>m<b/></methodName></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><foo>1</foo></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><int>1</int><int>2</int></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value>x<int>1</int></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><int>1</int>x</value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params>x<param><value>1</value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value>1</value><value>2</value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><struct><member><value>1</value></member></struct></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><array><value>1</value></array></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><boolean>true</boolean></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><boolean>2</boolean></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><boolean/></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><nil>x</nil></value></param></params></methodCall>",
        "<methodCall><methodName>m</methodName><params><param><value><int>1</int></value></param></params></methodCall",
        "<methodCall><methodName>m</methodName><params><param><value><int>1</int></value></param></params></methodCall x>",
        "<methodCall <methodName>m</methodName></methodCall>",
        "<methodResponse><params><param><value>1</value></param></params></methodResponse>",
        "< methodCall><methodName>m</methodName></methodCall>",
        "<methodCall><methodName>m</methodName></ methodCall>",
    ])
    func malformedDocuments(_ xml: String) {
        #expect(isMalformed(callError(xml)), "\(xml)")
    }

    @Test(arguments: ["", " ", "1.5", "1e3", "0x10", "--1", "+", "1 2", "9223372036854775808", "-9223372036854775809", "１"])
    func badIntegers(_ s: String) {
        #expect(isInvalidNumber(callError(callXML("<int>\(s)</int>"))), "\(s)")
    }

    @Test(arguments: ["", "abc", "1e", "1e+", ".", "-.", "0x10", "1.2.3", "1,5", "infinit", "nan1", "1_000", String(repeating: "1", count: 2000)])
    func badDoubles(_ s: String) {
        #expect(isInvalidNumber(callError(callXML("<double>\(s)</double>"))), "\(s)")
    }

    @Test(arguments: ["a", "ab=c", "a===", "aGVsbG8==", "aGVs*G8=", "aGVsbG8=x", "aGVsbG8=a===", "=", "-_-_"])
    func badBase64(_ s: String) {
        #expect(callError(callXML("<base64>\(s)</base64>")) == .invalidBase64, "\(s)")
    }
}
