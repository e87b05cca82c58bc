import Crypto
import Foundation
import X509
import _CryptoExtras

/// RSA keys and certificates as the channels hand them out: PEM (PKCS#1 or PKCS#8 private keys,
/// SubjectPublicKeyInfo public keys, X.509 certificates) or Alipay's bare base64.
public enum PaymentKeys {
    public static func privateKey(_ text: String) throws(PaymentError) -> _RSA.Signing.PrivateKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            if trimmed.hasPrefix("-----") { return try _RSA.Signing.PrivateKey(pemRepresentation: trimmed) }
            guard let der = Data(base64Encoded: trimmed, options: .ignoreUnknownCharacters) else { throw PaymentError("not base64") }
            return try _RSA.Signing.PrivateKey(derRepresentation: der)
        } catch let error as PaymentError {
            throw error
        } catch {
            throw PaymentError("not an RSA private key (PEM, PKCS#1 or PKCS#8): \(error)")
        }
    }

    /// A public key from a PEM or bare-base64 SubjectPublicKeyInfo, or from a certificate.
    public static func publicKey(_ text: String) throws(PaymentError) -> _RSA.Signing.PublicKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN CERTIFICATE") { return try publicKey(of: certificate(trimmed)) }
        do {
            if trimmed.hasPrefix("-----") { return try _RSA.Signing.PublicKey(pemRepresentation: trimmed) }
            guard let der = Data(base64Encoded: trimmed, options: .ignoreUnknownCharacters) else { throw PaymentError("not base64") }
            return try _RSA.Signing.PublicKey(derRepresentation: der)
        } catch let error as PaymentError {
            throw error
        } catch {
            throw PaymentError("not an RSA public key: \(error)")
        }
    }

    public static func certificate(_ pem: String) throws(PaymentError) -> Certificate {
        do { return try Certificate(pemEncoded: pem.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
            throw PaymentError("not an X.509 certificate: \(error)")
        }
    }

    public static func publicKey(of certificate: Certificate) throws(PaymentError) -> _RSA.Signing.PublicKey {
        guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else { throw PaymentError("the certificate's key is not RSA") }
        return key
    }

    /// A certificate's serial number in upper-case hex, as WeChat's `Wechatpay-Serial` shows it.
    public static func serialHex(_ certificate: Certificate) -> String {
        var bytes = Array(certificate.serialNumber.bytes)
        while bytes.count > 1, bytes[0] == 0 { bytes.removeFirst() }
        return bytes.map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
    }

    /// A certificate's serial number in decimal (for Alipay's certificate SN).
    public static func serialDecimal(_ certificate: Certificate) -> String {
        var digits = Array(certificate.serialNumber.bytes)
        var decimal: [UInt8] = []
        while digits.contains(where: { $0 != 0 }) {
            var remainder = 0
            for index in digits.indices {
                let value = remainder * 256 + Int(digits[index])
                digits[index] = UInt8(value / 10)
                remainder = value % 10
            }
            decimal.append(UInt8(remainder))
        }
        return decimal.isEmpty ? "0" : String(decimal.reversed().map { Character(String($0)) })
    }

    // MARK: - SHA256withRSA (RSASSA-PKCS1-v1_5)

    public static func sign(_ message: String, with key: _RSA.Signing.PrivateKey) throws(PaymentError) -> String {
        do {
            return try key.signature(for: SHA256.hash(data: Data(message.utf8)), padding: .insecurePKCS1v1_5).rawRepresentation.base64EncodedString()
        } catch {
            throw PaymentError("signing failed: \(error)")
        }
    }

    public static func verify(_ message: String, signature: String, with key: _RSA.Signing.PublicKey) -> Bool {
        guard let raw = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: raw), for: SHA256.hash(data: Data(message.utf8)),
                                    padding: .insecurePKCS1v1_5)
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// Lower- or upper-case hex of bytes.
func hex<Bytes: Sequence>(_ bytes: Bytes, uppercase: Bool) -> String where Bytes.Element == UInt8 {
    bytes.map { String($0, radix: 16, uppercase: uppercase).leftPadded(to: 2) }.joined()
}
