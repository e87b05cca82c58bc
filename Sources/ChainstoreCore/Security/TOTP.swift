import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 30-second steps,
/// six digits — what every authenticator app (Google Authenticator, Microsoft Authenticator,
/// 腾讯身份验证器) reads from an `otpauth://totp/…` QR code.
public enum TOTP {
    public static let period: Int64 = 30
    public static let digits = 6

    /// A new 160-bit secret.
    public static func newSecret() -> [UInt8] { PasswordHash.randomBytes(20) }

    /// The time step of a moment (seconds since 1970).
    public static func step(at seconds: Int64) -> Int64 { seconds / period }

    /// The code of one time step, as six digits.
    public static func code(secret: [UInt8], step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let number = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let value = number % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The time step `code` belongs to, within one step either side of `now` (clock drift), or nil.
    /// The caller refuses a step at or before the last one accepted (a replayed code).
    public static func matchingStep(secret: [UInt8], code: String, at seconds: Int64) -> Int64? {
        let given = code.filter { !$0.isWhitespace }
        guard given.count == digits, given.allSatisfy(\.isASCII), given.allSatisfy(\.isNumber) else { return nil }
        let now = step(at: seconds)
        for candidate in [now, now - 1, now + 1] where PasswordHash.constantTimeEqual(Array(self.code(secret: secret, step: candidate).utf8), Array(given.utf8)) {
            return candidate
        }
        return nil
    }

    /// RFC 4648 base32 without padding, as authenticator apps take secrets.
    public static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = "", buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return out
    }

    /// Base32 text back to bytes (case and spaces ignored), or nil when it is not base32.
    public static func fromBase32(_ text: String) -> [UInt8]? {
        var out: [UInt8] = [], buffer: UInt32 = 0, bits = 0
        for character in text.uppercased() where character != " " && character != "=" {
            guard let ascii = character.asciiValue else { return nil }
            let value: UInt32
            switch ascii {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(ascii - UInt8(ascii: "A"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): value = UInt32(ascii - UInt8(ascii: "2") + 26)
            default: return nil
            }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return out
    }

    /// The `otpauth://` address an authenticator app enrols from (its QR code).
    public static func uri(secret: [UInt8], account: String, issuer: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(base32(secret))&issuer=\(escape(issuer))&algorithm=SHA1&digits=\(digits)&period=\(period)"
    }
}
