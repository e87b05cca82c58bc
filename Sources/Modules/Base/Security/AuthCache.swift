import ChainstoreCore
import Crypto

/// Remembers, for a few minutes, that a (user, secret) pair was verified against a given stored
/// hash, so stateless RPC calls — which send the password every time — do not pay PBKDF2 on each
/// call. A changed password changes the stored hash, which invalidates the entry at once. Secrets
/// are kept only as keyed digests with a per-process key.
public actor AuthCache {
    struct Entry { let storedHash: String; let expires: ContinuousClock.Instant }

    private var entries: [String: Entry] = [:]
    private nonisolated let keyed = KeyedMAC()
    private let lifetime: Duration
    private let capacity: Int

    public init(lifetime: Duration = .seconds(300), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The keyed digest of `scope`, a zero byte and `secret`, in hexadecimal: computed on every
    /// authenticated call (a till's scan), so the key is not set up again for each one.
    public nonisolated func fingerprint(_ scope: String, _ secret: String) -> String {
        var mac = keyed.start
        for part in [scope, "\u{0}", secret] {
            var text = part
            text.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        }
        return mac.finalize().hexDigits()
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

/// An HMAC keyed once with a per-process key; each fingerprint continues a copy of it. The
/// keyed state is never changed after `init`: a copy's first update copies the hash contexts
/// (copy on write), so copies taken at once on several threads only read it.
private struct KeyedMAC: @unchecked Sendable {
    let start = HMAC<SHA256>(key: SymmetricKey(data: PasswordHash.randomBytes(32)))
}
