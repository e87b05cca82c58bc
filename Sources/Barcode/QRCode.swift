// QR Code model 2 (ISO/IEC 18004:2015) in byte mode, for payment links and other URLs shown on
// a customer display or printed on a receipt. Written by hand because no package we may use
// encodes QR codes; the conformance tests compare every module with segno.

/// A QR Code symbol: its modules and the choices that produced them.
///
/// Only byte mode is produced (the text's UTF-8 bytes, no ECI header): scanners read it as
/// text, and the URLs we encode gain little from the other modes.
public struct QRCode: Sendable, Equatable {
    /// How much of the symbol may be damaged and still read: about 7, 15, 25 or 30 %.
    public enum Correction: String, Sendable, CaseIterable {
        case low = "L", medium = "M", quartile = "Q", high = "H"
    }

    /// 1...40.
    public let version: Int
    public let correction: Correction
    /// The data mask, 0...7: the one with the lowest penalty, or the one asked for.
    public let mask: Int
    /// Modules per side, `17 + 4 * version`, quiet zone not included.
    public let size: Int
    /// Row by row, top to bottom; true = dark.
    private let modules: [Bool]

    /// Encodes `text` as UTF-8 bytes in byte mode (no ECI header), at the smallest version that fits
    /// (at least `minimumVersion`), choosing the mask with the lowest penalty score (the four
    /// standard penalty rules N1..N4) unless `mask` forces one.
    ///
    /// Empty text is refused (a symbol that says nothing is a caller's mistake), and so is text
    /// longer than version 40 holds at `correction` (2,953 bytes at L, 1,273 at H).
    public static func encode(
        _ text: String, correction: Correction = .medium, minimumVersion: Int = 1, mask: Int? = nil
    ) throws(BarcodeError) -> QRCode {
        guard (1...40).contains(minimumVersion) else {
            throw .invalidInput("QR code version \(minimumVersion) does not exist (1–40)")
        }
        if let mask, !(0...7).contains(mask) {
            throw .invalidInput("QR code mask \(mask) does not exist (0–7)")
        }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .emptyInput }
        guard let version = (minimumVersion...40).first(where: { bytes.count <= byteCapacity(version: $0, correction: correction) })
        else {
            throw .capacityExceeded(
                what: "QR code (level \(correction.rawValue), version 40)",
                maximum: byteCapacity(version: 40, correction: correction), actual: bytes.count)
        }
        let codewords = interleave(dataCodewords(bytes, version: version, correction: correction), version: version, correction: correction)
        var grid = QRGrid(version: version)
        grid.place(codewords)
        let chosen = mask ?? grid.bestMask()
        grid.applyMask(chosen)
        grid.drawFormat(formatBits(correction, mask: chosen))
        if version >= 7 { grid.drawVersion(versionBits(version)) }
        grid.setFunction(x: 8, y: grid.size - 8, dark: true)  // the dark module
        return QRCode(version: version, correction: correction, mask: chosen, size: grid.size, modules: grid.dark)
    }

    /// Module at column x, row y (0-based, no quiet zone): true = dark. Outside the symbol: false,
    /// as the quiet zone is light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard (0..<size).contains(x), (0..<size).contains(y) else { return false }
        return modules[y * size + x]
    }

    /// Rows of "1"/"0" characters, top to bottom (for tests and the codec tool).
    public var rows: [String] {
        (0..<size).map { y in String((0..<size).map { x -> Character in modules[y * size + x] ? "1" : "0" }) }
    }

    /// A standalone SVG: one <path> of dark modules, `quietZone` light modules around, each module `moduleSize` units.
    ///
    /// A white background is drawn under the path, so the code stays readable on a dark page.
    public func svg(moduleSize: Int = 8, quietZone: Int = 4) -> String {
        let unit = max(1, moduleSize)
        let margin = max(0, quietZone)
        let side = (size + 2 * margin) * unit
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard modules[y * size + x] else {
                    x += 1
                    continue
                }
                let start = x
                while x < size && modules[y * size + x] { x += 1 }
                let width = (x - start) * unit
                path += "M\((start + margin) * unit),\((y + margin) * unit)h\(width)v\(unit)h-\(width)z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(side)" height="\(side)" viewBox="0 0 \(side) \(side)" \
            shape-rendering="crispEdges"><rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/></svg>

            """
    }
}
