extension Sequence where Element == UInt8 {
    /// The bytes as hexadecimal digits, two per byte (`[0x0a, 0xff]` → `"0aff"`), written in one
    /// pass: digests and keys are printed on hot paths (every authenticated call).
    @inlinable public func hexDigits(uppercase: Bool = false) -> String {
        let digits: StaticString = uppercase ? "0123456789ABCDEF" : "0123456789abcdef"
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        digits.withUTF8Buffer { table in
            for byte in self {
                out.append(table[Int(byte >> 4)])
                out.append(table[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
