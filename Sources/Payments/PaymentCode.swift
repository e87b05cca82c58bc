/// Which channel a scanned payment code belongs to, by the channels' published prefixes and
/// lengths (a hint: the channel's answer is authoritative). Anything else is never sent.
public enum PaymentChannel: String, Sendable, CaseIterable {
    case wechat, alipay

    /// WeChat: 18 digits starting 10–15. Alipay: 16–24 digits starting 25–30.
    public static func route(authCode code: String) -> PaymentChannel? {
        guard code.allSatisfy(\.isASCIIDigit), let prefix = Int(code.prefix(2)) else { return nil }
        if code.count == 18, (10...15).contains(prefix) { return .wechat }
        if (16...24).contains(code.count), (25...30).contains(prefix) { return .alipay }
        return nil
    }

    /// The code as it may be logged: all but its last four digits masked (a payment code is a
    /// bearer token for about a minute).
    public static func masked(_ code: String) -> String {
        String(repeating: "*", count: max(code.count - 4, 0)) + code.suffix(4)
    }
}
