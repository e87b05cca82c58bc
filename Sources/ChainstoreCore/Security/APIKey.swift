import Crypto
import Foundation

/// API keys that stand in for a password. A key is 40 random hex digits; the first 8 are an index
/// stored in clear to find the row, the whole key is stored only as a SHA-256 digest (the key is
/// random and long, so a slow hash adds nothing but latency on every RPC call).
public enum APIKey {
    public static let indexLength = 8

    public static func generate() -> String {
        PasswordHash.randomBytes(20).map { String(format: "%02x", $0) }.joined()
    }

    public static func index(of key: String) -> String { String(key.prefix(indexLength)) }

    public static func digest(_ key: String) -> String {
        SHA256.hash(data: Array(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `candidate` could be an API key at all (saves a lookup for ordinary passwords).
    public static func looksLikeKey(_ candidate: String) -> Bool {
        candidate.utf8.count == 40 && candidate.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}
