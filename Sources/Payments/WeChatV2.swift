import Crypto
import Foundation
import _CryptoExtras

/// WeChat Pay API v2 (XML): the signature of requests and responses (MD5 or HMAC-SHA256 over
/// the sorted non-empty fields and the API key) and the refund notification's encrypted
/// `req_info`. Pure functions: nonces and keys are inputs.
public enum WeChatV2 {
    public enum SignType: String, Sendable { case md5 = "MD5", hmacSHA256 = "HMAC-SHA256" }

    /// `a=1&b=2&key=KEY`: every field but `sign`, empty values dropped, names in byte order,
    /// values raw.
    public static func stringToSign(_ fields: [(String, String)], apiKey: String) -> String {
        let kept = fields.filter { $0.0 != "sign" && !$0.1.isEmpty }.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        return (kept.map { "\($0.0)=\($0.1)" } + ["key=\(apiKey)"]).joined(separator: "&")
    }

    /// Upper-case hex MD5 or HMAC-SHA256 (keyed with the API key) of `stringToSign`.
    public static func sign(_ fields: [(String, String)], apiKey: String, type: SignType) -> String {
        let text = Data(stringToSign(fields, apiKey: apiKey).utf8)
        switch type {
        case .md5: return hex(Insecure.MD5.hash(data: text), uppercase: true)
        case .hmacSHA256:
            return hex(HMAC<SHA256>.authenticationCode(for: text, using: SymmetricKey(data: Data(apiKey.utf8))), uppercase: true)
        }
    }

    /// A request body: the fields and their signature, as XML with CDATA values.
    public static func request(_ fields: [(String, String)], apiKey: String, type: SignType) -> String {
        FlatXML.build(fields + [("sign", sign(fields, apiKey: apiKey, type: type))])
    }

    /// Whether a response (every field received, unknown ones included) carries a valid `sign`
    /// made with the request's algorithm. Compared in constant time.
    public static func verify(_ fields: [(String, String)], apiKey: String, type: SignType) -> Bool {
        guard let given = fields.first(where: { $0.0 == "sign" })?.1 else { return false }
        return constantTimeEqual(Array(given.utf8), Array(sign(fields, apiKey: apiKey, type: type).utf8))
    }

    /// `req_info` of a refund notification: base64 → AES-256-ECB with the lower-case hex MD5
    /// of the API key as key → PKCS#7 → the `<root>` XML text.
    public static func decryptRefundInfo(_ base64: String, apiKey: String) throws(PaymentError) -> String {
        guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters), !data.isEmpty, data.count % 16 == 0 else {
            throw PaymentError("req_info is not base64 of whole AES blocks")
        }
        let key = SymmetricKey(data: Data(hex(Insecure.MD5.hash(data: Data(apiKey.utf8)), uppercase: false).utf8))
        var plain: [UInt8] = []
        plain.reserveCapacity(data.count)
        var offset = data.startIndex
        while offset < data.endIndex {
            var block = Array(data[offset..<(offset + 16)])
            do { try AES.inversePermute(&block, key: key) } catch { throw PaymentError("AES failed: \(error)") }
            plain += block
            offset += 16
        }
        guard let pad = plain.last, (1...16).contains(pad), plain.suffix(Int(pad)).allSatisfy({ $0 == pad }) else {
            throw PaymentError("bad PKCS#7 padding: wrong key or damaged req_info")
        }
        guard let text = String(validating: plain.dropLast(Int(pad)), as: UTF8.self) else { throw PaymentError("not UTF-8") }
        return text
    }
}

extension WeChatV2 {
    /// The inverse of `decryptRefundInfo` (what WeChat does; the sandbox and tests use it).
    public static func encryptRefundInfo(_ text: String, apiKey: String) throws(PaymentError) -> String {
        let key = SymmetricKey(data: Data(hex(Insecure.MD5.hash(data: Data(apiKey.utf8)), uppercase: false).utf8))
        var bytes = Array(text.utf8)
        let pad = 16 - bytes.count % 16
        bytes += Array(repeating: UInt8(pad), count: pad)
        var out: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: 16) {
            var block = Array(bytes[start..<(start + 16)])
            do { try AES.permute(&block, key: key) } catch { throw PaymentError("AES failed: \(error)") }
            out += block
        }
        return Data(out).base64EncodedString()
    }
}

func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}
