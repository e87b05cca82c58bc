import ChainstoreServer
import Testing

@Suite("The client behind a trusted proxy")
struct ForwardedClientTests {
    let proxies = [IPNetwork("10.0.0.0/8")!, IPNetwork("127.0.0.1")!, IPNetwork("2001:db8::/32")!]

    func client(_ peer: String, _ forwardedFor: [String] = []) -> String {
        ForwardedClientMiddleware.client(peer: peer, forwardedFor: forwardedFor, trusted: proxies)
    }

    @Test func networksMatchTheirAddressesOnly() {
        #expect(IPNetwork("10.0.0.0/8")!.contains("10.255.0.1"))
        #expect(!IPNetwork("10.0.0.0/8")!.contains("11.0.0.1"))
        #expect(IPNetwork("10.0.0.0/8")!.contains("::ffff:10.1.1.1"))
        #expect(IPNetwork("2001:db8::/32")!.contains("2001:db8:1::5"))
        #expect(!IPNetwork("2001:db8::/32")!.contains("2001:db9::5"))
        #expect(IPNetwork("not an address") == nil && IPNetwork("10.0.0.0/33") == nil && IPNetwork("::1/129") == nil)
    }

    @Test func aTrustedProxyHandsOverToTheClientItForwardedFor() {
        #expect(client("10.0.0.2", ["198.51.100.7"]) == "198.51.100.7")
        // Hops are walked from the right while they are trusted; what the client wrote itself is ignored.
        #expect(client("10.0.0.2", ["6.6.6.6, 198.51.100.7, 10.0.0.9"]) == "198.51.100.7")
        #expect(client("10.0.0.2", ["6.6.6.6", "198.51.100.7"]) == "198.51.100.7")
        #expect(client("127.0.0.1", ["[2001:db8:cafe::17]:4711"]) == "2001:db8:cafe::17")
        #expect(client("127.0.0.1", ["192.0.2.60:8080"]) == "192.0.2.60")
    }

    @Test func anyoneElseIsCountedAsTheSocketPeer() {
        #expect(client("198.51.100.7", ["10.0.0.5"]) == "198.51.100.7")
        #expect(client("10.0.0.2") == "10.0.0.2")
    }

    /// What a proxy forwarded in a form we cannot read, or what an undeclared proxy on this
    /// machine forwarded, is an unknown client: never this machine.
    @Test func aForwardedClientIsNeverThisMachineByAccident() {
        #expect(client("10.0.0.2", ["unknown"]) == ForwardedClientMiddleware.unknownClient)
        #expect(client("10.0.0.2", ["198.51.100.7, not-an-address"]) == ForwardedClientMiddleware.unknownClient)
        #expect(ForwardedClientMiddleware.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.7"], trusted: []) == ForwardedClientMiddleware.unknownClient)
        #expect(ForwardedClientMiddleware.client(peer: "local", forwardedFor: ["127.0.0.1"], trusted: []) == ForwardedClientMiddleware.unknownClient)
        #expect(ForwardedClientMiddleware.client(peer: "127.0.0.1", forwardedFor: [], trusted: []) == "127.0.0.1")
    }
}
