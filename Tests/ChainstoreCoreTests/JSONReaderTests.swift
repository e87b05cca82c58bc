import ChainstoreCore
import Testing

@Suite("JSON reader and writer")
struct JSONReaderTests {
    func parse(_ text: String) throws -> Value { try JSONReader.parse(Array(text.utf8)) }

    @Test func typesAreKept() throws {
        let value = try parse(#"{"b": true, "i": 42, "d": 1.5, "e": 1e3, "n": null, "s": "\u4e2d\"x\"", "a": [false, -7], "o": {}}"#)
        #expect(value == ["b": true, "i": 42, "d": 1.5, "e": 1000.0, "n": .null, "s": "中\"x\"", "a": [false, -7], "o": [:]])
        #expect(value.dictValue?.keys.elements == ["b", "i", "d", "e", "n", "s", "a", "o"])
    }

    @Test func surrogatePairs() throws {
        #expect(try parse(#""\ud83d\ude00""#) == "😀")
        #expect(throws: JSONReader.Failure.self) { try parse(#""\ud83d""#) }
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01x", "tru", "\"\u{01}\"", "[1] 2", "{\"a\":}", "-", "1.", "1e"])
    func malformedInputIsRefused(_ text: String) {
        #expect(throws: JSONReader.Failure.self) { try parse(text) }
    }

    @Test func limits() {
        #expect(throws: JSONReader.Failure.tooDeep) { try parse(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)) }
        var limits = JSONReader.Limits()
        limits.maxElements = 10
        #expect(throws: JSONReader.Failure.tooManyElements) { try JSONReader.parse(Array("[1,2,3,4,5,6,7,8,9,10,11]".utf8), limits: limits) }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse([0x22, 0xff, 0x22]) }
    }

    @Test func writerRoundTrips() throws {
        let value: Value = ["name": "a\"b\\c\n\u{01}", "list": [1, 2.5, true, .null], "nested": ["x": []]]
        var writer = JSONWriter()
        writer.value(value)
        #expect(try JSONReader.parse(writer.bytes) == value)
    }

    /// Strings are escaped where JSON requires it and copied as they are elsewhere: the exact
    /// text for one of every kind, and a round trip of random strings mixing plain runs, escapes
    /// and multi-byte characters at any position.
    @Test func writerEscapesOnlyWhatJSONRequires() throws {
        var writer = JSONWriter()
        writer.string("a\"b\\c\n\r\t\u{01}\u{1f}é门 /")
        #expect(writer.text == #""a\"b\\c\n\r\t\u0001\u001fé门 /""#)
        var generator = SystemRandomNumberGenerator()
        let pieces = ["\"", "\\", "\n", "\u{0}", "\u{7}", "\u{1f}", "x", "plain text", "门店", "😀", " ", "/", "\u{7f}"]
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            var writer = JSONWriter()
            writer.string(text)
            #expect(try JSONReader.parse(writer.bytes) == .string(text), "\(text.debugDescription)")
            #expect(!writer.bytes.dropFirst().dropLast().contains { $0 < 0x20 }, "no raw control byte")
        }
    }
}
