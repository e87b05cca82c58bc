// From the text's bytes to the final codeword sequence: byte-mode data, padding, blocks,
// Reed–Solomon error correction and interleaving; and the protected format and version words
// (ISO/IEC 18004:2015 §7.4–7.6, §7.9–7.10).

extension QRCode.Correction {
    /// The two bits the format information gives the level (ISO/IEC 18004 Table 12).
    var formatBits: Int {
        switch self {
        case .low: 1
        case .medium: 0
        case .quartile: 3
        case .high: 2
        }
    }

    /// Row of the block tables below.
    var tableRow: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }
}

extension QRCode {
    /// Error correction codewords per block, by level (L, M, Q, H) and version 1...40 (ISO/IEC 18004 Table 9).
    static let eccPerBlock: [[Int]] = [
        [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    /// Number of blocks, by level and version; the same table's other column.
    static let blockCount: [[Int]] = [
        [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]

    /// Modules left for codewords once the function patterns, format and version areas are taken
    /// (finders, separators, timing and alignment patterns counted in closed form).
    static func rawModules(version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    static func dataCodewordCount(version: Int, correction: Correction) -> Int {
        let row = correction.tableRow
        return rawModules(version: version) / 8 - eccPerBlock[row][version - 1] * blockCount[row][version - 1]
    }

    /// Bytes that fit after the byte-mode header (4-bit mode, 8- or 16-bit count).
    static func byteCapacity(version: Int, correction: Correction) -> Int {
        let header = 4 + (version <= 9 ? 8 : 16)
        return (dataCodewordCount(version: version, correction: correction) * 8 - header) / 8
    }

    /// Mode indicator, byte count, the bytes, up to four terminator zeros, zeros to the byte
    /// boundary, then 0xEC 0x11 alternately to the data capacity (ISO/IEC 18004 §7.4).
    static func dataCodewords(_ bytes: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let capacity = dataCodewordCount(version: version, correction: correction)
        var bits: [Bool] = []
        func append(_ value: Int, count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) }
        }
        append(0b0100, count: 4)
        append(bytes.count, count: version <= 9 ? 8 : 16)
        for byte in bytes { append(Int(byte), count: 8) }
        append(0, count: min(4, capacity * 8 - bits.count))
        append(0, count: (8 - bits.count % 8) % 8)
        var codewords: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { start in
            (start..<start + 8).reduce(UInt8(0)) { value, i in value << 1 | (bits[i] ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad ^= 0xEC ^ 0x11
        }
        return codewords
    }

    /// Splits the data into the version's blocks (the last ones one codeword longer), adds each
    /// block's Reed–Solomon codewords and interleaves: data column by column, then error
    /// correction likewise (ISO/IEC 18004 §7.6).
    static func interleave(_ data: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let blocks = blockCount[correction.tableRow][version - 1]
        let eccCount = eccPerBlock[correction.tableRow][version - 1]
        let total = rawModules(version: version) / 8
        let shortLength = total / blocks - eccCount
        let longBlocks = total % blocks
        let divisor = ReedSolomon.generator(degree: eccCount)
        var dataBlocks: [ArraySlice<UInt8>] = []
        var eccBlocks: [[UInt8]] = []
        var start = 0
        for index in 0..<blocks {
            let length = shortLength + (index >= blocks - longBlocks ? 1 : 0)
            let block = data[start..<start + length]
            start += length
            dataBlocks.append(block)
            eccBlocks.append(ReedSolomon.remainder(block, generator: divisor))
        }
        var result: [UInt8] = []
        result.reserveCapacity(total)
        for column in 0...shortLength {
            for block in dataBlocks where column < block.count { result.append(block[block.startIndex + column]) }
        }
        for column in 0..<eccCount {
            for ecc in eccBlocks { result.append(ecc[column]) }
        }
        return result
    }

    /// The level and mask, protected by BCH(15,5) and XORed with 0x5412 so it is never all light.
    static func formatBits(_ correction: Correction, mask: Int) -> Int {
        let data = correction.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        return (data << 10 | remainder) ^ 0x5412
    }

    /// The version, protected by BCH(18,6); drawn from version 7 on.
    static func versionBits(_ version: Int) -> Int {
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        return version << 12 | remainder
    }
}
