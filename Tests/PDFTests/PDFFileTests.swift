import Foundation
import Testing

@testable import PDF

@Suite("PDF files")
struct PDFFileTests {
    /// The file's text (its bytes are ASCII but for the binary marker on line 2).
    static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    @Test func everyCrossReferencePointsAtItsObjectAndEveryStreamHasItsLength() throws {
        var file = PDFFile(title: "采购订单 PO0001")
        for number in 1...3 {
            var page = PDFPage()
            page.text("Page (\(number)) \\ 第\(number)页", x: 40, y: 800, size: 12, bold: number == 1)
            page.line(from: (40, 790), to: (550, 790))
            file.add(page)
        }
        let bytes = file.bytes()
        let text = Self.text(bytes)
        #expect(text.hasPrefix("%PDF-1.4\n"))
        #expect(text.hasSuffix("%%EOF\n"))
        // startxref names where the table starts; each in-use entry where its object starts.
        let tail = text.split(separator: "startxref\n").last!
        let start = Int(tail.split(separator: "\n")[0])!
        let table = String(decoding: bytes[start...], as: UTF8.self).split(separator: "\n")
        #expect(table[0] == "xref")
        let count = Int(table[1].split(separator: " ")[1])!
        #expect(count == 9 + 2 * 3)
        for number in 1..<count {
            let entry = table[2 + number]
            #expect(entry.utf8.count == 19)  // 20 bytes with its newline
            let offset = Int(entry.prefix(10))!
            #expect(String(decoding: bytes[offset..<offset + 12], as: UTF8.self).hasPrefix("\(number) 0 obj\n"), "object \(number)")
        }
        // Each stream's /Length is the number of bytes between "stream\n" and "\nendstream".
        var searchFrom = text.startIndex
        var streams = 0
        while let length = text.range(of: "/Length ", range: searchFrom..<text.endIndex) {
            let digits = text[length.upperBound...].prefix { $0.isNumber }
            let body = text.range(of: ">>\nstream\n", range: length.upperBound..<text.endIndex)!
            let end = text.range(of: "\nendstream", range: body.upperBound..<text.endIndex)!
            #expect(text.utf8.distance(from: body.upperBound, to: end.lowerBound) == Int(digits)!)
            searchFrom = end.upperBound
            streams += 1
        }
        #expect(streams == 1 + 3)
        #expect(text.contains("/Count 3"))
    }

    @Test func textIsDrawnInHelveticaWhereWinAnsiHasItAndInSTSongElsewhere() {
        #expect(PDFText.runs("A¥汉字b") == [.narrow([0x41, 0xA5]), .wide([0x6C49, 0x5B57]), .narrow([0x62])])
        #expect(PDFText.runs("–€") == [.narrow([0x96, 0x80])])
        #expect(PDFText.runs("a\u{1F600}\r\nb") == [.narrow([0x61]), .wide([0xFFFD]), .narrow([0x62])])
        var page = PDFPage()
        page.text("数量 (kg) \\ é", x: 10, y: 20, size: 10)
        let content = PDFFileTests.text(page.content)
        #expect(content.contains("/F2 10 Tf <657091CF> Tj"))
        #expect(content.contains("/F1 10 Tf ( \\(kg\\) \\\\ \\351) Tj"))
        #expect(page.wideCodes == [0x6570, 0x91CF])
        // The ToUnicode map names each Chinese code drawn, so the text can be searched and copied.
        var file = PDFFile(title: "t")
        file.add(page)
        let bytes = PDFFileTests.text(file.bytes())
        #expect(bytes.contains("2 beginbfchar\n<6570> <6570>\n<91CF> <91CF>\nendbfchar"))
    }

    @Test func widthsFollowHelveticasMetricsAndChineseIsFullWidth() {
        #expect(PDFText.width("Wi", size: 10) == 11.66)
        #expect(PDFText.width("汉字", size: 12) == 24)
        #expect(PDFText.width("a\tb", size: 1) == Double(556 + 278 + 556) / 1000)
    }

    @Test func wrappingKeepsWordsAndBreaksChineseAnywhere() {
        let latin = PDFText.wrap("Organic whole milk 1 litre carton", width: 60, size: 9)
        #expect(latin.count > 1)
        #expect(latin.joined(separator: " ") == "Organic whole milk 1 litre carton")
        for line in latin { #expect(PDFText.width(line, size: 9) <= 60) }
        let chinese = PDFText.wrap("有机全脂牛奶一升装纸盒包装", width: 40, size: 10)
        #expect(chinese == ["有机全脂", "牛奶一升", "装纸盒包", "装"])
        // A word longer than the line is cut where it must be; explicit breaks stay.
        #expect(PDFText.wrap("SSCC106141411234567897", width: 30, size: 10).joined() == "SSCC106141411234567897")
        #expect(PDFText.wrap("a\nb", width: 100, size: 10) == ["a", "b"])
        #expect(PDFText.wrap("", width: 100, size: 10) == [""])
    }

    @Test func numbersAreWrittenWithoutExponentsOrTrailingZeros() {
        #expect(PDFOutput.number(595.28) == "595.28")
        #expect(PDFOutput.number(0.3) == "0.3")
        #expect(PDFOutput.number(12) == "12")
        #expect(PDFOutput.number(-0.05) == "-0.05")
        #expect(PDFOutput.number(1e-9) == "0")
        #expect(PDFOutput.textString("订A") == "<FEFF8BA20041>")
    }
}
