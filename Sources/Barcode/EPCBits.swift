// A fixed 96-bit buffer with big-endian bit-field access and hex conversion.
// Twelve bytes are enough; no arbitrary-precision arithmetic is needed.

struct EPCBits: Hashable {
    private(set) var bytes: [UInt8]

    init() { bytes = Array(repeating: 0, count: 12) }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The unsigned integer in bits `offset ..< offset + width` (MSB first), width ≤ 64.
    func read(_ offset: Int, _ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for bit in offset..<(offset + width) {
            value = value << 1 | UInt64(bytes[bit >> 3] >> (7 - UInt8(bit & 7)) & 1)
        }
        return value
    }

    /// Writes the low `width` bits of `value` at `offset` (MSB first).
    mutating func write(_ value: UInt64, _ offset: Int, _ width: Int) {
        for index in 0..<width {
            let bit = offset + index
            let mask = UInt8(1) << (7 - UInt8(bit & 7))
            if value >> UInt64(width - 1 - index) & 1 == 1 {
                bytes[bit >> 3] |= mask
            } else {
                bytes[bit >> 3] &= ~mask
            }
        }
    }

    /// Upper-case hex.
    var hex: String { bytes.map(ASCII.hex).joined() }

    /// Bytes of a hex string (either case), or the offset of the first bad character.
    static func bytes(fromHex text: some Collection<UInt8>) -> Result<[UInt8], BarcodeError> {
        var result: [UInt8] = []
        result.reserveCapacity(text.count / 2)
        var high: UInt8 = 0
        for (offset, character) in text.enumerated() {
            let nibble: UInt8
            switch character {
            case 0x30...0x39: nibble = character - 0x30
            case 0x41...0x46: nibble = character - 0x41 + 10
            case 0x61...0x66: nibble = character - 0x61 + 10
            default: return .failure(.invalidHex(position: offset))
            }
            if offset % 2 == 0 { high = nibble } else { result.append(high << 4 | nibble) }
        }
        return .success(result)
    }
}
