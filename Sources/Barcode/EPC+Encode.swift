// Building a 96-bit EPC from a pure identity URI, a scheme and a filter value
// (spec §4.3). The 96-bit forms carry numeric serials only: a serial with
// letters, leading zeros or a value of 2^38 or more is refused, never truncated.

extension EPC {
    /// Reads `urn:epc:id:{sgtin|sscc|grai|giai}:…` for the given binary scheme.
    /// The company-prefix length (6–12 digits) fixes the partition.
    public init(pureIdentityURI uri: String, scheme: EPCScheme, filter: Int) throws(BarcodeError) {
        guard (0...7).contains(filter) else { throw .invalidFilter(filter) }
        let prefix = "urn:epc:id:"
        guard uri.hasPrefix(prefix) else { throw .invalidURI(uri: uri, reason: "must start with \(prefix)") }
        let rest = uri.dropFirst(prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { throw .invalidURI(uri: uri, reason: "no scheme name") }
        guard rest[..<colon] == scheme.identityName else {
            throw .schemeMismatch(requested: scheme.rawValue, uri: uri)
        }
        // The serial (and a GIAI reference) may legally contain dots in other
        // schemes; keep everything after the fixed parts together.
        let fixedParts = scheme == .sgtin96 || scheme == .grai96 ? 2 : 1
        let body = rest[rest.index(after: colon)...]
        let parts = body.split(separator: ".", maxSplits: fixedParts, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == fixedParts + 1 else {
            throw .invalidURI(uri: uri, reason: "expected \(fixedParts + 1) dot-separated parts")
        }
        let companyPrefix = parts[0]
        guard ASCII.firstNonDigit(companyPrefix) == nil, (6...12).contains(companyPrefix.utf8.count) else {
            throw .invalidURI(uri: uri, reason: "company prefix must be 6 to 12 digits")
        }
        let partition = 12 - companyPrefix.utf8.count
        let reference = parts[1]
        var serial: String?
        switch scheme {
        case .sgtin96, .sscc96, .grai96:
            let total = scheme == .sgtin96 ? 13 : scheme == .sscc96 ? 17 : 12
            guard ASCII.firstNonDigit(reference) == nil, companyPrefix.utf8.count + reference.utf8.count == total else {
                throw .invalidURI(uri: uri, reason: "company prefix and \(Self.referenceName(scheme)) must be \(total) digits together")
            }
            if scheme != .sscc96 {
                serial = parts[2]
                try Self.checkInteger(parts[2], limit: EPCPartition.serialLimit, limitText: "2^38")
            }
        case .giai96:
            let maximumDigits = scheme.referenceDigits(partition: partition)
            guard reference.utf8.count <= maximumDigits else {
                throw .invalidSerial(serial: reference, reason: "more than \(maximumDigits) digits for a \(companyPrefix.utf8.count)-digit company prefix")
            }
            let bits = scheme.referenceBits[partition]
            try Self.checkInteger(reference, limit: UInt64(1) << UInt64(bits), limitText: "2^\(bits)")
        }
        self.init(
            scheme: scheme, filter: filter, partition: partition, companyPrefix: companyPrefix,
            reference: reference, serial: serial)
    }

    /// A plain integer: digits only, no leading zero (except `0`), below `limit`.
    static func checkInteger(_ text: String, limit: UInt64, limitText: String) throws(BarcodeError) {
        guard !text.isEmpty else { throw .invalidSerial(serial: text, reason: "empty") }
        guard ASCII.firstNonDigit(text) == nil else { throw .invalidSerial(serial: text, reason: "not all digits") }
        guard text == "0" || !text.hasPrefix("0") else { throw .invalidSerial(serial: text, reason: "leading zero") }
        guard text.utf8.count <= 19, let value = UInt64(text), value < limit else {
            throw .invalidSerial(serial: text, reason: "not below \(limitText)")
        }
    }
}
