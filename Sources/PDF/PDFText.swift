/// How text is split between the two fonts, measured and wrapped.
public enum PDFText {
    enum Run: Equatable {
        /// WinAnsiEncoding bytes for Helvetica.
        case narrow([UInt8])
        /// UCS-2 codes for STSong-Light.
        case wide([UInt16])
    }

    /// `text` as runs of one font each. Characters outside the Basic Multilingual Plane are
    /// drawn as U+FFFD (no standard font has them).
    static func runs(_ text: String) -> [Run] {
        var runs: [Run] = []
        var narrow: [UInt8] = [], wide: [UInt16] = []
        for scalar in text.unicodeScalars where !isControl(scalar) {
            if let byte = winAnsi(scalar) {
                if !wide.isEmpty { runs.append(.wide(wide)); wide = [] }
                narrow.append(byte)
            } else {
                if !narrow.isEmpty { runs.append(.narrow(narrow)); narrow = [] }
                wide.append(scalar.value <= 0xFFFF ? UInt16(scalar.value) : 0xFFFD)
            }
        }
        if !narrow.isEmpty { runs.append(.narrow(narrow)) }
        if !wide.isEmpty { runs.append(.wide(wide)) }
        return runs
    }

    /// The width of `text` in points at `size`.
    public static func width(_ text: String, size: Double) -> Double {
        text.unicodeScalars.reduce(0) { $0 + advance($1) } * size / 1000
    }

    /// `text` cut into lines no wider than `width` points at `size`: at the last space when a
    /// line has one (words of Latin text stay whole), else before the character that does not
    /// fit (Chinese breaks between any two characters); explicit line breaks are kept.
    public static func wrap(_ text: String, width: Double, size: Double) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line: [Unicode.Scalar] = []
            var lineWidth = 0.0
            for scalar in paragraph.unicodeScalars {
                let advance = advance(scalar) * size / 1000
                if !line.isEmpty, lineWidth + advance > width {
                    if scalar != " ", let space = line.lastIndex(of: " "), space > 0 {
                        let rest = Array(line[(space + 1)...])
                        lines.append(String(String.UnicodeScalarView(line[..<space])))
                        line = rest
                    } else {
                        lines.append(String(String.UnicodeScalarView(line)))
                        line = []
                    }
                    if scalar == " " && line.isEmpty { lineWidth = 0; continue }
                    lineWidth = line.reduce(0) { $0 + self.advance($1) * size / 1000 }
                }
                line.append(scalar)
                lineWidth += advance
            }
            lines.append(String(String.UnicodeScalarView(line)))
        }
        return lines
    }

    /// A scalar's advance in thousandths of the font size.
    static func advance(_ scalar: Unicode.Scalar) -> Double {
        if isControl(scalar) { return 0 }
        guard let byte = winAnsi(scalar) else { return 1000 }
        return Double(helveticaWidths[Int(byte) - 32])
    }

    /// A control character (not drawn; a tab is drawn as a space).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }

    /// The WinAnsiEncoding byte of a scalar Helvetica draws, or nil.
    static func winAnsi(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0xFF: return UInt8(scalar.value)
        case 0x09: return 0x20
        default: return winAnsiExtras[scalar.value]
        }
    }

    static let winAnsiExtras: [UInt32: UInt8] = [
        0x20AC: 0x80, 0x2026: 0x85, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x2018: 0x91, 0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94,
        0x2122: 0x99,
    ]

    /// A PDF literal string's contents: parentheses and backslashes escaped, other bytes
    /// outside printable ASCII as octal escapes (so the content stream is plain ASCII).
    static func literal(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"): text += "\\" + String(UnicodeScalar(byte))
            case 0x20...0x7E: text.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let octal = String(byte, radix: 8)
                text += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
        }
        return text
    }

    /// An ASCII string's bytes.
    static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    }

    /// Helvetica's advance widths (Adobe's AFM) for WinAnsiEncoding bytes 32…255.
    static let helveticaWidths: [Int] = [
        // 32–63: space ! " # $ % & ' ( ) * + , - . / 0–9 : ; < = > ?
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        // 64–95: @ A–Z [ \ ] ^ _
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        // 96–127: ` a–z { | } ~ (127 unused)
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 556,
        // 128–159: € (unused) ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ (unused) Ž (unused) (unused) ' ' " " • – — ˜ ™ š › œ (unused) ž Ÿ
        556, 556, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 556, 611, 556,
        556, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 556, 500, 667,
        // 160–191: nbsp ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ shy ® ¯ ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿
        278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
        400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
        // 192–223: À–Ö × Ø–ß
        667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
        722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
        // 224–255: à–ö ÷ ø–ÿ
        556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
    ]
}
