import Foundation

/// What a channel's callback says, once its authenticity is established: a payment made (a
/// Native order paid, an Alipay trade succeeded) or a refund's fate. `id` is the channel's
/// notification id, the same on every retry (handlers are idempotent by it).
public struct ChannelNotice: Sendable, Equatable {
    /// `other`: authentic, but nothing to act on (an Alipay WAIT_BUYER_PAY, a new event type);
    /// acknowledged so the channel stops sending it.
    public enum Kind: String, Sendable { case paid, refund, other }
    /// `abnormal`: the money left but could not reach the payer (a human re-routes it).
    public enum RefundStatus: String, Sendable { case done, failed, abnormal, unconfirmed }

    public var kind: Kind
    public var id: String
    /// Our merchant order number (`out_trade_no`).
    public var reference: String
    public var channelId: String?
    /// Paid: the order's total. Refund: this refund's amount (nil when the channel does not say).
    public var amount: Int64?
    /// Refund: our refund id (`out_refund_no`, Alipay's `out_biz_no`).
    public var refundId: String?
    /// Refund: a signed statement of its fate, or `unconfirmed` when the message proves only
    /// that something happened and a signed refund query must say what.
    public var refundStatus: RefundStatus?

    public init(kind: Kind, id: String, reference: String) {
        (self.kind, self.id, self.reference) = (kind, id, reference)
    }
}

/// Reading callbacks: the signature (or encryption) first, then the merchant, then the fields.
/// Anything that does not pass throws, with the reason to log; nothing is believed on the way.
public enum Notices {
    /// A WeChat Pay v2 refund notification. It has no signature: only the AES key makes
    /// `req_info` readable, and ECB proves no integrity, so the refund it names is confirmed by
    /// a signed refund query before anything changes (`unconfirmed`).
    public static func wechatV2Refund(body: String, merchant: WeChatMerchant) throws(PaymentError) -> ChannelNotice {
        let outer = Dictionary(try FlatXML.parse(body), uniquingKeysWith: { a, _ in a })
        guard outer["return_code"] == "SUCCESS" else { throw PaymentError("return_code is not SUCCESS") }
        guard outer["appid"] == merchant.appId, outer["mch_id"] == merchant.mchId else { throw PaymentError("not for this merchant") }
        guard let info = outer["req_info"] else { throw PaymentError("no req_info") }
        let inner = Dictionary(try FlatXML.parse(try WeChatV2.decryptRefundInfo(info, apiKey: merchant.apiKey)), uniquingKeysWith: { a, _ in a })
        guard let reference = inner["out_trade_no"], let refundId = inner["out_refund_no"], !reference.isEmpty, !refundId.isEmpty else {
            throw PaymentError("req_info names no out_trade_no and out_refund_no")
        }
        var notice = ChannelNotice(kind: .refund, id: "v2:\(refundId):\(inner["refund_status"] ?? "")", reference: reference)
        notice.refundId = refundId
        notice.channelId = inner["refund_id"]
        notice.amount = inner["refund_fee"].flatMap { Int64($0) }
        notice.refundStatus = .unconfirmed
        return notice
    }

    /// A WeChat Pay v3 callback: the platform's signature over the raw body and its freshness,
    /// then the AES-GCM resource, then the merchant. `TRANSACTION.SUCCESS` and `REFUND.*`.
    public static func wechatV3(headers: [String: String], body: String, merchant: WeChatV3Merchant, now: Int64) throws(PaymentError) -> ChannelNotice {
        let plain = try WeChatV3.openCallback(headers: headers, body: body, keys: merchant.platformKeys, apiV3Key: merchant.apiV3Key, now: now)
        guard let envelope = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any], let id = envelope["id"] as? String,
            let event = envelope["event_type"] as? String,
            let resource = (try? JSONSerialization.jsonObject(with: Data(plain.utf8))) as? [String: Any]
        else { throw PaymentError("the callback or its resource is not the JSON expected") }
        guard resource["mchid"] as? String == merchant.mchId || resource["sp_mchid"] as? String == merchant.mchId else {
            throw PaymentError("not for this merchant")
        }
        guard let reference = resource["out_trade_no"] as? String, !reference.isEmpty else { throw PaymentError("no out_trade_no") }
        let amount = resource["amount"] as? [String: Any]
        switch event {
        case "TRANSACTION.SUCCESS":
            guard resource["trade_state"] as? String == "SUCCESS" else { throw PaymentError("TRANSACTION.SUCCESS without trade_state SUCCESS") }
            var notice = ChannelNotice(kind: .paid, id: "v3:" + id, reference: reference)
            notice.channelId = resource["transaction_id"] as? String
            notice.amount = (amount?["total"] as? NSNumber)?.int64Value
            return notice
        case "REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED":
            guard let refundId = resource["out_refund_no"] as? String else { throw PaymentError("no out_refund_no") }
            var notice = ChannelNotice(kind: .refund, id: "v3:" + id, reference: reference)
            notice.refundId = refundId
            notice.channelId = resource["refund_id"] as? String
            notice.amount = (amount?["refund"] as? NSNumber)?.int64Value
            switch (event, resource["refund_status"] as? String) {
            case ("REFUND.SUCCESS", "SUCCESS"): notice.refundStatus = .done
            case ("REFUND.ABNORMAL", _): notice.refundStatus = .abnormal
            case ("REFUND.CLOSED", _): notice.refundStatus = .failed
            default: notice.refundStatus = .unconfirmed
            }
            return notice
        default:
            return ChannelNotice(kind: .other, id: "v3:" + id, reference: reference)
        }
    }

    /// An Alipay asynchronous notification: RSA2 over the sorted form (without `sign` and
    /// `sign_type`), then `app_id` and `seller_id`. A trade success is a payment; a notification
    /// carrying `out_biz_no` and `refund_fee` is about a refund, whose amount it gives only as
    /// a running total, so a signed refund query confirms it.
    public static func alipay(form body: String, merchant: AlipayMerchant) throws(PaymentError) -> ChannelNotice {
        let form = Alipay.formFields(body)
        guard form["sign_type"] == "RSA2" else { throw PaymentError("sign_type must be RSA2") }
        guard merchant.verificationKeys.contains(where: { Alipay.verifyNotify(form, key: $0) }) else { throw PaymentError("bad signature") }
        guard form["app_id"] == merchant.appId else { throw PaymentError("not for this application") }
        if let seller = merchant.sellerId, let given = form["seller_id"], given != seller { throw PaymentError("not for this seller") }
        guard let id = form["notify_id"], !id.isEmpty, let reference = form["out_trade_no"], !reference.isEmpty else {
            throw PaymentError("notify_id and out_trade_no are required")
        }
        if let refundId = form["out_biz_no"], !refundId.isEmpty, form["refund_fee"] != nil {
            var notice = ChannelNotice(kind: .refund, id: "alipay:" + id, reference: reference)
            notice.refundId = refundId
            notice.channelId = form["trade_no"]
            notice.refundStatus = .unconfirmed
            return notice
        }
        switch form["trade_status"] ?? "" {
        case "TRADE_SUCCESS", "TRADE_FINISHED":
            guard let amount = form["total_amount"].flatMap(Money.fen(yuan:)) else { throw PaymentError("total_amount is not an amount") }
            var notice = ChannelNotice(kind: .paid, id: "alipay:" + id, reference: reference)
            notice.channelId = form["trade_no"]
            notice.amount = amount
            return notice
        default: return ChannelNotice(kind: .other, id: "alipay:" + id, reference: reference)
        }
    }
}
