import Crypto
import _CryptoExtras
import Foundation

/// Passwords in the format Odoo stores (passlib's `pbkdf2_sha512`):
/// `$pbkdf2-sha512$<rounds>$<salt>$<checksum>`, salt and checksum in passlib's "ab64"
/// (standard base64 with `.` for `+`, no padding). Accounts exported from Odoo keep working.
public enum PasswordHash {
    /// Odoo 17's default work factor.
    public static let defaultRounds = 600_000
    static let prefix = "$pbkdf2-sha512$"

    public static func hash(_ password: String, rounds: Int = defaultRounds, salt: [UInt8]? = nil) throws -> String {
        let salt = salt ?? randomBytes(16)
        let checksum = try derive(password, salt: salt, rounds: rounds)
        return "\(prefix)\(rounds)$\(ab64Encode(salt))$\(ab64Encode(checksum))"
    }

    /// Verifies `password` against a stored hash; `false` for any malformed hash (never throws).
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = parse(stored), let derived = try? derive(password, salt: parsed.salt, rounds: parsed.rounds) else {
            return false
        }
        return constantTimeEqual(derived, parsed.checksum)
    }

    /// Whether the hash uses fewer rounds than `rounds` (rehash on next successful login).
    public static func needsUpgrade(_ stored: String, rounds: Int = defaultRounds) -> Bool {
        guard let parsed = parse(stored) else { return true }
        return parsed.rounds < rounds
    }

    static func parse(_ stored: String) -> (rounds: Int, salt: [UInt8], checksum: [UInt8])? {
        guard stored.hasPrefix(prefix) else { return nil }
        let parts = stored.dropFirst(prefix.count).split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 3, let rounds = Int(parts[0]), rounds >= 1, rounds <= 100_000_000,
            let salt = ab64Decode(String(parts[1])), let checksum = ab64Decode(String(parts[2])), checksum.count == 64
        else { return nil }
        return (rounds, salt, checksum)
    }

    public static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha512, outputByteCount: 64, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    public static func ab64Encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: ".").replacingOccurrences(of: "=", with: "")
    }

    public static func ab64Decode(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: ".", with: "+")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { Array($0) }
    }

    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

