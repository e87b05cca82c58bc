// Reading a 96-bit EPC from reader hex (spec §4.1–§4.2). Partition 7 and
// fields with more digits than their partition allows are refused — some
// libraries let them through and print nonsense keys.

/// Whether reader hex starts with the Gen2 protocol-control (PC) word.
public enum ProtocolControlWord: Sendable, Hashable {
    /// The hex is the EPC alone (24 digits).
    case absent
    /// The hex starts with a PC word, which must announce a 96-bit GS1 EPC.
    case present
    /// Strip a leading PC word when the hex has 28 digits and the first word
    /// announces a 96-bit GS1 EPC (length 6 words, toggle 0); otherwise `.absent`.
    case detect
}

extension EPC {
    /// Decodes reader hex (either case).
    public init(hex text: String, protocolControl: ProtocolControlWord = .absent) throws(BarcodeError) {
        guard !text.isEmpty else { throw .emptyInput }
        var bytes = try EPCBits.bytes(fromHex: text.utf8).get()
        let digits = text.utf8.count
        if digits % 2 != 0 {
            throw .wrongLength(what: "EPC-96 hex", expected: "24", actual: digits)
        }
        switch protocolControl {
        case .absent:
            break
        case .present:
            guard bytes.count >= 2 else { throw .wrongLength(what: "PC word + EPC-96 hex", expected: "28", actual: digits) }
            guard Self.announces96BitEPC(bytes[0], bytes[1]) else {
                throw .invalidProtocolControl(word: ASCII.hex(bytes[0]) + ASCII.hex(bytes[1]))
            }
            bytes.removeFirst(2)
        case .detect:
            if bytes.count == 14, Self.announces96BitEPC(bytes[0], bytes[1]) { bytes.removeFirst(2) }
        }
        guard let header = bytes.first else { throw .emptyInput }
        guard let scheme = EPCScheme(header: header) else {
            throw .unsupportedScheme(header: ASCII.hex(header), hex: bytes.map(ASCII.hex).joined())
        }
        guard bytes.count == 12 else {
            throw .wrongLength(what: "EPC-96 hex", expected: "24", actual: bytes.count * 2)
        }
        try self.init(scheme: scheme, bits: EPCBits(bytes: bytes))
    }

    /// PC word: top 5 bits = EPC length in 16-bit words (6 for 96 bits); bit 8 is
    /// the toggle, 0 for a GS1 EPC.
    static func announces96BitEPC(_ high: UInt8, _ low: UInt8) -> Bool {
        high >> 3 == 6 && high & 0x01 == 0
    }

    private init(scheme: EPCScheme, bits: EPCBits) throws(BarcodeError) {
        let filter = Int(bits.read(8, 3))
        let partition = Int(bits.read(11, 3))
        guard partition < 7 else { throw .invalidPartition(partition) }
        let prefixBits = EPCPartition.companyPrefixBits[partition]
        let prefixDigits = EPCPartition.companyPrefixDigits(partition)
        let referenceBits = scheme.referenceBits[partition]
        let referenceDigits = scheme.referenceDigits(partition: partition)

        let prefixValue = bits.read(14, prefixBits)
        let companyPrefix = ASCII.padded(prefixValue, width: prefixDigits)
        guard companyPrefix.utf8.count == prefixDigits else {
            throw .fieldOutOfRange(field: "company prefix", value: companyPrefix, maximumDigits: prefixDigits)
        }
        let referenceValue = bits.read(14 + prefixBits, referenceBits)
        let reference: String
        if scheme.referenceIsInteger {
            reference = String(referenceValue)
        } else if referenceDigits == 0 {
            reference = ""
        } else {
            reference = ASCII.padded(referenceValue, width: referenceDigits)
        }
        guard reference.utf8.count <= referenceDigits, referenceDigits > 0 || referenceValue == 0 else {
            throw .fieldOutOfRange(field: Self.referenceName(scheme), value: String(referenceValue), maximumDigits: referenceDigits)
        }
        var serial: String?
        var reservedBitsNonZero = false
        switch scheme {
        case .sgtin96, .grai96: serial = String(bits.read(58, 38))
        case .sscc96: reservedBitsNonZero = bits.read(72, 24) != 0
        case .giai96: break
        }
        self.init(
            scheme: scheme, filter: filter, partition: partition, companyPrefix: companyPrefix,
            reference: reference, serial: serial, reservedBitsNonZero: reservedBitsNonZero)
    }

    static func referenceName(_ scheme: EPCScheme) -> String {
        switch scheme {
        case .sgtin96: "item reference"
        case .sscc96: "serial reference"
        case .grai96: "asset type"
        case .giai96: "individual asset reference"
        }
    }
}
