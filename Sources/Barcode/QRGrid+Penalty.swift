// The mask penalty of ISO/IEC 18004:2015 §7.8.3, scored the way segno scores it so that both
// pick the same mask for the same data.

extension QRGrid {
    /// dark, light, dark, dark, dark, light, dark: what a finder pattern looks like across its middle.
    private static let finderLike = [true, false, true, true, true, false, true]

    /// N1 (runs of five or more, 3 + the excess), N2 (3 per 2×2 block of one colour), N3 (40 per
    /// finder-like pattern) and N4 (10 per full 5 % that the dark share is off 50 %).
    func penalty() -> Int {
        var score = 0
        for i in 0..<size {
            score += linePenalty(start: i * size, step: 1)  // row i
            score += linePenalty(start: i, step: size)  // column i
        }
        for y in 0..<size - 1 {
            for x in 0..<size - 1 {
                let i = y * size + x
                let colour = dark[i]
                if colour == dark[i + 1] && colour == dark[i + size] && colour == dark[i + size + 1] { score += 3 }
            }
        }
        let darkCount = dark.reduce(0) { $0 + ($1 ? 1 : 0) }
        let total = size * size
        score += 10 * (abs(darkCount * 20 - total * 10) / total)
        return score
    }

    /// N1 and N3 along one row or column. A finder-like pattern counts when four light modules
    /// (or the symbol's edge) come before or after it; once counted, its modules start no other.
    private func linePenalty(start: Int, step: Int) -> Int {
        func module(_ i: Int) -> Bool { dark[start + i * step] }
        var score = 0
        var run = 0
        for i in 0..<size {
            if i > 0 && module(i) == module(i - 1) {
                run += 1
            } else {
                if run >= 5 { score += run - 2 }
                run = 1
            }
        }
        if run >= 5 { score += run - 2 }
        var i = 0
        while i + 7 <= size {
            if (0..<7).allSatisfy({ module(i + $0) == Self.finderLike[$0] }) {
                let lightBefore = (max(0, i - 4)..<i).allSatisfy { !module($0) }
                let lightAfter = (i + 7..<min(size, i + 11)).allSatisfy { !module($0) }
                if lightBefore || lightAfter {
                    score += 40
                    i += 7
                    continue
                }
            }
            i += 1
        }
        return score
    }
}
