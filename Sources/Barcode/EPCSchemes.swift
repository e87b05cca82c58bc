// The four 96-bit GS1 EPC schemes this server decodes (spec §4.2) and their
// partition tables. Company-prefix digits are 12 − P in all four; the number of
// bits and digits of the field after the prefix depends on the scheme.

/// A supported 96-bit EPC binary scheme.
public enum EPCScheme: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case sgtin96 = "sgtin-96"
    case sscc96 = "sscc-96"
    case grai96 = "grai-96"
    case giai96 = "giai-96"

    /// The 8-bit header that starts the EPC.
    public var header: UInt8 {
        switch self {
        case .sgtin96: 0x30
        case .sscc96: 0x31
        case .grai96: 0x33
        case .giai96: 0x34
        }
    }

    /// The scheme for a header, nil for every other header (SGTIN-198, SGLN, GID, …).
    public init?(header: UInt8) {
        guard let scheme = EPCScheme.allCases.first(where: { $0.header == header }) else { return nil }
        self = scheme
    }

    /// The scheme named `sgtin-96` etc. (ASCII case ignored).
    public init?(name: String) {
        self.init(rawValue: ASCII.lowercased(name))
    }

    /// The name used in pure identity URIs: `sgtin`, `sscc`, `grai`, `giai`.
    public var identityName: String { String(rawValue.prefix(while: { $0 != "-" })) }

    public var description: String { rawValue }

    /// Bits of the field after the company prefix, by partition value 0…6.
    var referenceBits: [Int] {
        switch self {
        case .sgtin96, .grai96: [4, 7, 10, 14, 17, 20, 24]
        case .sscc96: [18, 21, 24, 28, 31, 34, 38]
        case .giai96: [42, 45, 48, 52, 55, 58, 62]
        }
    }

    /// Digits of the field after the company prefix (for GIAI: the maximum).
    func referenceDigits(partition: Int) -> Int {
        switch self {
        case .sgtin96: partition + 1
        case .sscc96: partition + 5
        case .grai96: partition
        case .giai96: partition + 13
        }
    }

    /// Bits that follow the reference: the 38-bit serial, SSCC's 24 reserved bits, none for GIAI.
    var trailingBits: Int {
        switch self {
        case .sgtin96, .grai96: 38
        case .sscc96: 24
        case .giai96: 0
        }
    }

    /// Whether the reference is a plain integer (GIAI) rather than a zero-padded digit string.
    var referenceIsInteger: Bool { self == .giai96 }
}

enum EPCPartition {
    static let companyPrefixBits = [40, 37, 34, 30, 27, 24, 20]
    static func companyPrefixDigits(_ partition: Int) -> Int { 12 - partition }
    /// 2^38: serials of SGTIN-96 and GRAI-96 must stay below it.
    static let serialLimit: UInt64 = 1 << 38
}
