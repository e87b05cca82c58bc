/// WeChat Pay v2's XML: one root element holding flat fields. Built with CDATA for every text
/// value; read without DTDs or entities beyond the five predefined ones (a DOCTYPE is refused,
/// so no external entity can ever be fetched), with CDATA unwrapped. Nested elements are
/// refused. Field order is kept.
public enum FlatXML {
    public static func build(_ fields: [(String, String)], root: String = "xml") -> String {
        var xml = "<\(root)>"
        for (name, value) in fields {
            xml += "<\(name)><![CDATA[" + value.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") + "]]></\(name)>"
        }
        return xml + "</\(root)>"
    }

    public static func parse(_ text: String) throws(PaymentError) -> [(String, String)] {
        var reader = Reader(Array(text.utf8))
        return try reader.document()
    }

    struct Reader {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func document() throws(PaymentError) -> [(String, String)] {
            skipSpace()
            if starts(with: "<?xml") { try skip(past: "?>") }
            skipSpace()
            if starts(with: "<!") { throw PaymentError("DTDs and declarations are not accepted") }
            let (root, emptyRoot) = try openTag()
            if emptyRoot { throw PaymentError("the root element is empty") }
            var fields: [(String, String)] = []
            while true {
                skipSpace()
                if starts(with: "</") {
                    let closing = try closeTag()
                    guard closing == root else { throw PaymentError("</\(closing)> closes <\(root)>") }
                    skipSpace()
                    guard index == bytes.count else { throw PaymentError("text after the root element") }
                    return fields
                }
                let (name, empty) = try openTag()
                if empty {
                    fields.append((name, ""))
                } else {
                    let value = try text()
                    guard try closeTag() == name else { throw PaymentError("element <\(name)> is not closed") }
                    fields.append((name, value))
                }
                guard fields.count <= 500 else { throw PaymentError("too many fields") }
            }
        }

        /// A start tag's name, and whether it was an empty-element tag (`<k/>`).
        mutating func openTag() throws(PaymentError) -> (String, Bool) {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { throw PaymentError("expected an element at byte \(index)") }
            index += 1
            let start = index
            while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
            let end = index
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
            var empty = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
                empty = true
                index += 1
            }
            guard end > start, index < bytes.count, bytes[index] == UInt8(ascii: ">") else {
                throw PaymentError("malformed or attributed start tag at byte \(start)")
            }
            index += 1
            return (String(decoding: bytes[start..<end], as: UTF8.self), empty)
        }

        mutating func closeTag() throws(PaymentError) -> String {
            guard starts(with: "</") else { throw PaymentError("expected an end tag at byte \(index)") }
            index += 2
            let start = index
            while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw PaymentError("malformed end tag at byte \(start)") }
            index += 1
            return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
        }

        /// Character data up to the next end tag: CDATA sections and predefined entities.
        mutating func text() throws(PaymentError) -> String {
            var value: [UInt8] = []
            while index < bytes.count {
                if starts(with: "<![CDATA[") {
                    index += 9
                    guard let end = find("]]>") else { throw PaymentError("unterminated CDATA") }
                    value += bytes[index..<end]
                    index = end + 3
                } else if bytes[index] == UInt8(ascii: "<") {
                    guard starts(with: "</") else { throw PaymentError("nested elements are not accepted") }
                    break
                } else if bytes[index] == UInt8(ascii: "&") {
                    guard let end = bytes[index...].firstIndex(of: UInt8(ascii: ";")), end - index <= 10 else { throw PaymentError("bad entity") }
                    let name = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                    switch name {
                    case "lt": value.append(UInt8(ascii: "<"))
                    case "gt": value.append(UInt8(ascii: ">"))
                    case "amp": value.append(UInt8(ascii: "&"))
                    case "quot": value.append(UInt8(ascii: "\""))
                    case "apos": value.append(UInt8(ascii: "'"))
                    default:
                        if name.hasPrefix("#x"), let scalar = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) {
                            value += Array(String(Character(scalar)).utf8)
                        } else if name.hasPrefix("#"), let scalar = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init) {
                            value += Array(String(Character(scalar)).utf8)
                        } else {
                            throw PaymentError("entity &\(name); is not accepted")
                        }
                    }
                    index = end + 1
                } else {
                    value.append(bytes[index])
                    index += 1
                }
            }
            guard let string = String(validating: value, as: UTF8.self) else { throw PaymentError("not UTF-8") }
            return string
        }

        func isNameByte(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: ".")
        }

        func starts(with text: String) -> Bool {
            let needle = Array(text.utf8)
            return bytes.count - index >= needle.count && Array(bytes[index..<(index + needle.count)]) == needle
        }

        func find(_ text: String) -> Int? {
            let needle = Array(text.utf8)
            var at = index
            while at + needle.count <= bytes.count {
                if Array(bytes[at..<(at + needle.count)]) == needle { return at }
                at += 1
            }
            return nil
        }

        mutating func skip(past text: String) throws(PaymentError) {
            guard let end = find(text) else { throw PaymentError("unterminated \(text)") }
            index = end + text.utf8.count
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }
    }
}
