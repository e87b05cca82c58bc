// The QR symbol while it is built: function patterns, codeword placement, masking and the
// penalty that picks the mask (ISO/IEC 18004:2015 §6.3, §7.7–7.10).

/// Module colours and which modules belong to function patterns (never masked, never data).
///
/// Format and version information and the dark module are reserved light at first and drawn
/// only after masking, as segno does: the penalty is scored without them, so both choose the
/// same mask (the standard leaves this open; every mask reads the same).
struct QRGrid {
    let size: Int
    /// Row by row; true = dark.
    private(set) var dark: [Bool]
    private var isFunction: [Bool]

    init(version: Int) {
        size = 17 + 4 * version
        dark = Array(repeating: false, count: size * size)
        isFunction = Array(repeating: false, count: size * size)
        for i in 0..<size {
            setFunction(x: 6, y: i, dark: i % 2 == 0)
            setFunction(x: i, y: 6, dark: i % 2 == 0)
        }
        drawFinder(centerX: 3, centerY: 3)
        drawFinder(centerX: size - 4, centerY: 3)
        drawFinder(centerX: 3, centerY: size - 4)
        let positions = Self.alignmentPositions(version: version)
        let last = positions.count - 1
        for (i, y) in positions.enumerated() {
            for (j, x) in positions.enumerated() {
                let onFinder = (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0)
                if !onFinder { drawAlignment(centerX: x, centerY: y) }
            }
        }
        drawFormat(0)
        if version >= 7 { drawVersion(0) }
        setFunction(x: 8, y: size - 8, dark: false)
    }

    /// Centres of the alignment patterns on each axis (ISO/IEC 18004 Annex E): from 6 to
    /// `size - 7`, evenly spaced by an even step counted back from the last; version 32 is the
    /// table's one exception.
    static func alignmentPositions(version: Int) -> [Int] {
        guard version > 1 else { return [] }
        let count = version / 7 + 2
        let last = 4 * version + 10
        let step = version == 32 ? 26 : (4 * version + 2 * count + 1) / (2 * count - 2) * 2
        return [6] + (0..<count - 1).map { last - step * (count - 2 - $0) }
    }

    mutating func setFunction(x: Int, y: Int, dark isDark: Bool) {
        dark[y * size + x] = isDark
        isFunction[y * size + x] = true
    }

    /// A finder pattern with its light separator, clipped at the symbol's edge.
    private mutating func drawFinder(centerX: Int, centerY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centerX + dx, y = centerY + dy
                guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                let distance = max(abs(dx), abs(dy))
                setFunction(x: x, y: y, dark: distance != 2 && distance != 4)
            }
        }
    }

    private mutating func drawAlignment(centerX: Int, centerY: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                setFunction(x: centerX + dx, y: centerY + dy, dark: max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    /// Bit 0 is the least significant: down column 8 beside the top-left finder and then left
    /// along row 8; the copy runs left along row 8 from the right edge, then down column 8.
    mutating func drawFormat(_ bits: Int) {
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { setFunction(x: 8, y: i, dark: bit(i)) }
        setFunction(x: 8, y: 7, dark: bit(6))
        setFunction(x: 8, y: 8, dark: bit(7))
        setFunction(x: 7, y: 8, dark: bit(8))
        for i in 9..<15 { setFunction(x: 14 - i, y: 8, dark: bit(i)) }
        for i in 0..<8 { setFunction(x: size - 1 - i, y: 8, dark: bit(i)) }
        for i in 8..<15 { setFunction(x: 8, y: size - 15 + i, dark: bit(i)) }
    }

    /// Two 6×3 blocks: above the bottom-left finder and its mirror left of the top-right one.
    mutating func drawVersion(_ bits: Int) {
        for i in 0..<18 {
            let isDark = (bits >> i) & 1 == 1
            let a = size - 11 + i % 3, b = i / 3
            setFunction(x: a, y: b, dark: isDark)
            setFunction(x: b, y: a, dark: isDark)
        }
    }

    /// The codewords' bits, most significant first, up and down two-module columns from the
    /// right, skipping function modules and the vertical timing column. Modules left over are the
    /// remainder bits (light).
    mutating func place(_ codewords: [UInt8]) {
        let bitCount = codewords.count * 8
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for vertical in 0..<size {
                let y = upward ? size - 1 - vertical : vertical
                for x in [right, right - 1] where !isFunction[y * size + x] && index < bitCount {
                    dark[y * size + x] = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
    }

    /// Mask patterns of ISO/IEC 18004 Table 10, with i = row (y) and j = column (x).
    static func maskBit(_ mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && Self.maskBit(mask, x: x, y: y) {
                dark[y * size + x].toggle()
            }
        }
    }

    /// The mask with the lowest penalty; the lowest number on a tie.
    func bestMask() -> Int {
        var best = 0
        var bestScore = Int.max
        for mask in 0..<8 {
            var trial = self
            trial.applyMask(mask)
            let score = trial.penalty()
            if score < bestScore {
                best = mask
                bestScore = score
            }
        }
        return best
    }
}
