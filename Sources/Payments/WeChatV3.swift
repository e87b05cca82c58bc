import Crypto
import Foundation
import _CryptoExtras

/// WeChat Pay API v3 (JSON, RSA): the `WECHATPAY2-SHA256-RSA2048` Authorization header, the
/// verification of responses and callbacks with the platform key, and the AEAD_AES_256_GCM
/// callback resource. Pure functions: time, nonce and keys are inputs.
public enum WeChatV3 {
    /// The five signed lines, each ending with `\n`.
    public static func message(method: String, urlPathWithQuery: String, timestamp: String, nonce: String, body: String) -> String {
        "\(method.uppercased())\n\(urlPathWithQuery)\n\(timestamp)\n\(nonce)\n\(body)\n"
    }

    public struct Authorization: Sendable {
        public let message: String, signature: String, header: String
    }

    public static func authorization(
        mchid: String, serialNo: String, key: _RSA.Signing.PrivateKey, method: String, urlPathWithQuery: String, timestamp: String,
        nonce: String, body: String
    ) throws(PaymentError) -> Authorization {
        let text = message(method: method, urlPathWithQuery: urlPathWithQuery, timestamp: timestamp, nonce: nonce, body: body)
        let signature = try PaymentKeys.sign(text, with: key)
        let header = "WECHATPAY2-SHA256-RSA2048 mchid=\"\(mchid)\",nonce_str=\"\(nonce)\",signature=\"\(signature)\","
            + "timestamp=\"\(timestamp)\",serial_no=\"\(serialNo)\""
        return Authorization(message: text, signature: signature, header: header)
    }

    /// The platform keys a merchant trusts: the WeChat Pay public key (by its `PUB_KEY_ID_…`)
    /// and platform certificates (by serial hex); two at once while keys rotate.
    public struct PlatformKeys: Sendable {
        public var byId: [String: _RSA.Signing.PublicKey] = [:]
        public init() {}

        public mutating func add(id: String, key: _RSA.Signing.PublicKey) { byId[id.uppercased()] = key }

        public func key(forSerial serial: String) -> _RSA.Signing.PublicKey? { byId[serial.uppercased()] }
    }

    public struct Verdict: Sendable, Equatable {
        /// The signature is the platform's over exactly this body.
        public let valid: Bool
        /// The timestamp is within 300 s of `now`.
        public let fresh: Bool
        public let reason: String?
        public var accepted: Bool { valid && fresh }
    }

    /// Verifies the `Wechatpay-*` headers of a response or callback over the exact body bytes.
    /// Probe signatures (`WECHATPAY/SIGNTEST/…`) and unknown serials are invalid.
    public static func verify(headers: [String: String], body: String, keys: PlatformKeys, now: Int64) -> Verdict {
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
        guard let timestamp = header("Wechatpay-Timestamp"), let nonce = header("Wechatpay-Nonce"),
            let signature = header("Wechatpay-Signature"), let serial = header("Wechatpay-Serial")
        else { return Verdict(valid: false, fresh: false, reason: "Wechatpay-Timestamp, -Nonce, -Signature and -Serial are required") }
        let fresh = Int64(timestamp).map { abs(now - $0) <= 300 } ?? false
        if let type = header("Wechatpay-Signature-Type"), type != "WECHATPAY2-SHA256-RSA2048" {
            return Verdict(valid: false, fresh: fresh, reason: "unsupported signature type \(type)")
        }
        if signature.hasPrefix("WECHATPAY/SIGNTEST/") { return Verdict(valid: false, fresh: fresh, reason: "a signature probe") }
        guard let key = keys.key(forSerial: serial) else { return Verdict(valid: false, fresh: fresh, reason: "unknown serial \(serial)") }
        let valid = PaymentKeys.verify("\(timestamp)\n\(nonce)\n\(body)\n", signature: signature, with: key)
        return Verdict(valid: valid, fresh: fresh, reason: valid ? (fresh ? nil : "stale timestamp") : "bad signature")
    }

    /// Decrypts a callback's `resource` (AEAD_AES_256_GCM; key = the 32-byte APIv3 key,
    /// nonce = the bytes of `nonce`, AAD = the bytes of `associated_data`, ciphertext = base64 of
    /// encrypted bytes and the 16-byte tag).
    public static func decrypt(ciphertext: String, nonce: String, associatedData: String, apiV3Key: String) throws(PaymentError) -> String {
        guard apiV3Key.utf8.count == 32 else { throw PaymentError("the APIv3 key must be 32 bytes") }
        guard let sealed = Data(base64Encoded: ciphertext), sealed.count >= 16 else { throw PaymentError("ciphertext is not base64 of at least a tag") }
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: Data(nonce.utf8)), ciphertext: sealed.dropLast(16), tag: sealed.suffix(16))
            let plain = try AES.GCM.open(box, using: SymmetricKey(data: Data(apiV3Key.utf8)), authenticating: Data(associatedData.utf8))
            guard let text = String(data: plain, encoding: .utf8) else { throw PaymentError("plaintext is not UTF-8") }
            return text
        } catch let error as PaymentError {
            throw error
        } catch {
            throw PaymentError("authentication failed: wrong key or tampered resource")
        }
    }

    /// The inverse of `decrypt` (what WeChat does to a callback resource; the sandbox and tests
    /// use it). `nonce` must be 12 bytes.
    public static func encrypt(_ plaintext: String, nonce: String, associatedData: String, apiV3Key: String) throws(PaymentError) -> String {
        do {
            let box = try AES.GCM.seal(Data(plaintext.utf8), using: SymmetricKey(data: Data(apiV3Key.utf8)),
                                       nonce: AES.GCM.Nonce(data: Data(nonce.utf8)), authenticating: Data(associatedData.utf8))
            return (box.ciphertext + box.tag).base64EncodedString()
        } catch {
            throw PaymentError("encryption failed: \(error)")
        }
    }

    /// The `Wechatpay-*` headers that sign `body` as the platform does (sandbox and tests).
    public static func platformHeaders(body: String, key: _RSA.Signing.PrivateKey, serial: String, timestamp: String, nonce: String) throws(PaymentError)
        -> [(String, String)]
    {
        let signature = try PaymentKeys.sign("\(timestamp)\n\(nonce)\n\(body)\n", with: key)
        return [("Wechatpay-Timestamp", timestamp), ("Wechatpay-Nonce", nonce), ("Wechatpay-Signature", signature),
                ("Wechatpay-Serial", serial), ("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")]
    }

    /// Parses an Authorization header's `key="value"` pairs (the scheme first).
    public static func authorizationFields(_ header: String) -> [String: String]? {
        guard header.hasPrefix("WECHATPAY2-SHA256-RSA2048 ") else { return nil }
        var fields: [String: String] = [:]
        for part in header.dropFirst("WECHATPAY2-SHA256-RSA2048 ".count).split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { return nil }
            let value = part[part.index(after: equals)...]
            guard value.count >= 2, value.first == "\"", value.last == "\"" else { return nil }
            fields[String(part[..<equals])] = String(value.dropFirst().dropLast())
        }
        return fields
    }

    /// A whole callback: the signature over the raw body first, then the resource.
    public static func openCallback(headers: [String: String], body: String, keys: PlatformKeys, apiV3Key: String, now: Int64) throws(PaymentError) -> String {
        let verdict = verify(headers: headers, body: body, keys: keys, now: now)
        guard verdict.accepted else { throw PaymentError(verdict.reason ?? "rejected") }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any],
            let resource = object["resource"] as? [String: Any], let ciphertext = resource["ciphertext"] as? String,
            let nonce = resource["nonce"] as? String
        else { throw PaymentError("the callback has no encrypted resource") }
        if let algorithm = resource["algorithm"] as? String, algorithm != "AEAD_AES_256_GCM" { throw PaymentError("unsupported algorithm \(algorithm)") }
        return try decrypt(ciphertext: ciphertext, nonce: nonce, associatedData: resource["associated_data"] as? String ?? "", apiV3Key: apiV3Key)
    }
}
