import Logging
import ServiceLifecycle

/// Keeps the node's catalogue cache honest: listens for change notices until shutdown.
struct CacheListener: Service {
    let cache: CatalogueCache
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await cache.run(logger: logger) }
        cache.stop()
    }
}
