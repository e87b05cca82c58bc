// Reads GS1 element strings as scanners send them (spec §2.1–§2.2): an optional
// symbology identifier, an optional leading separator, then AI + data pairs.
// A field of predefined length ends after its length; any other field ends at a
// separator or the end of the data — a missing separator is never guessed.

/// Parses GS1 messages. A value type: configure once, use from any task.
public struct GS1Parser: Sendable {
    /// The date the century window is computed from (only its year matters).
    public var today: GS1Date
    /// ASCII codes that stand for FNC1 between fields (default: GS, 0x1D).
    public var separators: [UInt8]
    /// What to do with AIs outside §2.3's list.
    public var unknownAIs: UnknownAIPolicy

    public init(today: GS1Date, separators: [UInt8] = [0x1D], unknownAIs: UnknownAIPolicy = .reject) {
        self.today = today
        self.separators = separators
        self.unknownAIs = unknownAIs
    }

    /// Symbology identifiers that announce GS1 element strings: GS1-128, GS1
    /// DataBar, GS1 DataMatrix, GS1 QR Code.
    public static let gs1SymbologyIdentifiers: Set<String> = ["]C1", "]e0", "]d2", "]Q3"]

    /// Parses `data` in the given form.
    public func parse(_ data: String, format: GS1InputFormat = .raw) throws(BarcodeError) -> GS1Message {
        switch format {
        case .raw: try parseRaw(data)
        case .hri: try parseHRI(data)
        }
    }

    /// Parses scanner output.
    public func parseRaw(_ text: String) throws(BarcodeError) -> GS1Message {
        let bytes = Array(text.utf8)
        var index = 0
        if bytes.first == 0x5D {  // "]": a symbology identifier
            let identifier = ASCII.string(bytes.prefix(3))
            guard bytes.count >= 3, Self.gs1SymbologyIdentifiers.contains(identifier) else {
                throw .notGS1Data(symbologyIdentifier: identifier)
            }
            index = 3
        }
        if index < bytes.count, isSeparator(bytes[index]) { index += 1 }
        guard index < bytes.count else { throw .emptyInput }

        var elements: [GS1Element] = []
        while index < bytes.count {
            if isSeparator(bytes[index]) { throw .unexpectedSeparator(position: index) }
            let definition = try readAI(bytes, at: index)
            let dataStart = index + definition.code.utf8.count
            var end = dataStart
            if let length = ApplicationIdentifier.predefinedDataLength(firstTwo: definition.code) {
                while end < bytes.count, end - dataStart < length, !isSeparator(bytes[end]) { end += 1 }
                if end - dataStart < length {
                    throw .truncated(ai: definition.code, position: index, needed: length, available: end - dataStart)
                }
            } else {
                while end < bytes.count, !isSeparator(bytes[end]) { end += 1 }
            }
            elements.append(try element(definition, data: bytes[dataStart..<end]))
            index = end
            // A separator may follow any field (GS1 allows it after predefined-length
            // ones too); one at the very end is harmless.
            if index < bytes.count, isSeparator(bytes[index]) { index += 1 }
        }
        return GS1Message(elements: elements)
    }

    @inline(__always)
    func isSeparator(_ byte: UInt8) -> Bool { separators.contains(byte) }

    /// Reads the AI starting at `start`: its length comes from its first two digits.
    func readAI(_ bytes: [UInt8], at start: Int) throws(BarcodeError) -> ApplicationIdentifier {
        var end = start
        while end < bytes.count, end - start < 2, !isSeparator(bytes[end]) {
            guard ASCII.isDigit(bytes[end]) else { throw .notDigits(what: "application identifier", position: end) }
            end += 1
        }
        guard end - start == 2 else {
            throw .truncated(ai: ASCII.string(bytes[start..<end]), position: start, needed: 2, available: end - start)
        }
        guard let length = ApplicationIdentifier.aiLength(firstTwo: bytes[start], bytes[start + 1]) else {
            throw .unknownAI(ai: ASCII.string(bytes[start..<end]), position: start)
        }
        while end < bytes.count, end - start < length, !isSeparator(bytes[end]) {
            guard ASCII.isDigit(bytes[end]) else { throw .notDigits(what: "application identifier", position: end) }
            end += 1
        }
        let code = ASCII.string(bytes[start..<end])
        guard end - start == length else {
            throw .truncated(ai: code, position: start, needed: length, available: end - start)
        }
        return try definition(code, position: start)
    }

    func definition(_ code: String, position: Int) throws(BarcodeError) -> ApplicationIdentifier {
        if let listed = ApplicationIdentifier.listed(code) { return listed }
        guard unknownAIs.accepts(code) else { throw .unknownAI(ai: code, position: position) }
        return .unlisted(code)
    }
}
