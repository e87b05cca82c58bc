import ChainstoreCore
import Crypto

/// Remembers, for a few minutes, that a (user, secret) pair was verified against a given stored
/// hash, so stateless RPC calls — which send the password every time — do not pay PBKDF2 on each
/// call. A changed password changes the stored hash, which invalidates the entry at once. Secrets
/// are kept only as keyed digests with a per-process key.
public actor AuthCache {
    struct Entry { let storedHash: String; let expires: ContinuousClock.Instant }

    private var entries: [String: Entry] = [:]
    private nonisolated let key = PasswordHash.randomBytes(32)
    private let lifetime: Duration
    private let capacity: Int

    public init(lifetime: Duration = .seconds(300), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    public nonisolated func fingerprint(_ scope: String, _ secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array((scope + "\u{0}" + secret).utf8), using: SymmetricKey(data: key)).hexDigits()
    }

    func isVerified(_ fingerprint: String, storedHash: String) -> Bool {
        guard let entry = entries[fingerprint] else { return false }
        guard entry.storedHash == storedHash, entry.expires > .now else {
            entries[fingerprint] = nil
            return false
        }
        return true
    }

    func remember(_ fingerprint: String, storedHash: String) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[fingerprint] = Entry(storedHash: storedHash, expires: .now + lifetime)
    }
}
