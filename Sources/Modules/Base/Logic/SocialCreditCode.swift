import ChainstoreCore

/// The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a
/// 31-character alphabet (no I, O, S, V, Z), the last one a check character over the first 17
/// with weights 3^i mod 31.
public enum SocialCreditCode {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The check character for the first 17 characters, or nil if one is not in the alphabet.
    public static func checkCharacter(_ body: some Collection<UInt8>) -> Character? {
        guard body.count == 17 else { return nil }
        var sum = 0
        for (byte, weight) in zip(body, weights) {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            sum += value * weight
        }
        return Character(UnicodeScalar(alphabet[(31 - sum % 31) % 31]))
    }

    /// Nil when `code` is a well-formed code with the right check character; otherwise why not.
    /// Lower-case letters are accepted, as people type them.
    public static func problem(_ code: String) -> String? {
        let bytes = Array(code.uppercased().utf8)
        guard bytes.count == 18 else { return "a unified social credit code has 18 characters, '\(code)' has \(code.count)" }
        guard let expected = checkCharacter(bytes[..<17]) else {
            return "'\(code)' contains characters a unified social credit code cannot have"
        }
        guard Character(UnicodeScalar(bytes[17])) == expected else {
            return "'\(code)' has a wrong check character (expected \(expected))"
        }
        return nil
    }

    /// The field check: empty values pass (the code is optional).
    @Sendable public static func check(_ value: Value) -> String? {
        guard case .string(let text) = value, !text.isEmpty else { return nil }
        return problem(text)
    }
}
