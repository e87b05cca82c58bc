import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the client's address (for
/// login throttling and logs) — the socket peer, or the client a trusted proxy forwarded for
/// (`ForwardedClientMiddleware`).
public struct ChainstoreRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The client address as text (`ip:` throttling key); a Unix socket peer is "local".
    public var clientAddress: String
    /// The client reached a trusted proxy over TLS (`X-Forwarded-Proto: https`).
    public var secure = false

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }
}
