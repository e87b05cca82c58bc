import Foundation

/// One channel as the payment state machine uses it: pay, query, reverse, refund, with fresh
/// nonces and timestamps drawn here (the signing functions themselves take them as inputs).
public protocol PaymentGateway: Sendable {
    var channel: PaymentChannel { get }
    /// "v2", "v3" or "alipay": which protocol this account speaks (shown to support staff).
    var api: String { get }
    func pay(reference: String, authCode: String, amount: Int64, subject: String) async -> ChannelReply
    func query(reference: String, amount: Int64) async -> ChannelReply
    /// WeChat's reverse, Alipay's cancel: closes an unpaid order, or refunds a paid one.
    func reverse(reference: String) async -> ChannelReply
    /// `.refunded` (done), `.accepted` (the channel is processing it), `.failed` (refused) or
    /// `.unknown` (ask again with the same refund id).
    func refund(reference: String, refundId: String, total: Int64, amount: Int64) async -> ChannelReply
    /// Where a refund stands; `.unknown` with code `REFUNDNOTEXIST` when the channel never got it.
    func refundQuery(reference: String, refundId: String) async -> ChannelReply
    /// The day's bill ("YYYY-MM-DD", China time) as text; "" when there was no trade.
    func bill(date: String) async throws(PaymentError) -> String
}

/// A channel that can also show a QR code on the customer display (WeChat Pay v3 Native): the
/// customer scans it, pays, and the order is then found by query or by callback.
public protocol QRCodeGateway: PaymentGateway {
    /// The `code_url` to show, or the refusal.
    func qrOrder(reference: String, amount: Int64, subject: String, expiresAt: Date) async -> (ChannelReply, String?)
    /// Closes an order that was not paid (`.reversed`); a paid one is not closed.
    func close(reference: String) async -> ChannelReply
}

/// A nonce of 32 characters of [0-9A-Z] from the system's CSPRNG.
public func paymentNonce() -> String {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
}

/// "yyyy-MM-dd HH:mm:ss" in China Standard Time (UTC+8 all year).
public func chinaTimestamp(_ date: Date = Date()) -> String { chinaTime(date, format: "yyyy-MM-dd HH:mm:ss") }

/// `date` written in China Standard Time with a `DateFormatter` pattern.
public func chinaTime(_ date: Date, format: String) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
    formatter.dateFormat = format
    return formatter.string(from: date)
}

extension WeChatV2Client: PaymentGateway {
    public var channel: PaymentChannel { .wechat }
    public var api: String { "v2" }
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
    public func refundQuery(reference: String, refundId: String) async -> ChannelReply {
        await refundQuery(outRefundNo: refundId, nonce: paymentNonce())
    }
    public func bill(date: String) async throws(PaymentError) -> String {
        try await downloadBill(date: date.replacingOccurrences(of: "-", with: ""), nonce: paymentNonce())
    }
}

extension WeChatV3Client: QRCodeGateway {
    public var channel: PaymentChannel { .wechat }
    public var api: String { "v3" }
    public func pay(reference: String, authCode: String, amount: Int64, subject: String) async -> ChannelReply {
        await codepay(outTradeNo: reference, authCode: authCode, total: amount, description: subject)
    }
    public func query(reference: String, amount: Int64) async -> ChannelReply { await query(outTradeNo: reference, expected: amount) }
    public func reverse(reference: String) async -> ChannelReply { await reverse(outTradeNo: reference) }
    public func refund(reference: String, refundId: String, total: Int64, amount: Int64) async -> ChannelReply {
        await refund(outTradeNo: reference, outRefundNo: refundId, total: total, refund: amount)
    }
    public func refundQuery(reference: String, refundId: String) async -> ChannelReply { await refundQuery(outRefundNo: refundId) }
    public func bill(date: String) async throws(PaymentError) -> String { try await tradeBill(date: date) }
    public func qrOrder(reference: String, amount: Int64, subject: String, expiresAt: Date) async -> (ChannelReply, String?) {
        await native(outTradeNo: reference, total: amount, description: subject, expiresAt: expiresAt)
    }
    public func close(reference: String) async -> ChannelReply { await close(outTradeNo: reference) }
}

extension AlipayClient: PaymentGateway {
    public var channel: PaymentChannel { .alipay }
    public var api: String { "alipay" }
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
    public func refundQuery(reference: String, refundId: String) async -> ChannelReply {
        await refundQuery(outTradeNo: reference, outRequestNo: refundId, timestamp: chinaTimestamp())
    }
    public func bill(date: String) async throws(PaymentError) -> String {
        try await downloadBill(date: date, timestamp: chinaTimestamp())
    }
}
