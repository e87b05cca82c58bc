import ChainstoreDB
import Glibc
import Hummingbird
import HTTPTypes

/// Behind a reverse proxy every request comes from the proxy's address, so throttling by address
/// would lock everyone out together. Requests whose peer is a trusted proxy (`--trusted-proxy
/// CIDR`) are attributed to the client the proxy names in `X-Forwarded-For` (nginx:
/// `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`), walking back from the right
/// through trusted hops only, so what a client wrote itself is never believed. (`Forwarded` is
/// not read: proxies pass a client's own `Forwarded` through untouched.)
///
/// A request from this machine that carries `X-Forwarded-For` without its peer being trusted
/// came through a proxy nobody declared: its client is unknown, and not "this machine".
public struct ForwardedClientMiddleware: RouterMiddleware {
    public typealias Context = ChainstoreRequestContext
    let trusted: [IPNetwork]

    public init(trusted: [IPNetwork]) { self.trusted = trusted }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let peer = context.clientAddress
        context.clientAddress = Self.client(peer: peer, forwardedFor: request.headers[values: .xForwardedFor], trusted: trusted)
        // The scheme the client used, as the proxy in front says (only a trusted one is believed).
        if let proto = request.headers[values: .xForwardedProto].last, trusted.contains(where: { $0.contains(peer) }) {
            context.secure = proto.split(separator: ",").last?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
        }
        return try await next(request, context)
    }

    public static let unknownClient = Client.unknownAddress

    /// The client: from the peer, each trusted hop hands over to the address it forwarded for.
    public static func client(peer: String, forwardedFor: [String], trusted: [IPNetwork]) -> String {
        let isTrusted = { (address: String) in trusted.contains { $0.contains(address) } }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { cleanAddress($0.trimmed(" ")) }
        guard isTrusted(peer) else { return hops.isEmpty || !isLoopback(peer) ? peer : unknownClient }
        var client = peer
        for hop in hops.reversed() {
            guard isTrusted(client) else { break }
            guard IPNetwork.parse(address: hop) != nil else { return unknownClient }
            client = hop
        }
        return client
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "local" || address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }

    /// `"[2001:db8::1]:4711"` → `2001:db8::1`, `192.0.2.60:80` → `192.0.2.60`.
    static func cleanAddress(_ text: String) -> String {
        var value = text.trimmed("\"")
        if value.hasPrefix("[") {
            value = String(value.dropFirst().prefix { $0 != "]" })
        } else if value.filter({ $0 == ":" }).count == 1 {
            value = String(value.prefix { $0 != ":" })
        }
        return value
    }
}

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `::1/128`, or a single address).
public struct IPNetwork: Sendable, Equatable {
    let bytes: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let bytes = Self.parse(address: String(first)) else { return nil }
        let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
        guard let prefix, (0...(bytes.count * 8)).contains(prefix) else { return nil }
        self.bytes = bytes
        self.prefix = prefix
    }

    public func contains(_ address: String) -> Bool {
        guard var other = Self.parse(address: address) else { return false }
        // An IPv4 peer seen on an IPv6 socket (`::ffff:10.0.0.1`).
        if bytes.count == 4, other.count == 16, other.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] { other = Array(other.suffix(4)) }
        guard other.count == bytes.count else { return false }
        for bit in 0..<prefix where (bytes[bit / 8] >> (7 - bit % 8)) & 1 != (other[bit / 8] >> (7 - bit % 8)) & 1 { return false }
        return true
    }

    static func parse(address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}

extension StringProtocol {
    fileprivate func trimmed(_ character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}

extension HTTPField.Name {
    static let xForwardedProto = Self("X-Forwarded-Proto")!
}
