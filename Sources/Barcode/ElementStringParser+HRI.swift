// The human-readable form, `(01)06901234567892(17)260630(10)LOT7`, as people type
// or print it. Parentheses delimit the AIs, so no separators are needed. Set 82
// allows parentheses inside data; a `(` only starts a new AI when 2–4 digits
// and `)` follow it.

extension GS1Parser {
    /// Parses `(AI)data(AI)data…`.
    public func parseHRI(_ text: String) throws(BarcodeError) -> GS1Message {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .emptyInput }
        guard Self.aiGroupLength(bytes, at: 0) != nil else {
            throw .malformedHRI(position: 0, reason: "expected (AI) with 2 to 4 digits")
        }
        var elements: [GS1Element] = []
        var index = 0
        while index < bytes.count {
            guard let groupLength = Self.aiGroupLength(bytes, at: index) else {
                throw .malformedHRI(position: index, reason: "expected (AI) with 2 to 4 digits")
            }
            let code = ASCII.string(bytes[(index + 1)..<(index + groupLength - 1)])
            guard ApplicationIdentifier.aiLength(firstTwo: bytes[index + 1], bytes[index + 2]) == code.utf8.count else {
                throw .unknownAI(ai: code, position: index + 1)
            }
            let definition = try definition(code, position: index + 1)
            let dataStart = index + groupLength
            var end = dataStart
            while end < bytes.count, Self.aiGroupLength(bytes, at: end) == nil { end += 1 }
            if let length = ApplicationIdentifier.predefinedDataLength(firstTwo: code), end - dataStart < length {
                throw .truncated(ai: code, position: index, needed: length, available: end - dataStart)
            }
            elements.append(try element(definition, data: bytes[dataStart..<end]))
            index = end
        }
        return GS1Message(elements: elements)
    }

    /// The length of `(` + 2–4 digits + `)` at `start`, or nil.
    static func aiGroupLength(_ bytes: [UInt8], at start: Int) -> Int? {
        guard bytes[start] == 0x28 else { return nil }
        var index = start + 1
        while index < bytes.count, index - start <= 4, ASCII.isDigit(bytes[index]) { index += 1 }
        let digits = index - start - 1
        guard digits >= 2, digits <= 4, index < bytes.count, bytes[index] == 0x29 else { return nil }
        return digits + 2
    }
}
