import Foundation
import Stock
import Testing

@Suite("Printed documents as PDF files")
struct PrintedDocumentTests {
    /// The content streams of a file's pages, in order (the file is ASCII but for its marker).
    static func pageContents(_ bytes: [UInt8]) -> [String] {
        let text = String(decoding: bytes.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        return text.components(separatedBy: ">>\nstream\n").dropFirst().compactMap { part -> String? in
            guard let end = part.range(of: "\nendstream") else { return nil }
            let body = String(part[..<end.lowerBound])
            return body.hasPrefix("BT") ? body : nil  // page contents start with text; the ToUnicode map does not
        }
    }

    static func order(_ reference: String, lines: Int) -> PrintedDocument {
        PrintedDocument(
            title: "Purchase Order", reference: reference,
            facts: [("Vendor", "Guangzhou Fresh Foods Co."), ("Buyer", "广州天河店")],
            columns: [.init("Description"), .init("Quantity", numeric: true), .init("Amount", numeric: true)],
            rows: (1...lines).map { ["[SKU\($0)] 有机全脂牛奶 Organic whole milk 1 litre, line \($0)", "\($0)", "¥\($0).00"] },
            totals: [("Total", "¥1,234.00")])
    }

    @Test func aLongTableContinuesOnNewPagesUnderItsHeaderAndEachDocumentCountsItsOwnPages() throws {
        let bytes = PrintedDocument.pdf([Self.order("PO001", lines: 120), Self.order("PO002", lines: 2)], title: "Purchase Order PO001")
        let pages = Self.pageContents(bytes)
        #expect(pages.count >= 4)
        let first = pages.filter { $0.contains("(PO001 \\267 ") }
        #expect(first.count == pages.count - 1)
        for (index, page) in first.enumerated() {
            // The header on every page of the table; the page's place in its own document.
            #expect(page.contains("(Quantity) Tj"))
            #expect(page.contains("(PO001 \\267 \(index + 1) / \(first.count)) Tj"))
            #expect(page.contains("(Purchase Order PO001) Tj") == (index == 0))
        }
        // Every line printed once, in order; the totals at the end of the first document.
        let lines = first.joined().components(separatedBy: " litre, line ").dropFirst().map { Int($0.prefix { $0.isNumber })! }
        #expect(lines == Array(1...120))
        #expect(first.last!.contains("(Total) Tj") && !first.dropLast().joined().contains("(Total) Tj"))
        // The second document starts its own page and counts from one.
        #expect(pages.last!.contains("(Purchase Order PO002) Tj") && pages.last!.contains("(PO002 \\267 1 / 1) Tj"))
        // Chinese in the CJK font, drawn by its Unicode codes.
        #expect(pages[0].contains("/F2 9 Tf <5E7F5DDE59296CB35E97> Tj"))  // 广州天河店
    }

    @Test func aCellWiderThanItsColumnWrapsWithinIt() throws {
        let document = PrintedDocument(title: "Pick List", reference: "W1", facts: [],
                                       columns: [.init("Location"), .init("Product"), .init("Quantity", numeric: true)],
                                       rows: [["WH/Stock/A-01-01", String(repeating: "很长的商品名称", count: 24), "3"]])
        let page = try #require(Self.pageContents(PrintedDocument.pdf([document], title: "W1")).first)
        // The 168-character name is drawn on several lines, none reaching past the page's right margin.
        let drawn = page.components(separatedBy: "\n").filter { $0.contains("/F2 9 Tf") }
        #expect(drawn.count > 2)
        for line in drawn {
            let x = Double(line.components(separatedBy: " 1 0 0 1 ")[1].split(separator: " ")[0])!
            let characters = line.split(separator: "<")[1].prefix { $0 != ">" }.count / 4
            #expect(x + Double(characters) * 9 <= 595.28 - 42 + 0.01)
        }
    }
}
