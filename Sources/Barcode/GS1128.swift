// GS1-128 (Code 128 with FNC1, ISO/IEC 15417 and the GS1 General Specifications §5.4) for the
// labels of logistic units: a pallet's SSCC, its content's GTIN, count, lot and dates. Written by
// hand because no package we may use draws barcodes; the conformance tests compare every symbol
// with python-barcode's.

/// A GS1-128 symbol: the Code 128 symbol values (start, FNC1, data, check, stop) and the widths of
/// its bars and spaces in modules.
public struct GS1128: Sendable, Equatable {
    /// Symbol values from the start character to the check character (the stop is implied).
    public let values: [Int]

    /// Encodes element strings, in order (`[("00", "369012340000000019")]`): code set C for runs of
    /// digits, B for the rest; FNC1 first and after each variable-length field that is not last.
    /// Refuses an AI that is not two to four digits, characters outside Code 128 B (printable
    /// ASCII), and symbols of more than 48 data characters (GS1's limit).
    public static func encode(_ elements: [(ai: String, value: String)]) throws(BarcodeError) -> GS1128 {
        guard !elements.isEmpty else { throw .emptyInput }
        var data: [Character] = []
        var fnc1After: Set<Int> = []
        for (index, element) in elements.enumerated() {
            guard (2...4).contains(element.ai.count), element.ai.allSatisfy(\.isASCIIDigit) else {
                throw .notDigits(what: "application identifier", position: 0)
            }
            guard !element.value.isEmpty else { throw .fieldTooShort(ai: element.ai, minimum: 1, actual: 0) }
            if let bad = element.value.firstIndex(where: { !($0.isASCII && (32...126).contains($0.asciiValue!)) }) {
                throw .invalidCharacter(what: "AI (\(element.ai)) value", character: String(element.value[bad]),
                                        position: element.value.distance(from: element.value.startIndex, to: bad))
            }
            data += element.ai + element.value
            let fixed = ApplicationIdentifier.predefinedDataLength(firstTwo: element.ai.prefix(2)) != nil
            if !fixed, index < elements.count - 1 { fnc1After.insert(data.count) }
        }
        guard data.count <= 48 else { throw .capacityExceeded(what: "GS1-128 data characters", maximum: 48, actual: data.count) }

        // Start C (every AI begins with two digits), then FNC1: the mark of GS1-128.
        var values = [105, 102]
        var codeC = true
        var i = 0
        /// Digits from `from` on, up to the next FNC1 (a pair never straddles one).
        func digitsAhead(_ from: Int) -> Int {
            var n = 0
            while from + n < data.count, data[from + n].isASCIIDigit, n == 0 || !fnc1After.contains(from + n) { n += 1 }
            return n
        }
        func advance(_ count: Int) {
            i += count
            if fnc1After.contains(i) { values.append(102) }
        }
        while i < data.count {
            let run = digitsAhead(i)
            if codeC {
                if run >= 2 {
                    values.append(Int(String(data[i...i + 1]))!)
                    advance(2)
                    continue
                }
                values.append(100)
                codeC = false
            } else if run >= 4, run % 2 == 0 {
                // Four digits or more, an even run: back to C (an odd run gives its first digit in B).
                values.append(99)
                codeC = true
                continue
            }
            values.append(Int(data[i].asciiValue!) - 32)
            advance(1)
        }
        let check = values.enumerated().reduce(values[0]) { sum, item in item.offset == 0 ? sum : sum + item.element * item.offset } % 103
        return GS1128(values: values + [check])
    }

    /// Bar and space widths in modules, bar first: every symbol value, then the stop pattern.
    public var widths: [Int] {
        (values.flatMap { Self.patterns[$0] } + Self.stop).map { Int($0) }
    }

    /// The symbol as SVG: `moduleWidth` pixels a module, `height` pixels high, ten modules of
    /// quiet zone on each side.
    public func svg(moduleWidth: Int = 2, height: Int = 80) -> String {
        let unit = max(1, moduleWidth)
        var x = 10 * unit
        var path = ""
        for (index, width) in widths.enumerated() {
            if index % 2 == 0 { path += "M\(x),0h\(width * unit)v\(height)h-\(width * unit)z" }
            x += width * unit
        }
        let total = x + 10 * unit
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(total)" height="\(height)" viewBox="0 0 \(total) \(height)" \
            shape-rendering="crispEdges"><rect width="\(total)" height="\(height)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }

    /// The human-readable line under the symbol: `(00) 369012340000000019`.
    public static func humanReadable(_ elements: [(ai: String, value: String)]) -> String {
        elements.map { "(\($0.ai)) \($0.value)" }.joined(separator: " ")
    }

    /// Code 128's 106 symbol patterns (values 0–105), bar and space widths.
    static let patterns: [[UInt8]] = [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
        "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
        "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
        "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
        "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
        "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
        "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
        "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
        "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
        "114131", "311141", "411131", "211412", "211214", "211232",
    ].map { $0.utf8.map { $0 - 48 } }
    static let stop: [UInt8] = [2, 3, 3, 1, 1, 1, 2]
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
