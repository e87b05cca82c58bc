import Foundation

/// One channel as the payment state machine uses it: pay, query, reverse, refund, with fresh
/// nonces and timestamps drawn here (the signing functions themselves take them as inputs).
public protocol PaymentGateway: Sendable {
    var channel: PaymentChannel { get }
    func pay(reference: String, authCode: String, amount: Int64, subject: String) async -> ChannelReply
    func query(reference: String, amount: Int64) async -> ChannelReply
    /// WeChat's reverse, Alipay's cancel: closes an unpaid order, or refunds a paid one.
    func reverse(reference: String) async -> ChannelReply
    func refund(reference: String, refundId: String, total: Int64, amount: Int64) async -> ChannelReply
    /// The day's bill ("YYYY-MM-DD", China time) as text; "" when there was no trade.
    func bill(date: String) async throws(PaymentError) -> String
}

/// A nonce of 32 characters of [0-9A-Z] from the system's CSPRNG.
public func paymentNonce() -> String {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
}

/// "yyyy-MM-dd HH:mm:ss" in China Standard Time (UTC+8 all year).
public func chinaTimestamp(_ date: Date = Date()) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: date)
}

extension WeChatV2Client: PaymentGateway {
    public var channel: PaymentChannel { .wechat }
    public func pay(reference: String, authCode: String, amount: Int64, subject: String) async -> ChannelReply {
        await micropay(outTradeNo: reference, authCode: authCode, totalFee: amount, body: subject, nonce: paymentNonce())
    }
    public func query(reference: String, amount: Int64) async -> ChannelReply {
        await query(outTradeNo: reference, expected: amount, nonce: paymentNonce())
    }
    public func reverse(reference: String) async -> ChannelReply { await reverse(outTradeNo: reference, nonce: paymentNonce()) }
    public func refund(reference: String, refundId: String, total: Int64, amount: Int64) async -> ChannelReply {
        await refund(outTradeNo: reference, outRefundNo: refundId, totalFee: total, refundFee: amount, nonce: paymentNonce())
    }
    public func bill(date: String) async throws(PaymentError) -> String {
        try await downloadBill(date: date.replacingOccurrences(of: "-", with: ""), nonce: paymentNonce())
    }
}

extension AlipayClient: PaymentGateway {
    public var channel: PaymentChannel { .alipay }
    public func pay(reference: String, authCode: String, amount: Int64, subject: String) async -> ChannelReply {
        await pay(outTradeNo: reference, authCode: authCode, totalFee: amount, subject: subject, timestamp: chinaTimestamp())
    }
    public func query(reference: String, amount: Int64) async -> ChannelReply {
        await query(outTradeNo: reference, expected: amount, timestamp: chinaTimestamp())
    }
    public func reverse(reference: String) async -> ChannelReply { await cancel(outTradeNo: reference, timestamp: chinaTimestamp()) }
    public func refund(reference: String, refundId: String, total: Int64, amount: Int64) async -> ChannelReply {
        await refund(outTradeNo: reference, outRequestNo: refundId, refundFee: amount, timestamp: chinaTimestamp())
    }
    public func bill(date: String) async throws(PaymentError) -> String {
        try await downloadBill(date: date, timestamp: chinaTimestamp())
    }
}
