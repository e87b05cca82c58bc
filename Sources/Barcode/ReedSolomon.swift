// Reed–Solomon error correction as QR Code uses it (ISO/IEC 18004:2015 §7.5.2).

/// Reed–Solomon over GF(256) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D), generator roots α⁰…αⁿ⁻¹.
enum ReedSolomon {
    /// αⁱ for i in 0..<510 (twice round, so a sum of two logarithms needs no modulo).
    static let power: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var x = 1
        for i in 0..<255 {
            table[i] = UInt8(x)
            table[i + 255] = UInt8(x)
            x <<= 1
            if x >= 256 { x ^= 0x11D }
        }
        return table
    }()

    /// The inverse of `power` (the logarithm of 0 is never looked up).
    static let logarithm: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for i in 0..<255 { table[Int(ReedSolomon.power[i])] = i }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        a == 0 || b == 0 ? 0 : power[logarithm[Int(a)] + logarithm[Int(b)]]
    }

    /// The generator's coefficients, highest degree first, without the leading 1.
    static func generator(degree: Int) -> [UInt8] {
        var polynomial: [UInt8] = [1]
        for i in 0..<degree {
            var next = [UInt8](repeating: 0, count: polynomial.count + 1)
            for (j, coefficient) in polynomial.enumerated() {
                next[j] ^= coefficient
                next[j + 1] ^= multiply(coefficient, power[i])
            }
            polynomial = next
        }
        return Array(polynomial.dropFirst())
    }

    /// The remainder of data × xⁿ divided by the generator: the block's error correction codewords.
    static func remainder(_ data: ArraySlice<UInt8>, generator: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ result[0]
            result.removeFirst()
            result.append(0)
            for j in result.indices { result[j] ^= multiply(generator[j], factor) }
        }
        return result
    }
}
