/// A PDF file (ISO 32000-1, written as PDF 1.4) of pages holding text and lines, for printed
/// business documents in Chinese and English.
///
/// Two fonts, neither embedded, so a file stays a few kilobytes a page:
/// - `/F1` Helvetica (one of the 14 standard fonts every reader has) in WinAnsiEncoding, for
///   the characters that encoding has (ASCII, Latin-1, a few typographic marks);
/// - `/F2` STSong-Light, Adobe's standard simplified-Chinese font (Adobe-GB1), addressed by
///   Unicode through the predefined `UniGB-UCS2-H` CMap, for everything else in the Basic
///   Multilingual Plane. Readers supply it (Acrobat's CJK pack, pdf.js, PDFium, poppler with
///   `poppler-data` and a CJK font such as Noto Sans CJK); its `ToUnicode` map lets text be
///   searched and copied.
/// Bold is drawn by stroking the glyph outline as well as filling it, which both fonts allow.
public struct PDFFile: Sendable {
    public static let a4 = (width: 595.28, height: 841.89)

    public private(set) var pages: [PDFPage] = []
    public var title: String

    public init(title: String) {
        self.title = title
    }

    public mutating func add(_ page: PDFPage) {
        pages.append(page)
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        var out = PDFOutput()
        out.append("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n")
        // Objects: 1 catalog, 2 page tree, 3 Helvetica, 4 STSong-Light (Type0), 5 its CID font,
        // 6 its descriptor, 7 its ToUnicode map, 8 info, then a page and its content per page.
        let firstPage = 9
        let kids = pages.indices.map { "\(firstPage + 2 * $0) 0 R" }.joined(separator: " ")
        out.object(1, "<< /Type /Catalog /Pages 2 0 R >>")
        out.object(2, "<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>")
        out.object(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        out.object(4, "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] /ToUnicode 7 0 R >>")
        out.object(5, """
            << /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> \
            /FontDescriptor 6 0 R /DW 1000 >>
            """)
        out.object(6, """
            << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 \
            /CapHeight 737 /XHeight 553 /StemV 58 >>
            """)
        out.stream(7, dictionary: "", Array(PDFOutput.toUnicode(pages.reduce(into: Set<UInt16>()) { $0.formUnion($1.wideCodes) }).utf8))
        out.object(8, "<< /Producer (Chainstore) /Title \(PDFOutput.textString(title)) >>")
        for (index, page) in pages.enumerated() {
            let number = firstPage + 2 * index
            out.object(number, """
                << /Type /Page /Parent 2 0 R /MediaBox [0 0 \(PDFOutput.number(page.width)) \(PDFOutput.number(page.height))] \
                /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents \(number + 1) 0 R >>
                """)
            out.stream(number + 1, dictionary: "", page.content)
        }
        out.finish(root: 1, info: 8)
        return out.bytes
    }
}

/// The bytes of a PDF file as they are written, with each object's offset for the
/// cross-reference table.
struct PDFOutput {
    var bytes: [UInt8] = []
    var offsets: [Int: Int] = [:]

    mutating func append(_ text: String) {
        // Header bytes above 0x7F are written as themselves (the binary-file marker).
        for scalar in text.unicodeScalars { bytes.append(scalar.value < 256 ? UInt8(scalar.value) : UInt8(ascii: "?")) }
    }

    mutating func object(_ number: Int, _ body: String) {
        offsets[number] = bytes.count
        append("\(number) 0 obj\n\(body)\nendobj\n")
    }

    mutating func stream(_ number: Int, dictionary: String, _ content: [UInt8]) {
        offsets[number] = bytes.count
        append("\(number) 0 obj\n<< \(dictionary)/Length \(content.count) >>\nstream\n")
        bytes += content
        append("\nendstream\nendobj\n")
    }

    /// The cross-reference table (every entry exactly 20 bytes) and the trailer.
    mutating func finish(root: Int, info: Int) {
        let size = (offsets.keys.max() ?? 0) + 1
        let start = bytes.count
        append("xref\n0 \(size)\n0000000000 65535 f \n")
        for number in 1..<size {
            let offset = String(offsets[number] ?? 0)
            append(String(repeating: "0", count: 10 - offset.count) + offset + (offsets[number] == nil ? " 00000 f \n" : " 00000 n \n"))
        }
        append("trailer\n<< /Size \(size) /Root \(root) 0 R /Info \(info) 0 R >>\nstartxref\n\(start)\n%%EOF\n")
    }

    /// A number as PDF writes it: at most two decimals, no exponent.
    static func number(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let whole = abs(hundredths) / 100, fraction = abs(hundredths) % 100
        if fraction == 0 { return sign + String(whole) }
        if fraction % 10 == 0 { return sign + String(whole) + "." + String(fraction / 10) }
        return sign + String(whole) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// A text string (document information): UTF-16BE with its byte-order mark, in hex.
    static func textString(_ text: String) -> String {
        "<FEFF" + text.utf16.map { hex4($0) }.joined() + ">"
    }

    static func hex4(_ value: UInt16) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(value >> 12)], digits[Int(value >> 8 & 0xF)], digits[Int(value >> 4 & 0xF)], digits[Int(value & 0xF)]])
    }

    /// The ToUnicode map of `/F2`: its codes are UCS-2, so each used code maps to itself.
    static func toUnicode(_ codes: Set<UInt16>) -> String {
        var text = """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange

            """
        let sorted = codes.sorted()
        var index = 0
        while index < sorted.count {
            let chunk = sorted[index..<min(index + 100, sorted.count)]
            text += "\(chunk.count) beginbfchar\n"
            for code in chunk { text += "<\(hex4(code))> <\(hex4(code))>\n" }
            text += "endbfchar\n"
            index += 100
        }
        text += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        return text
    }
}
