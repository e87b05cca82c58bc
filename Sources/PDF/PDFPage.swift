/// One page: text and lines drawn in points from the bottom-left corner, as PDF counts.
public struct PDFPage: Sendable {
    public let width: Double
    public let height: Double
    /// The page's content stream.
    private(set) var content: [UInt8] = []
    /// The codes drawn in `/F2`, for the file's ToUnicode map.
    private(set) var wideCodes: Set<UInt16> = []

    public init(width: Double = PDFFile.a4.width, height: Double = PDFFile.a4.height) {
        self.width = width
        self.height = height
    }

    /// Draws `text` with its baseline starting at (`x`, `y`), in `size` points; `gray` is 0
    /// (black) to 1 (white).
    public mutating func text(_ text: String, x: Double, y: Double, size: Double, bold: Bool = false, gray: Double = 0) {
        guard !text.isEmpty else { return }
        var ops = "BT \(PDFOutput.number(gray)) g"
        if bold { ops += " \(PDFOutput.number(gray)) G 2 Tr \(PDFOutput.number(size / 30)) w" }
        ops += " 1 0 0 1 \(PDFOutput.number(x)) \(PDFOutput.number(y)) Tm"
        for run in PDFText.runs(text) {
            switch run {
            case .narrow(let bytes):
                ops += " /F1 \(PDFOutput.number(size)) Tf (" + PDFText.literal(bytes) + ") Tj"
            case .wide(let codes):
                wideCodes.formUnion(codes)
                ops += " /F2 \(PDFOutput.number(size)) Tf <" + codes.map(PDFOutput.hex4).joined() + "> Tj"
            }
        }
        ops += bold ? " 0 Tr ET\n" : " ET\n"
        content += PDFText.latin1(ops)
    }

    /// Draws `text` so that it ends at `right`.
    public mutating func text(_ text: String, right: Double, y: Double, size: Double, bold: Bool = false, gray: Double = 0) {
        self.text(text, x: right - PDFText.width(text, size: size), y: y, size: size, bold: bold, gray: gray)
    }

    /// A straight line `width` points thick.
    public mutating func line(from start: (x: Double, y: Double), to end: (x: Double, y: Double), width: Double = 0.5, gray: Double = 0) {
        let n = PDFOutput.number
        content += PDFText.latin1("\(n(gray)) G \(n(width)) w \(n(start.x)) \(n(start.y)) m \(n(end.x)) \(n(end.y)) l S\n")
    }
}
