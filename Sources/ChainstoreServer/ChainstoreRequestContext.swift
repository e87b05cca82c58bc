import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the peer address (for
/// login throttling and logs).
public struct ChainstoreRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client address as text (`ip:` throttling key); a Unix socket peer is "local".
    public var clientAddress: String { remoteAddress?.ipAddress ?? "local" }
}
