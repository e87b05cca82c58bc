import Crypto
import Foundation
import X509
import _CryptoExtras

/// The Alipay open API (RSA2): request signing, the verification of a synchronous response over
/// the exact text of its response node, asynchronous notifications, and certificate SNs.
public enum Alipay {
    /// `a=1&b=2`: every parameter but `sign` (`sign_type` included), empty values dropped,
    /// names in ASCII order, values raw.
    public static func stringToSign(_ params: [String: String]) -> String {
        params.filter { $0.key != "sign" && !$0.value.isEmpty }.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    public static func sign(_ params: [String: String], key: _RSA.Signing.PrivateKey) throws(PaymentError) -> String {
        try PaymentKeys.sign(stringToSign(params), with: key)
    }

    /// The request as sent: the parameters in name order, then `sign`, form-encoded (a space
    /// is `+`; `+`, `/` and `=` of the base64 signature are escaped).
    public static func queryString(_ params: [String: String], sign: String) -> String {
        let sorted = params.filter { $0.key != "sign" && !$0.value.isEmpty }.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        return (sorted + [(key: "sign", value: sign)]).map { "\(formEncode($0.key))=\(formEncode($0.value))" }.joined(separator: "&")
    }

    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// `alipay.trade.pay` → `alipay_trade_pay_response`.
    public static func responseNode(method: String) -> String { method.replacingOccurrences(of: ".", with: "_") + "_response" }

    /// The exact text of the value of top-level member `name` of a JSON object (its opening `{`
    /// to the matching `}`), found by scanning — never re-serialised.
    public static func rawMember(_ name: String, in json: String) -> String? {
        let bytes = Array(json.utf8)
        var index = 0
        var depth = 0
        func skipString() -> (start: Int, end: Int)? {
            let start = index + 1
            index += 1
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
                if bytes[index] == UInt8(ascii: "\"") { index += 1; return (start, index - 1) }
                index += 1
            }
            return nil
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard let (start, end) = skipString() else { return nil }
                // A key of the top-level object: followed by a colon.
                var after = index
                while after < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[after]) { after += 1 }
                guard depth == 1, after < bytes.count, bytes[after] == UInt8(ascii: ":"),
                    String(decoding: bytes[start..<end], as: UTF8.self) == name
                else { continue }
                var valueStart = after + 1
                while valueStart < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[valueStart]) { valueStart += 1 }
                guard valueStart < bytes.count, bytes[valueStart] == UInt8(ascii: "{") else { return nil }
                index = valueStart
                var inner = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard skipString() != nil else { return nil }
                        continue
                    case UInt8(ascii: "{"): inner += 1
                    case UInt8(ascii: "}"):
                        inner -= 1
                        if inner == 0 { return String(decoding: bytes[valueStart...index], as: UTF8.self) }
                    default: break
                    }
                    index += 1
                }
                return nil
            }
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
            if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") { depth -= 1 }
            index += 1
        }
        return nil
    }

    public struct ResponseVerdict: Sendable, Equatable {
        public let valid: Bool
        public let signedContent: String?
        public let reason: String?
    }

    /// Verifies a gateway response: the node of `method` (or `error_response`) as received,
    /// with the top-level `sign`, against the Alipay public key.
    public static func verifyResponse(_ raw: String, method: String, key: _RSA.Signing.PublicKey) -> ResponseVerdict {
        guard let content = rawMember(responseNode(method: method), in: raw) ?? rawMember("error_response", in: raw) else {
            return ResponseVerdict(valid: false, signedContent: nil, reason: "no \(responseNode(method: method)) node")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any], let sign = object["sign"] as? String else {
            return ResponseVerdict(valid: false, signedContent: content, reason: "no sign")
        }
        let valid = PaymentKeys.verify(content, signature: sign, with: key)
        return ResponseVerdict(valid: valid, signedContent: content, reason: valid ? nil : "bad signature")
    }

    /// The string an asynchronous notification is signed over: every field but `sign` and
    /// `sign_type`, empty ones dropped, sorted, values already URL-decoded.
    public static func notifyStringToVerify(_ form: [String: String]) -> String {
        stringToSign(form.filter { $0.key != "sign_type" })
    }

    public static func verifyNotify(_ form: [String: String], key: _RSA.Signing.PublicKey) -> Bool {
        guard let sign = form["sign"], form["sign_type"].map({ $0 == "RSA2" }) ?? true else { return false }
        return PaymentKeys.verify(notifyStringToVerify(form), signature: sign, with: key)
    }

    /// Decodes an `application/x-www-form-urlencoded` body (once).
    public static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String { (String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding) ?? String(part) }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// Certificate mode: lower-case hex MD5 of the issuer ("CN=…,OU=…,O=…,C=…", most specific
    /// first) followed by the serial number in decimal.
    public static func certSN(_ certificate: Certificate) -> String {
        var parts: [String] = []
        for rdn in certificate.issuer.reversed() {
            for attribute in rdn {
                parts.append("\(shortName("\(attribute.type)"))=\(attribute.value)")
            }
        }
        let text = parts.joined(separator: ",") + PaymentKeys.serialDecimal(certificate)
        return hex(Insecure.MD5.hash(data: Data(text.utf8)), uppercase: false)
    }

    /// Certificate mode: `alipay_root_cert_sn`, the SNs of the RSA-signed certificates of
    /// Alipay's root bundle (several PEM certificates in one file) joined with `_`. Certificates
    /// signed otherwise (the bundle's ECC roots) are skipped.
    public static func rootCertSN(_ bundle: String) throws(PaymentError) -> String {
        let rsa: [Certificate.SignatureAlgorithm] = [.sha1WithRSAEncryption, .sha256WithRSAEncryption, .sha384WithRSAEncryption, .sha512WithRSAEncryption]
        var sns: [String] = []
        for block in bundle.components(separatedBy: "-----END CERTIFICATE-----") {
            guard let start = block.range(of: "-----BEGIN CERTIFICATE-----") else { continue }
            let certificate = try PaymentKeys.certificate(String(block[start.lowerBound...]) + "-----END CERTIFICATE-----")
            if rsa.contains(certificate.signatureAlgorithm) { sns.append(certSN(certificate)) }
        }
        guard !sns.isEmpty else { throw PaymentError("the root bundle has no RSA certificate") }
        return sns.joined(separator: "_")
    }

    /// OpenSSL's short names of the attribute types issuers use.
    static func shortName(_ oid: String) -> String {
        switch oid {
        case "2.5.4.3": "CN"
        case "2.5.4.11": "OU"
        case "2.5.4.10": "O"
        case "2.5.4.6": "C"
        case "2.5.4.7": "L"
        case "2.5.4.8": "ST"
        case "1.2.840.113549.1.9.1": "emailAddress"
        default: oid
        }
    }
}
