/// Work that must answer in time or not at all: health checks and monitors. A pool keeps a
/// request waiting while it retries a refused connection, so a query on a node that is gone
/// does not fail; it waits.
public enum Deadline {
    /// `work`'s result; nil when it failed, or took longer than `limit` (it is then cancelled:
    /// a connection still awaited is given up).
    public static func value<T: Sendable>(within limit: Duration, _ work: @escaping @Sendable () async throws -> T) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { try? await work() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
