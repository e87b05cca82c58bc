import MQTT
import Testing

/// The packets' bytes as MQTT 3.1.1 lays them out, both ways, and what is refused.
@Suite("MQTT 3.1.1 packets")
struct MQTTPacketTests {
    func bytes(_ packet: MQTTPacket) -> [UInt8] {
        var out: [UInt8] = []
        packet.encode(into: &out)
        return out
    }

    @Test func knownBytes() throws {
        #expect(bytes(.pingreq) == [0xC0, 0x00])
        #expect(bytes(.disconnect) == [0xE0, 0x00])
        #expect(bytes(.puback(10)) == [0x40, 0x02, 0x00, 0x0A])
        // PUBLISH QoS 1, retained, topic "a/b", id 1, payload "hi".
        #expect(bytes(.publish(MQTTMessage(topic: "a/b", payload: Array("hi".utf8), qos: .atLeastOnce, retain: true), packetID: 1, duplicate: false))
            == [0x33, 0x09, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x01, 0x68, 0x69])
        // CONNECT: clean session, keep-alive 60, client id "d1", a will (QoS 1, retained), a user and a password.
        let will = MQTTMessage(topic: "s", payload: [0x7B, 0x7D], qos: .atLeastOnce, retain: true)
        let connect = bytes(.connect(.init(clientID: "d1", keepAlive: 60, cleanSession: true, will: will, username: "u", password: "p")))
        // 20,000 bytes take three bytes of remaining length.
        let large = bytes(.publish(MQTTMessage(topic: "x", payload: Array(repeating: 7, count: 20_000)), packetID: nil, duplicate: false))
        let decodedLarge = try MQTTPacket.decode(large[...])
        #expect(Array(large.prefix(4)) == [0x30, 0xA3, 0x9C, 0x01] && decodedLarge?.1 == large.count)
        #expect(Array(connect.prefix(12)) == [0x10, 0x1B, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0xEE, 0x00, 0x3C])
    }

    @Test(arguments: [
        MQTTPacket.connect(.init(clientID: "gate-dc1-d4", keepAlive: 30, cleanSession: false,
                                 will: MQTTMessage(topic: "cs/v1/DC1/gate-dc1-d4/status", payload: Array(#"{"state":"offline"}"#.utf8), qos: .atLeastOnce, retain: true),
                                 username: "gate-dc1-d4", password: "秘密")),
        .connack(sessionPresent: true, returnCode: 0),
        .publish(MQTTMessage(topic: "cs/v1/GZ001/t1/tele/hb", payload: []), packetID: nil, duplicate: false),
        .publish(MQTTMessage(topic: "x", payload: Array(repeating: 7, count: 300), qos: .atLeastOnce), packetID: 65535, duplicate: true),
        .puback(1), .subscribe(2, ["$share/ingest/cs/v1/+/+/tele/#": .atMostOnce, "cs/v1/+/+/status": .atLeastOnce]),
        .suback(2, [0, 1, 0x80]), .pingreq, .pingresp, .disconnect,
    ])
    func roundTrips(_ packet: MQTTPacket) throws {
        let encoded = bytes(packet)
        let decoded = try #require(try MQTTPacket.decode(encoded[...]))
        #expect(decoded.0 == packet && decoded.1 == encoded.count)
        // Cut anywhere, it waits for the rest; followed by another packet, it takes only its own.
        for cut in [0, 1, encoded.count / 2, encoded.count - 1] where cut < encoded.count {
            #expect(try MQTTPacket.decode(encoded.prefix(cut)) == nil)
        }
        let two = encoded + bytes(.pingresp)
        #expect(try MQTTPacket.decode(two[...])?.1 == encoded.count)
    }

    @Test func refusesWhatCanNeverBeAPacket() {
        #expect(throws: MQTTError.tooLarge(200_000)) { try MQTTPacket.decode(self.bytes(.publish(MQTTMessage(topic: "t", payload: Array(repeating: 0, count: 199_997)), packetID: nil, duplicate: false))[...], maxSize: 100_000) }
        #expect(throws: MQTTError.self) { try MQTTPacket.decode([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) }  // five length bytes
        #expect(throws: MQTTError.self) { try MQTTPacket.decode([0x30, 0x05, 0x00, 0x03, 0x61, 0x2F, 0x23]) }  // PUBLISH to "a/#"
        #expect(throws: MQTTError.self) { try MQTTPacket.decode([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]) }  // QoS 3
        #expect(throws: MQTTError.self) { try MQTTPacket.decode([0x30, 0x04, 0x00, 0x02, 0xC3, 0x28]) }  // not UTF-8
        #expect(throws: MQTTError.self) { try MQTTPacket.decode([0x40, 0x03, 0x00, 0x01, 0x00]) }  // PUBACK with a byte too many
        #expect(throws: MQTTError.self) { try MQTTPacket.decode([0x70, 0x00]) }  // PUBCOMP: QoS 2 is not spoken
    }
}
