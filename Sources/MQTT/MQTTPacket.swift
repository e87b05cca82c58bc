// MQTT 3.1.1 control packets (OASIS standard, 2014), written by hand: no MQTT package is among
// those the project builds with. Only what the platform uses: CONNECT (with will and
// credentials), CONNACK, PUBLISH at QoS 0 and 1, PUBACK, SUBSCRIBE, SUBACK, PINGREQ, PINGRESP,
// DISCONNECT. Every length is checked; a packet larger than the limit is refused before it is read.

/// How often a message is delivered: at most once, or at least once (with PUBACK).
public enum MQTTQoS: UInt8, Sendable, Equatable {
    case atMostOnce = 0
    case atLeastOnce = 1
}

/// An application message: a topic, its payload, how it is delivered and whether the broker keeps it.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}

public enum MQTTError: Error, Equatable, Sendable {
    /// The bytes are not an MQTT 3.1.1 packet (the text says where).
    case malformed(String)
    /// A packet's remaining length is above the limit.
    case tooLarge(Int)
    /// The broker refused the connection (CONNACK return code: 1 protocol, 2 client id,
    /// 3 unavailable, 4 bad credentials, 5 not authorised).
    case refused(UInt8)
    /// The connection closed before the operation completed; its outcome is unknown.
    case connectionClosed
    /// A subscription the broker refused (SUBACK 0x80).
    case subscriptionRefused(String)
}

public enum MQTTPacket: Sendable, Equatable {
    public struct Connect: Sendable, Equatable {
        public var clientID: String
        public var keepAlive: UInt16
        public var cleanSession: Bool
        public var will: MQTTMessage?
        public var username: String?
        public var password: String?

        public init(clientID: String, keepAlive: UInt16 = 60, cleanSession: Bool = true, will: MQTTMessage? = nil, username: String? = nil,
                    password: String? = nil) {
            self.clientID = clientID
            self.keepAlive = keepAlive
            self.cleanSession = cleanSession
            self.will = will
            self.username = username
            self.password = password
        }
    }

    case connect(Connect)
    case connack(sessionPresent: Bool, returnCode: UInt8)
    /// `packetID` is set exactly when the QoS is 1.
    case publish(MQTTMessage, packetID: UInt16?, duplicate: Bool)
    case puback(UInt16)
    case subscribe(UInt16, [String: MQTTQoS])
    case suback(UInt16, [UInt8])
    case pingreq
    case pingresp
    case disconnect

    // MARK: Encoding

    public func encode(into out: inout [UInt8]) {
        var body: [UInt8] = []
        let header: UInt8
        switch self {
        case .connect(let connect):
            header = 0x10
            Self.string("MQTT", into: &body)
            body.append(4)  // protocol level 3.1.1
            var flags: UInt8 = connect.cleanSession ? 0x02 : 0
            if let will = connect.will { flags |= 0x04 | (will.qos.rawValue << 3) | (will.retain ? 0x20 : 0) }
            if connect.password != nil { flags |= 0x40 }
            if connect.username != nil { flags |= 0x80 }
            body.append(flags)
            body += [UInt8(connect.keepAlive >> 8), UInt8(connect.keepAlive & 0xff)]
            Self.string(connect.clientID, into: &body)
            if let will = connect.will {
                Self.string(will.topic, into: &body)
                Self.bytes(will.payload, into: &body)
            }
            if let username = connect.username { Self.string(username, into: &body) }
            if let password = connect.password { Self.string(password, into: &body) }
        case .connack(let present, let code):
            header = 0x20
            body = [present ? 1 : 0, code]
        case .publish(let message, let id, let duplicate):
            header = 0x30 | (duplicate ? 0x08 : 0) | (message.qos.rawValue << 1) | (message.retain ? 0x01 : 0)
            Self.string(message.topic, into: &body)
            if let id { body += [UInt8(id >> 8), UInt8(id & 0xff)] }
            body += message.payload
        case .puback(let id):
            header = 0x40
            body = [UInt8(id >> 8), UInt8(id & 0xff)]
        case .subscribe(let id, let filters):
            header = 0x82
            body = [UInt8(id >> 8), UInt8(id & 0xff)]
            for (filter, qos) in filters.sorted(by: { $0.key < $1.key }) {
                Self.string(filter, into: &body)
                body.append(qos.rawValue)
            }
        case .suback(let id, let codes):
            header = 0x90
            body = [UInt8(id >> 8), UInt8(id & 0xff)] + codes
        case .pingreq: header = 0xC0
        case .pingresp: header = 0xD0
        case .disconnect: header = 0xE0
        }
        out.append(header)
        var length = body.count
        repeat {
            var byte = UInt8(length % 128)
            length /= 128
            if length > 0 { byte |= 0x80 }
            out.append(byte)
        } while length > 0
        out += body
    }

    static func string(_ text: String, into out: inout [UInt8]) { bytes(Array(text.utf8), into: &out) }

    static func bytes(_ value: [UInt8], into out: inout [UInt8]) {
        out += [UInt8(value.count >> 8), UInt8(value.count & 0xff)]
        out += value
    }

    // MARK: Decoding

    /// The whole length (fixed header included) of the packet `header` starts with, or nil when
    /// the header itself is not all there yet (it needs at most five bytes).
    public static func frameLength(_ header: ArraySlice<UInt8>, maxSize: Int = 1 << 20) throws -> Int? {
        try frame(header, maxSize: maxSize)?.total
    }

    /// The fixed header's length and the packet's whole length, as `frameLength`.
    static func frame(_ header: ArraySlice<UInt8>, maxSize: Int) throws -> (header: Int, total: Int)? {
        var length = 0, multiplier = 1, index = header.startIndex + 1
        while true {
            guard index < header.endIndex else { return nil }
            let byte = header[index]
            length += Int(byte & 0x7f) * multiplier
            index += 1
            if byte & 0x80 == 0 { break }
            multiplier *= 128
            guard multiplier <= 128 * 128 * 128 else { throw MQTTError.malformed("remaining length longer than four bytes") }
        }
        guard length <= maxSize else { throw MQTTError.tooLarge(length) }
        let headerLength = index - header.startIndex
        return (headerLength, headerLength + length)
    }

    /// The first packet in `bytes` and how many bytes it took, or nil when it is not all there
    /// yet. Throws for bytes that can never be a packet, or a packet longer than `maxSize`.
    public static func decode(_ bytes: ArraySlice<UInt8>, maxSize: Int = 1 << 20) throws -> (MQTTPacket, Int)? {
        guard let first = bytes.first, let (headerLength, total) = try frame(bytes.prefix(5), maxSize: maxSize), bytes.count >= total else { return nil }
        var reader = Reader(bytes: bytes[(bytes.startIndex + headerLength)..<(bytes.startIndex + total)])
        let packet = try parse(type: first >> 4, flags: first & 0x0f, &reader)
        guard reader.isAtEnd else { throw MQTTError.malformed("bytes left after the packet") }
        return (packet, total)
    }

    static func parse(type: UInt8, flags: UInt8, _ reader: inout Reader) throws -> MQTTPacket {
        switch type {
        case 1:
            guard try reader.string() == "MQTT", try reader.byte() == 4 else { throw MQTTError.malformed("not MQTT 3.1.1") }
            let connectFlags = try reader.byte()
            let keepAlive = try reader.uint16()
            var connect = Connect(clientID: try reader.string(), keepAlive: keepAlive, cleanSession: connectFlags & 0x02 != 0)
            if connectFlags & 0x04 != 0 {
                guard let qos = MQTTQoS(rawValue: (connectFlags >> 3) & 0x03) else { throw MQTTError.malformed("will QoS") }
                connect.will = MQTTMessage(topic: try reader.string(), payload: try reader.data(), qos: qos, retain: connectFlags & 0x20 != 0)
            }
            if connectFlags & 0x80 != 0 { connect.username = try reader.string() }
            if connectFlags & 0x40 != 0 { connect.password = try reader.string() }
            return .connect(connect)
        case 2:
            return .connack(sessionPresent: try reader.byte() & 1 == 1, returnCode: try reader.byte())
        case 3:
            guard let qos = MQTTQoS(rawValue: (flags >> 1) & 0x03) else { throw MQTTError.malformed("PUBLISH with QoS \((flags >> 1) & 0x03)") }
            let topic = try reader.string()
            guard !topic.isEmpty, !topic.contains("+"), !topic.contains("#") else { throw MQTTError.malformed("PUBLISH topic '\(topic)'") }
            let id = qos == .atMostOnce ? nil : try reader.uint16()
            return .publish(MQTTMessage(topic: topic, payload: reader.rest(), qos: qos, retain: flags & 0x01 != 0), packetID: id,
                            duplicate: flags & 0x08 != 0)
        case 4:
            return .puback(try reader.uint16())
        case 8:
            guard flags == 2 else { throw MQTTError.malformed("SUBSCRIBE flags") }
            let id = try reader.uint16()
            var filters: [String: MQTTQoS] = [:]
            while !reader.isAtEnd {
                let filter = try reader.string()
                guard let qos = MQTTQoS(rawValue: try reader.byte()) else { throw MQTTError.malformed("SUBSCRIBE QoS") }
                filters[filter] = qos
            }
            return .subscribe(id, filters)
        case 9:
            let id = try reader.uint16()
            return .suback(id, reader.rest())
        case 12: return .pingreq
        case 13: return .pingresp
        case 14: return .disconnect
        default: throw MQTTError.malformed("packet type \(type)")
        }
    }

    struct Reader {
        var bytes: ArraySlice<UInt8>
        var isAtEnd: Bool { bytes.isEmpty }

        mutating func byte() throws -> UInt8 {
            guard let first = bytes.popFirst() else { throw MQTTError.malformed("packet too short") }
            return first
        }

        mutating func uint16() throws -> UInt16 { UInt16(try byte()) << 8 | UInt16(try byte()) }

        mutating func data() throws -> [UInt8] {
            let count = Int(try uint16())
            guard bytes.count >= count else { throw MQTTError.malformed("length beyond the packet") }
            defer { bytes = bytes.dropFirst(count) }
            return Array(bytes.prefix(count))
        }

        mutating func string() throws -> String {
            let raw = try data()
            guard let text = String(validating: raw, as: UTF8.self), !text.contains("\u{0}") else { throw MQTTError.malformed("string is not UTF-8") }
            return text
        }

        mutating func rest() -> [UInt8] {
            defer { bytes = [] }
            return Array(bytes)
        }
    }
}
