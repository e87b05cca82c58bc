import PDF

/// Documents laid out on A4 pages as a PDF file, as the printed page shows them: the title and
/// reference, the facts two by two, the table of lines (text wrapped in its column, numbers to
/// the right, the header again on every page it continues on), the totals under it, and each
/// document's own page count at the foot ("PO00012 · 2 / 3"). Each document starts a page.
extension PrintedDocument {
    enum Layout {
        static let margin = 42.0, top = 50.0, bottom = 50.0
        static let titleSize = 16.0, size = 9.0, line = 12.0, padding = 3.0
        /// The least width of a numeric column (a price of six figures).
        static let numeric = 56.0
        static var width: Double { PDFFile.a4.width - 2 * margin }
    }

    /// The PDF file of `documents`.
    public static func pdf(_ documents: [PrintedDocument], title: String) -> [UInt8] {
        var file = PDFFile(title: title)
        for document in documents {
            for page in document.pages() { file.add(page) }
        }
        return file.bytes()
    }

    /// This document's pages, each with its foot.
    func pages() -> [PDFPage] {
        var pages: [PDFPage] = []
        var page = PDFPage()
        var y = PDFFile.a4.height - Layout.top
        let left = Layout.margin, right = PDFFile.a4.width - Layout.margin
        func nextPage() {
            pages.append(page)
            page = PDFPage()
            y = PDFFile.a4.height - Layout.top
        }

        page.text(heading, x: left, y: y - Layout.titleSize, size: Layout.titleSize, bold: true)
        y -= Layout.titleSize + 12
        // Facts two by two: label, then its value wrapped in what is left of the half.
        let half = Layout.width / 2, labelWidth = min(facts.map { PDFText.width($0.0, size: Layout.size) }.max() ?? 0, half * 0.45) + 8
        for pair in stride(from: 0, to: facts.count, by: 2) {
            var height = Layout.line
            for (column, fact) in facts[pair..<min(pair + 2, facts.count)].enumerated() {
                let x = left + Double(column) * half
                page.text(fact.0, x: x, y: y - Layout.size, size: Layout.size, bold: true)
                let lines = PDFText.wrap(fact.1, width: half - labelWidth - 8, size: Layout.size)
                for (index, line) in lines.enumerated() {
                    page.text(line, x: x + labelWidth, y: y - Layout.size - Double(index) * Layout.line, size: Layout.size)
                }
                height = max(height, Double(lines.count) * Layout.line)
            }
            y -= height + 2
        }
        y -= 10

        // The table: numbers as wide as their widest cell, text columns sharing the rest.
        let widths = columnWidths()
        func header(_ page: inout PDFPage, _ y: inout Double) {
            var x = left
            for (column, width) in zip(columns, widths) {
                if column.numeric {
                    page.text(column.label, right: x + width - Layout.padding, y: y - Layout.size, size: Layout.size, bold: true)
                } else {
                    page.text(column.label, x: x + Layout.padding, y: y - Layout.size, size: Layout.size, bold: true)
                }
                x += width
            }
            y -= Layout.line + Layout.padding
            page.line(from: (left, y), to: (right, y), width: 0.8)
            y -= Layout.padding
        }
        header(&page, &y)
        for row in rows {
            let cells = zip(columns, zip(row, widths)).map { column, cell in
                column.numeric ? [cell.0] : PDFText.wrap(cell.0, width: cell.1 - 2 * Layout.padding, size: Layout.size)
            }
            let height = Double(cells.map(\.count).max() ?? 1) * Layout.line + 2 * Layout.padding
            if y - height < Layout.bottom {
                nextPage()
                header(&page, &y)
            }
            var x = left
            for ((column, width), lines) in zip(zip(columns, widths), cells) {
                for (index, line) in lines.enumerated() {
                    let baseline = y - Layout.size - Double(index) * Layout.line
                    if column.numeric {
                        page.text(line, right: x + width - Layout.padding, y: baseline, size: Layout.size)
                    } else {
                        page.text(line, x: x + Layout.padding, y: baseline, size: Layout.size)
                    }
                }
                x += width
            }
            y -= height
            page.line(from: (left, y + Layout.padding), to: (right, y + Layout.padding), width: 0.4, gray: 0.55)
        }

        // Totals, right-aligned under the table.
        if !totals.isEmpty {
            let valueWidth = (totals.map { PDFText.width($0.1, size: Layout.size) }.max() ?? 0) + 16
            if y - Double(totals.count) * Layout.line - 8 < Layout.bottom { nextPage() }
            y -= 8
            for (index, total) in totals.enumerated() {
                let last = index == totals.count - 1
                page.text(total.0, right: right - valueWidth, y: y - Layout.size, size: Layout.size, bold: last)
                page.text(total.1, right: right, y: y - Layout.size, size: Layout.size, bold: last)
                y -= Layout.line
            }
        }
        pages.append(page)

        // The foot of each page: the reference and the page of this document.
        return pages.enumerated().map { index, page in
            var page = page
            page.text("\(reference) · \(index + 1) / \(pages.count)", right: right, y: Layout.bottom / 2, size: 8, gray: 0.4)
            return page
        }
    }

    /// The table's column widths: a numeric column as wide as its widest cell (at least
    /// `Layout.numeric`); text columns
    /// share what is left in proportion to their widest cell (at least a sixth of the share,
    /// so a short column is never crushed by a long one).
    func columnWidths() -> [Double] {
        let natural = columns.indices.map { index in
            let widest = rows.reduce(PDFText.width(columns[index].label, size: Layout.size)) { widest, row in
                max(widest, index < row.count ? PDFText.width(row[index], size: Layout.size) : 0)
            } + 2 * Layout.padding + 1
            return columns[index].numeric ? max(widest, Layout.numeric) : widest
        }
        let numeric = columns.indices.filter { columns[$0].numeric }.reduce(0) { $0 + natural[$1] }
        let text = columns.indices.filter { !columns[$0].numeric }
        let left = max(Layout.width - numeric, Double(text.count) * 40)
        let wanted = text.reduce(0) { $0 + natural[$1] }
        let floor = left / Double(max(text.count, 1)) / 6
        let weights = Dictionary(uniqueKeysWithValues: text.map { ($0, max(natural[$0], floor)) })
        let total = weights.values.reduce(0, +)
        return columns.indices.map { index in
            if columns[index].numeric { return natural[index] }
            return wanted <= left ? natural[index] + (left - wanted) * natural[index] / max(wanted, 1) : left * (weights[index] ?? 0) / max(total, 1)
        }
    }
}
