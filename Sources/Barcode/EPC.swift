// A decoded (or encodable) 96-bit GS1 EPC and the representations derived from
// it: pure identity URI, tag URI, GS1 key and GS1 element string (spec §4.3).

/// One SGTIN-96, SSCC-96, GRAI-96 or GIAI-96 identifier with its filter value.
///
/// Filter values 0–7 are all accepted and reported as they are, including the
/// ones the standard reserves (e.g. SGTIN 3 and 5): readers meet such tags and
/// the value does not change the identity. Callers that route by filter decide.
public struct EPC: Sendable, Hashable {
    public let scheme: EPCScheme
    /// 0–7.
    public let filter: Int
    /// 0–6: the split between company prefix and reference (prefix digits = 12 − P).
    public let partition: Int
    /// The GS1 company prefix, zero-padded to 12 − P digits.
    public let companyPrefix: String
    /// SGTIN: indicator digit + item reference; SSCC: extension digit + serial
    /// reference; GRAI: asset type (empty when P = 0); GIAI: individual asset
    /// reference (an integer, no leading zeros).
    public let reference: String
    /// SGTIN-96 and GRAI-96: the numeric serial (no leading zeros); nil otherwise.
    public let serial: String?
    /// SSCC-96 only: the 24 reserved bits were not zero. They are ignored; worth a log line.
    public let reservedBitsNonZero: Bool

    init(
        scheme: EPCScheme, filter: Int, partition: Int, companyPrefix: String, reference: String,
        serial: String?, reservedBitsNonZero: Bool = false
    ) {
        self.scheme = scheme
        self.filter = filter
        self.partition = partition
        self.companyPrefix = companyPrefix
        self.reference = reference
        self.serial = serial
        self.reservedBitsNonZero = reservedBitsNonZero
    }

    /// `urn:epc:id:sgtin:6901234.056789.1` etc.
    public var pureIdentityURI: String {
        "urn:epc:id:" + scheme.identityName + ":" + uriBody
    }

    /// `urn:epc:tag:sgtin-96:1.6901234.056789.1` etc.
    public var tagURI: String {
        "urn:epc:tag:" + scheme.rawValue + ":" + String(filter) + "." + uriBody
    }

    private var uriBody: String {
        var body = companyPrefix + "." + reference
        if let serial { body += "." + serial }
        return body
    }

    /// SGTIN: the GTIN-14; SSCC: the 18-digit SSCC; GRAI: the 13-digit GRAI
    /// (with check digit) followed by the serial; GIAI: prefix + asset reference.
    public var gs1Key: String {
        switch scheme {
        case .sgtin96, .sscc96:
            // The indicator / extension digit moves in front of the company prefix.
            let body = String(reference.prefix(1)) + companyPrefix + String(reference.dropFirst())
            return body + String(CheckDigit.gs1(bytes: Array(body.utf8)))
        case .grai96:
            let body = companyPrefix + reference
            return body + String(CheckDigit.gs1(bytes: Array(body.utf8))) + (serial ?? "")
        case .giai96:
            return companyPrefix + reference
        }
    }

    /// `(01)…(21)…`, `(00)…`, `(8003)0…`, `(8004)…`.
    public var gs1ElementString: String {
        switch scheme {
        case .sgtin96: "(01)" + gs1Key + "(21)" + (serial ?? "")
        case .sscc96: "(00)" + gs1Key
        case .grai96: "(8003)0" + gs1Key
        case .giai96: "(8004)" + gs1Key
        }
    }

    /// The 96-bit binary form as 24 upper-case hex digits.
    public var hex: String {
        var bits = EPCBits()
        let prefixBits = EPCPartition.companyPrefixBits[partition]
        let referenceBits = scheme.referenceBits[partition]
        bits.write(UInt64(scheme.header), 0, 8)
        bits.write(UInt64(filter), 8, 3)
        bits.write(UInt64(partition), 11, 3)
        bits.write(UInt64(companyPrefix) ?? 0, 14, prefixBits)
        bits.write(UInt64(reference) ?? 0, 14 + prefixBits, referenceBits)
        if let serial { bits.write(UInt64(serial) ?? 0, 58, 38) }
        return bits.hex
    }
}
