import Testing

@testable import Barcode

@Suite("EPC-96: decoding")
struct EPCDecodeTests {
    @Test func specWorkedExample() throws {
        let epc = try EPC(hex: "3035A537C837754000000001")
        #expect(epc.scheme == .sgtin96)
        #expect(epc.filter == 1)
        #expect(epc.partition == 5)
        #expect(epc.companyPrefix == "6901234")
        #expect(epc.reference == "056789")
        #expect(epc.serial == "1")
        #expect(epc.pureIdentityURI == "urn:epc:id:sgtin:6901234.056789.1")
        #expect(epc.tagURI == "urn:epc:tag:sgtin-96:1.6901234.056789.1")
        #expect(epc.gs1Key == "06901234567892")
        #expect(epc.gs1ElementString == "(01)06901234567892(21)1")
        #expect(epc.hex == "3035A537C837754000000001")
    }

    @Test func lowerCaseHexAndSixDigitPrefix() throws {
        let epc = try EPC(hex: "303aa1f2defd100000000000")
        #expect(epc.tagURI == "urn:epc:tag:sgtin-96:1.690123.8123456.0")
        #expect(epc.gs1Key == "86901231234564")
        #expect(epc.hex == "303AA1F2DEFD100000000000")
    }

    @Test func sscc() throws {
        let epc = try EPC(hex: "31D5A537C800003039000000")
        #expect(epc.scheme == .sscc96)
        #expect(epc.filter == 6)
        #expect(epc.pureIdentityURI == "urn:epc:id:sscc:6901234.0000012345")
        #expect(epc.tagURI == "urn:epc:tag:sscc-96:6.6901234.0000012345")
        #expect(epc.gs1Key == "069012340000123456")
        #expect(epc.gs1ElementString == "(00)069012340000123456")
        #expect(epc.serial == nil)
        #expect(!epc.reservedBitsNonZero)
        #expect(try EPC(hex: "31D5A537C800003039000001").reservedBitsNonZero)
    }

    @Test func grai() throws {
        let epc = try EPC(hex: "3315A537C80C0E4000000190")
        #expect(epc.pureIdentityURI == "urn:epc:id:grai:6901234.12345.400")
        #expect(epc.tagURI == "urn:epc:tag:grai-96:0.6901234.12345.400")
        #expect(epc.gs1Key == "6901234123456400")
        #expect(epc.gs1ElementString == "(8003)06901234123456400")
    }

    @Test func graiWithEmptyAssetType() throws {
        let epc = try EPC(hex: "330282BA4104540000000007")
        #expect(epc.partition == 0)
        #expect(epc.pureIdentityURI == "urn:epc:id:grai:690123456789..7")
        #expect(epc.gs1Key == "69012345678927")
        #expect(epc.gs1ElementString == "(8003)069012345678927")
    }

    @Test func giai() throws {
        let epc = try EPC(hex: "3435A537C80000000000162E")
        #expect(epc.filter == 1)
        #expect(epc.pureIdentityURI == "urn:epc:id:giai:6901234.5678")
        #expect(epc.tagURI == "urn:epc:tag:giai-96:1.6901234.5678")
        #expect(epc.gs1Key == "69012345678")
        #expect(epc.gs1ElementString == "(8004)69012345678")
    }

    @Test func partitionSevenIsRejected() {
        #expect(throws: BarcodeError.invalidPartition(7)) { try EPC(hex: "303EA1F2DEFD100000000000") }
        #expect(throws: BarcodeError.invalidPartition(7)) { try EPC(hex: "343EA1F2DEFD100000000000") }
    }

    @Test func badLengthsAndCharacters() {
        #expect(throws: BarcodeError.wrongLength(what: "EPC-96 hex", expected: "24", actual: 22)) {
            try EPC(hex: "3035A537C8377540000000")
        }
        #expect(throws: BarcodeError.wrongLength(what: "EPC-96 hex", expected: "24", actual: 23)) {
            try EPC(hex: "3035A537C83775400000000")
        }
        #expect(throws: BarcodeError.invalidHex(position: 23)) { try EPC(hex: "3035A537C83775400000000G") }
        #expect(throws: BarcodeError.emptyInput) { try EPC(hex: "") }
    }

    @Test func unsupportedHeadersKeepTheRawHex() {
        #expect(throws: BarcodeError.unsupportedScheme(header: "36", hex: "3614257BF7194E4000003039")) {
            try EPC(hex: "3614257bf7194e4000003039")
        }
        #expect(throws: BarcodeError.unsupportedScheme(header: "E2", hex: "E28011602000")) { try EPC(hex: "E28011602000") }
        #expect(throws: BarcodeError.unsupportedScheme(header: "00", hex: "000000000000000000000000")) {
            try EPC(hex: "000000000000000000000000")
        }
    }

    @Test func fieldsWithTooManyDigits() {
        func hex(_ header: UInt64, partition: UInt64, prefixBits: Int, prefix: UInt64, reference: UInt64) -> String {
            var bits = EPCBits()
            bits.write(header, 0, 8)
            bits.write(partition, 11, 3)
            bits.write(prefix, 14, prefixBits)
            bits.write(reference, 14 + prefixBits, 10)
            return bits.hex
        }
        #expect(throws: BarcodeError.fieldOutOfRange(field: "company prefix", value: "1000000", maximumDigits: 6)) {
            try EPC(hex: hex(0x30, partition: 6, prefixBits: 20, prefix: 1_000_000, reference: 0))
        }
        var sscc = EPCBits()
        sscc.write(0x31, 0, 8)
        sscc.write(100_000, 54, 18)  // partition 0: 40-bit prefix, 18-bit serial reference
        #expect(throws: BarcodeError.fieldOutOfRange(field: "serial reference", value: "100000", maximumDigits: 5)) {
            try EPC(hex: sscc.hex)
        }
        var grai = EPCBits()
        grai.write(0x33, 0, 8)
        grai.write(1, 54, 4)  // partition 0: the asset type has no digits
        #expect(throws: BarcodeError.fieldOutOfRange(field: "asset type", value: "1", maximumDigits: 0)) {
            try EPC(hex: grai.hex)
        }
    }

    @Test func protocolControlWord() throws {
        let withPC = "3000" + "3035A537C837754000000001"
        #expect(try EPC(hex: withPC, protocolControl: .present).serial == "1")
        #expect(try EPC(hex: withPC, protocolControl: .detect).serial == "1")
        #expect(try EPC(hex: "3035A537C837754000000001", protocolControl: .detect).serial == "1")
        #expect(throws: BarcodeError.wrongLength(what: "EPC-96 hex", expected: "24", actual: 28)) {
            try EPC(hex: withPC)
        }
        #expect(throws: BarcodeError.invalidProtocolControl(word: "4000")) {
            try EPC(hex: "4000" + "3035A537C837754000000001", protocolControl: .present)
        }
    }
}

@Suite("EPC-96: encoding")
struct EPCEncodeTests {
    @Test("round trips", arguments: [
        ("urn:epc:id:sgtin:690123.8123456.0", EPCScheme.sgtin96, 1, "303AA1F2DEFD100000000000"),
        ("urn:epc:id:sgtin:6901234.056789.1", .sgtin96, 1, "3035A537C837754000000001"),
        ("urn:epc:id:sgtin:6901234.056789.274877906943", .sgtin96, 3, "3075A537C837757FFFFFFFFF"),
        ("urn:epc:id:sgtin:690123456789.0.5", .sgtin96, 2, "304282BA4104540000000005"),
        ("urn:epc:id:sscc:6901234.0000012345", .sscc96, 6, "31D5A537C800003039000000"),
        ("urn:epc:id:grai:6901234.12345.400", .grai96, 0, "3315A537C80C0E4000000190"),
        ("urn:epc:id:grai:690123456789..7", .grai96, 0, "330282BA4104540000000007"),
        ("urn:epc:id:giai:6901234.5678", .giai96, 1, "3435A537C80000000000162E"),
    ])
    func roundTrip(uri: String, scheme: EPCScheme, filter: Int, hex: String) throws {
        let epc = try EPC(pureIdentityURI: uri, scheme: scheme, filter: filter)
        #expect(epc.hex == hex)
        let decoded = try EPC(hex: hex)
        #expect(decoded == epc)
        #expect(decoded.pureIdentityURI == uri)
    }

    @Test func serialsThe96BitFormCannotCarry() {
        let base = "urn:epc:id:sgtin:6901234.056789."
        #expect(throws: BarcodeError.invalidSerial(serial: "01", reason: "leading zero")) {
            try EPC(pureIdentityURI: base + "01", scheme: .sgtin96, filter: 1)
        }
        #expect(throws: BarcodeError.invalidSerial(serial: "274877906944", reason: "not below 2^38")) {
            try EPC(pureIdentityURI: base + "274877906944", scheme: .sgtin96, filter: 1)
        }
        #expect(throws: BarcodeError.invalidSerial(serial: "A1", reason: "not all digits")) {
            try EPC(pureIdentityURI: base + "A1", scheme: .sgtin96, filter: 1)
        }
        #expect(throws: BarcodeError.invalidSerial(serial: "", reason: "empty")) {
            try EPC(pureIdentityURI: base, scheme: .sgtin96, filter: 1)
        }
        #expect(throws: BarcodeError.invalidSerial(serial: "007", reason: "leading zero")) {
            try EPC(pureIdentityURI: "urn:epc:id:grai:6901234.12345.007", scheme: .grai96, filter: 0)
        }
    }

    @Test func giaiReferenceLimits() {
        #expect(throws: BarcodeError.invalidSerial(serial: "9999999999999", reason: "not below 2^42")) {
            try EPC(pureIdentityURI: "urn:epc:id:giai:690123456789.9999999999999", scheme: .giai96, filter: 0)
        }
        #expect(throws: BarcodeError.invalidSerial(
            serial: "12345678901234", reason: "more than 13 digits for a 12-digit company prefix")
        ) {
            try EPC(pureIdentityURI: "urn:epc:id:giai:690123456789.12345678901234", scheme: .giai96, filter: 0)
        }
        #expect(throws: BarcodeError.invalidSerial(serial: "0123", reason: "leading zero")) {
            try EPC(pureIdentityURI: "urn:epc:id:giai:6901234.0123", scheme: .giai96, filter: 0)
        }
    }

    @Test func malformedRequests() {
        #expect(throws: BarcodeError.invalidFilter(8)) {
            try EPC(pureIdentityURI: "urn:epc:id:sgtin:6901234.056789.1", scheme: .sgtin96, filter: 8)
        }
        #expect(throws: BarcodeError.schemeMismatch(requested: "sscc-96", uri: "urn:epc:id:sgtin:6901234.056789.1")) {
            try EPC(pureIdentityURI: "urn:epc:id:sgtin:6901234.056789.1", scheme: .sscc96, filter: 0)
        }
        #expect(throws: BarcodeError.invalidURI(uri: "urn:epc:id:sgtin:69012.12345678.1", reason: "company prefix must be 6 to 12 digits")) {
            try EPC(pureIdentityURI: "urn:epc:id:sgtin:69012.12345678.1", scheme: .sgtin96, filter: 1)
        }
        #expect(throws: BarcodeError.invalidURI(
            uri: "urn:epc:id:sgtin:6901234.56789.1", reason: "company prefix and item reference must be 13 digits together")
        ) {
            try EPC(pureIdentityURI: "urn:epc:id:sgtin:6901234.56789.1", scheme: .sgtin96, filter: 1)
        }
        #expect(throws: BarcodeError.invalidURI(uri: "urn:epc:tag:sgtin-96:1.6901234.056789.1", reason: "must start with urn:epc:id:")) {
            try EPC(pureIdentityURI: "urn:epc:tag:sgtin-96:1.6901234.056789.1", scheme: .sgtin96, filter: 1)
        }
    }

    @Test func schemeNames() {
        #expect(EPCScheme(name: "SGTIN-96") == .sgtin96)
        #expect(EPCScheme(name: "sgtin-198") == nil)
        #expect(EPCScheme(header: 0x34) == .giai96)
        #expect(EPCScheme(header: 0x36) == nil)
    }
}
