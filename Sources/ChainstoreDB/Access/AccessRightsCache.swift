import Synchronization

/// Remembers access-right answers (database, model, operation, groups) for a few seconds: they
/// change rarely and are asked on every call. A change of `ir.model.access` therefore reaches
/// every node within `lifetime`.
final class AccessRightsCache: Sendable {
    static let shared = AccessRightsCache()
    static let lifetime: Duration = .seconds(5)

    private struct Entry { let allowed: Bool; let expires: ContinuousClock.Instant }
    private let entries = Mutex<[String: Entry]>([:])

    func lookup(_ key: String) -> Bool? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.expires > .now else { return nil }
            return entry.allowed
        }
    }

    func store(_ key: String, _ allowed: Bool) {
        entries.withLock { entries in
            if entries.count > 50_000 { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(allowed: allowed, expires: .now + Self.lifetime)
        }
    }
}
