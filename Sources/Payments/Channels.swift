import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import _CryptoExtras

/// What a channel said about an attempt, reduced to what the payment state machine decides on
/// (payments.md §2.3, §4.6). An answer that could not be verified is `.unknown`, never a result.
public struct ChannelReply: Sendable, Equatable {
    public enum Outcome: String, Sendable { case paid, failed, unknown, userPaying = "user_paying", reversed, refunded, accepted }

    public var outcome: Outcome
    /// The channel's code for a refusal or an error (`NOTENOUGH`, `ACQ.SYSTEM_ERROR`, …).
    public var code: String?
    public var message: String?
    /// The channel's transaction id (`transaction_id`, `trade_no`).
    public var channelId: String?
    /// The amount the channel states, in fen.
    public var amount: Int64?
    /// Reverse/cancel asks to be called again (`recall=Y`, `retry_flag=Y`).
    public var again = false
    /// Our configuration or our bug, not the customer's: raise an alarm.
    public var alarm = false

    public init(_ outcome: Outcome, code: String? = nil, message: String? = nil) {
        self.outcome = outcome
        self.code = code
        self.message = message
    }
}

/// A merchant account at WeChat Pay (API v2).
public struct WeChatMerchant: Sendable {
    public var appId: String, mchId: String, apiKey: String, subMchId: String?
    public var signType: WeChatV2.SignType = .hmacSHA256
    public var clientIP = "127.0.0.1"
    /// Where WeChat sends refund notifications (our `/api/v1/payments/notify/wechat`).
    public var notifyURL: String?
    public init(appId: String, mchId: String, apiKey: String, subMchId: String? = nil) {
        (self.appId, self.mchId, self.apiKey, self.subMchId) = (appId, mchId, apiKey, subMchId)
    }
}

/// An application at Alipay: its private key signs, Alipay's public key verifies.
public struct AlipayMerchant: Sendable {
    public var appId: String, privateKey: _RSA.Signing.PrivateKey, alipayPublicKey: _RSA.Signing.PublicKey, sellerId: String?
    /// Where Alipay posts its asynchronous notifications (our `/api/v1/payments/notify/alipay`).
    public var notifyURL: String?
    /// Public-key certificate mode (payments.md §4.5): requests carry both SNs; answers name the
    /// Alipay certificate that signed them (`alipay_cert_sn`), whose key verifies them.
    public var certificates: AlipayCertificates?

    /// Every key an Alipay message may be signed with (two while certificates rotate).
    public var verificationKeys: [_RSA.Signing.PublicKey] { [alipayPublicKey] + (certificates.map { Array($0.alipayKeys.values) } ?? []) }
    public init(appId: String, privateKey: _RSA.Signing.PrivateKey, alipayPublicKey: _RSA.Signing.PublicKey, sellerId: String? = nil) {
        (self.appId, self.privateKey, self.alipayPublicKey, self.sellerId) = (appId, privateKey, alipayPublicKey, sellerId)
    }
}

/// The certificates of an Alipay application in certificate mode.
public struct AlipayCertificates: Sendable {
    public var appCertSN: String, rootCertSN: String
    /// Alipay's public-key certificates by their SN.
    public var alipayKeys: [String: _RSA.Signing.PublicKey]
    public init(appCertSN: String, rootCertSN: String, alipayKeys: [String: _RSA.Signing.PublicKey]) {
        (self.appCertSN, self.rootCertSN, self.alipayKeys) = (appCertSN, rootCertSN, alipayKeys)
    }
}

/// Time limits per call (payments.md §5.2). The client never retries a POST by itself.
public struct ChannelTimeouts: Sendable {
    public var pay: TimeAmount = .seconds(15), query: TimeAmount = .seconds(10), reverse: TimeAmount = .seconds(15)
    public init() {}
}

/// WeChat Pay API v2 over HTTPS: micropay, order query, reverse, refund, refund query, bills.
/// Nonces come from the caller (the state machine draws them from a CSPRNG).
public struct WeChatV2Client: Sendable {
    public let http: HTTPClient
    public let base: String
    public let merchant: WeChatMerchant
    public var timeouts = ChannelTimeouts()

    public init(http: HTTPClient, base: String = "https://api.mch.weixin.qq.com", merchant: WeChatMerchant) {
        self.http = http
        self.base = base
        self.merchant = merchant
    }

    func common(_ nonce: String) -> [(String, String)] {
        var fields = [("appid", merchant.appId), ("mch_id", merchant.mchId), ("nonce_str", nonce), ("sign_type", merchant.signType.rawValue)]
        if let sub = merchant.subMchId { fields.append(("sub_mch_id", sub)) }
        return fields
    }

    /// Sends a signed request and returns the verified response fields, or nil when there is
    /// no trustworthy answer (transport failure, bad signature, not XML).
    func call(_ path: String, _ fields: [(String, String)], timeout: TimeAmount) async -> [String: String]? {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: WeChatV2.request(fields, apiKey: merchant.apiKey, type: merchant.signType)))
        guard let response = try? await http.execute(request, timeout: timeout), response.status == .ok,
            let body = try? await response.body.collect(upTo: 1 << 20), let parsed = try? FlatXML.parse(String(buffer: body))
        else { return nil }
        let answer = Dictionary(parsed, uniquingKeysWith: { a, _ in a })
        // A communication-level FAIL often carries no signature; anything else must verify.
        if answer["return_code"] == "SUCCESS", !WeChatV2.verify(parsed, apiKey: merchant.apiKey, type: merchant.signType) { return nil }
        if answer["return_code"] == "SUCCESS", answer["appid"] != merchant.appId || answer["mch_id"] != merchant.mchId { return nil }
        return answer
    }

    public func micropay(outTradeNo: String, authCode: String, totalFee: Int64, body: String, nonce: String) async -> ChannelReply {
        let fields = common(nonce) + [("body", body), ("out_trade_no", outTradeNo), ("total_fee", String(totalFee)),
                                      ("spbill_create_ip", merchant.clientIP), ("auth_code", authCode)]
        guard let answer = await call("/pay/micropay", fields, timeout: timeouts.pay) else { return ChannelReply(.unknown, message: "no verified answer") }
        guard answer["return_code"] == "SUCCESS" else { return ChannelReply(.unknown, code: "FAIL", message: answer["return_msg"]) }
        if answer["result_code"] == "SUCCESS" { return paid(answer, expected: totalFee) }
        let code = answer["err_code"] ?? ""
        var reply = ChannelReply(.unknown, code: code, message: answer["err_code_des"])
        switch code {
        case "USERPAYING": reply.outcome = .userPaying
        case "AUTHCODEEXPIRE", "AUTH_CODE_INVALID", "AUTH_CODE_ERROR", "NOTENOUGH", "NOTSUPORTCARD", "ORDERCLOSED", "ORDERREVERSED", "TRADE_ERROR":
            reply.outcome = .failed
        case "PARAM_ERROR", "SIGNERROR", "LACK_PARAMS", "NOAUTH", "APPID_MCHID_NOT_MATCH", "INVALID_REQUEST", "XML_FORMAT_ERROR", "NOT_UTF8",
             "REQUIRE_POST_METHOD", "BUYER_MISMATCH":
            reply.outcome = .failed
            reply.alarm = true
        default: break  // SYSTEMERROR, BANKERROR, ORDERPAID, OUT_TRADE_NO_USED, anything new: ask.
        }
        return reply
    }

    func paid(_ answer: [String: String], expected: Int64?) -> ChannelReply {
        var reply = ChannelReply(.paid)
        reply.channelId = answer["transaction_id"]
        reply.amount = answer["total_fee"].flatMap { Int64($0) }
        if let expected, reply.amount != expected || answer["mch_id"] != merchant.mchId {
            reply.outcome = .unknown
            reply.alarm = true
            reply.message = "amount or merchant differs from the attempt"
        }
        return reply
    }

    public func query(outTradeNo: String, expected: Int64?, nonce: String) async -> ChannelReply {
        guard let answer = await call("/pay/orderquery", common(nonce) + [("out_trade_no", outTradeNo)], timeout: timeouts.query),
            answer["return_code"] == "SUCCESS"
        else { return ChannelReply(.unknown, message: "no verified answer") }
        guard answer["result_code"] == "SUCCESS" else { return ChannelReply(.unknown, code: answer["err_code"], message: answer["err_code_des"]) }
        switch answer["trade_state"] ?? "" {
        case "SUCCESS", "REFUND": return paid(answer, expected: expected)
        case "USERPAYING", "NOTPAY", "ACCEPT": return ChannelReply(.userPaying, code: answer["trade_state"])
        case "PAYERROR", "CLOSED": return ChannelReply(.failed, code: answer["trade_state"])
        case "REVOKED": return ChannelReply(.reversed, code: "REVOKED")
        default: return ChannelReply(.unknown, code: answer["trade_state"])
        }
    }

    public func reverse(outTradeNo: String, nonce: String) async -> ChannelReply {
        guard let answer = await call("/secapi/pay/reverse", common(nonce) + [("out_trade_no", outTradeNo)], timeout: timeouts.reverse),
            answer["return_code"] == "SUCCESS"
        else { var reply = ChannelReply(.unknown, message: "no verified answer"); reply.again = true; return reply }
        // No such order at WeChat: nothing was charged, nothing is left to reverse.
        if answer["err_code"] == "ORDERNOTEXIST" { return ChannelReply(.reversed, code: "ORDERNOTEXIST") }
        var reply = ChannelReply(answer["result_code"] == "SUCCESS" && answer["recall"] != "Y" ? .reversed : .unknown, code: answer["err_code"])
        reply.again = answer["recall"] == "Y" || answer["result_code"] != "SUCCESS"
        return reply
    }

    public func refund(outTradeNo: String, outRefundNo: String, totalFee: Int64, refundFee: Int64, nonce: String) async -> ChannelReply {
        var fields = common(nonce) + [("out_trade_no", outTradeNo), ("out_refund_no", outRefundNo), ("total_fee", String(totalFee)),
                                      ("refund_fee", String(refundFee))]
        if let notify = merchant.notifyURL { fields.append(("notify_url", notify)) }
        guard let answer = await call("/secapi/pay/refund", fields, timeout: timeouts.reverse), answer["return_code"] == "SUCCESS" else {
            return ChannelReply(.unknown, message: "no verified answer")
        }
        guard answer["result_code"] == "SUCCESS" else {
            // Only a definite refusal frees the amount; SYSTEMERROR, BIZERR_NEED_RETRY and
            // anything unknown are sent again with the same refund number.
            let code = answer["err_code"] ?? ""
            return ChannelReply(Self.refundRefusals.contains(code) ? .failed : .unknown, code: code, message: answer["err_code_des"])
        }
        var reply = ChannelReply(.accepted)
        reply.channelId = answer["refund_id"]
        reply.amount = answer["refund_fee"].flatMap { Int64($0) }
        return reply
    }

    /// `err_code`s of a refund that are definite: nothing was refunded.
    static let refundRefusals: Set<String> = [
        "NOTENOUGH", "TRADE_STATE_ERROR", "PARAM_ERROR", "INVALID_REQUEST", "INVALID_TRANSACTIONID", "ORDERNOTEXIST", "USER_ACCOUNT_ABNORMAL",
        "TRADE_OVERDUE", "APPID_NOT_EXIST", "MCHID_NOT_EXIST", "APPID_MCHID_NOT_MATCH", "SIGNERROR", "XML_FORMAT_ERROR", "REQUIRE_POST_METHOD",
        "NOAUTH", "POST_DATA_EMPTY", "NOT_UTF8", "LACK_PARAMS",
    ]

    /// Where a refund stands (`refund_status_N` of the refund asked about): SUCCESS is
    /// final, PROCESSING is accepted, REFUNDCLOSE a refusal; CHANGE (the money left but could
    /// not reach the payer) stays processing with an alarm, its amount still taken.
    public func refundQuery(outRefundNo: String, nonce: String) async -> ChannelReply {
        guard let answer = await call("/pay/refundquery", common(nonce) + [("out_refund_no", outRefundNo)], timeout: timeouts.query),
            answer["return_code"] == "SUCCESS"
        else { return ChannelReply(.unknown, message: "no verified answer") }
        guard answer["result_code"] == "SUCCESS" else {
            return ChannelReply(.unknown, code: answer["err_code"] == "REFUNDNOTEXIST" ? "REFUNDNOTEXIST" : answer["err_code"])
        }
        let count = Int(answer["refund_count"] ?? "") ?? 0
        guard let index = (0..<count).first(where: { answer["out_refund_no_\($0)"] == outRefundNo }) else {
            return ChannelReply(.unknown, code: "REFUNDNOTEXIST")
        }
        var reply: ChannelReply
        switch answer["refund_status_\(index)"] ?? "" {
        case "SUCCESS": reply = ChannelReply(.refunded, code: "SUCCESS")
        case "PROCESSING": reply = ChannelReply(.accepted, code: "PROCESSING")
        case "REFUNDCLOSE":
            reply = ChannelReply(.failed, code: "REFUNDCLOSE")
            reply.alarm = true
        case let status:
            reply = ChannelReply(.accepted, code: status)
            reply.alarm = true
        }
        reply.channelId = answer["refund_id_\(index)"]
        reply.amount = answer["refund_fee_\(index)"].flatMap { Int64($0) }
        return reply
    }

    /// The day's bill as text (an empty string for a day without trades).
    public func downloadBill(date: String, nonce: String) async throws(PaymentError) -> String {
        let fields = common(nonce) + [("bill_date", date), ("bill_type", "ALL")]
        var request = HTTPClientRequest(url: base + "/pay/downloadbill")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: WeChatV2.request(fields, apiKey: merchant.apiKey, type: merchant.signType)))
        guard let response = try? await http.execute(request, timeout: .seconds(60)), response.status == .ok,
            let body = try? await response.body.collect(upTo: 64 << 20)
        else { throw PaymentError("the bill could not be downloaded") }
        let text = String(buffer: body)
        if text.hasPrefix("<xml>") {
            let fields = Dictionary((try? FlatXML.parse(text)) ?? [], uniquingKeysWith: { a, _ in a })
            if fields["return_msg"]?.contains("No Bill Exist") == true || fields["err_code"] == "20002" { return "" }
            throw PaymentError("bill refused: \(fields["return_msg"] ?? text)")
        }
        return text
    }
}

/// The Alipay gateway over HTTPS: trade.pay (bar code), query, cancel, refund, bill URL.
public struct AlipayClient: Sendable {
    public let http: HTTPClient
    public let gateway: String
    public let merchant: AlipayMerchant
    public var timeouts = ChannelTimeouts()

    public init(http: HTTPClient, gateway: String = "https://openapi.alipay.com/gateway.do", merchant: AlipayMerchant) {
        self.http = http
        self.gateway = gateway
        self.merchant = merchant
    }

    /// The `*_response` node of a verified answer, parsed; nil without a trustworthy answer.
    func call(_ method: String, biz: [String: Any], timestamp: String, timeout: TimeAmount) async -> [String: Any]? {
        guard let bizJSON = try? JSONSerialization.data(withJSONObject: biz, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
        var params: [String: String] = [
            "app_id": merchant.appId, "method": method, "format": "JSON", "charset": "utf-8", "sign_type": "RSA2", "timestamp": timestamp,
            "version": "1.0", "biz_content": String(decoding: bizJSON, as: UTF8.self),
        ]
        if let notify = merchant.notifyURL, method == "alipay.trade.pay" || method == "alipay.trade.refund" { params["notify_url"] = notify }
        if let certificates = merchant.certificates {
            params["app_cert_sn"] = certificates.appCertSN
            params["alipay_root_cert_sn"] = certificates.rootCertSN
        }
        guard let sign = try? Alipay.sign(params, key: merchant.privateKey) else { return nil }
        var request = HTTPClientRequest(url: gateway)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: Alipay.queryString(params, sign: sign)))
        guard let response = try? await http.execute(request, timeout: timeout), response.status == .ok,
            let body = try? await response.body.collect(upTo: 1 << 20)
        else { return nil }
        let raw = String(buffer: body)
        var key = merchant.alipayPublicKey
        if let certificates = merchant.certificates,
            let sn = ((try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any])?["alipay_cert_sn"] as? String {
            // Signed by a certificate we do not hold: no answer (its key may have rotated; a
            // human installs the new certificate).
            guard let named = certificates.alipayKeys[sn] else { return nil }
            key = named
        }
        let verdict = Alipay.verifyResponse(raw, method: method, key: key)
        guard verdict.valid, let content = verdict.signedContent,
            let node = (try? JSONSerialization.jsonObject(with: Data(content.utf8))) as? [String: Any]
        else { return nil }
        return node
    }

    func code(_ node: [String: Any]) -> (String, String?) { (node["code"] as? String ?? "", node["sub_code"] as? String) }

    public func pay(outTradeNo: String, authCode: String, totalFee: Int64, subject: String, timestamp: String) async -> ChannelReply {
        let biz: [String: Any] = ["out_trade_no": outTradeNo, "scene": "bar_code", "auth_code": authCode, "subject": subject,
                                  "total_amount": Money.yuan(fen: totalFee), "timeout_express": "2m"]
        guard let node = await call("alipay.trade.pay", biz: biz, timestamp: timestamp, timeout: timeouts.pay) else {
            return ChannelReply(.unknown, message: "no verified answer")
        }
        let (code, sub) = code(node)
        switch code {
        case "10000": return paid(node, expected: totalFee)
        case "10003": return ChannelReply(.userPaying, code: code)
        case "40004":
            switch sub ?? "" {
            case "ACQ.SYSTEM_ERROR", "ACQ.TRADE_HAS_SUCCESS": return ChannelReply(.unknown, code: sub)
            case "ACQ.CONTEXT_INCONSISTENT", "ACQ.INVALID_PARAMETER":
                var reply = ChannelReply(.failed, code: sub, message: node["sub_msg"] as? String)
                reply.alarm = true
                return reply
            case let code where Self.refusals.contains(code):
                return ChannelReply(.failed, code: code, message: node["sub_msg"] as? String)
            default:
                // A refusal not known to be definite: ask before believing it.
                return ChannelReply(.unknown, code: sub, message: node["sub_msg"] as? String)
            }
        case "40001", "40002", "40006", "20001":
            var reply = ChannelReply(.failed, code: sub ?? code, message: node["sub_msg"] as? String)
            reply.alarm = true
            return reply
        default: return ChannelReply(.unknown, code: sub ?? code)
        }
    }

    /// `alipay.trade.pay` refusals that are definite: the payer was not charged.
    static let refusals: Set<String> = [
        "ACQ.PAYMENT_AUTH_CODE_INVALID", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH", "ACQ.TRADE_HAS_CLOSE",
        "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR", "ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR", "ACQ.ERROR_BALANCE_PAYMENT_DISABLE",
        "ACQ.BUYER_SELLER_EQUAL", "ACQ.TRADE_BUYER_NOT_MATCH", "ACQ.PAYMENT_FAIL", "ACQ.PAYMENT_REQUEST_HAS_RISK",
        "ACQ.NO_PAYMENT_INSTRUMENTS_AVAILABLE", "ACQ.MOBILE_PAYMENT_SWITCH_OFF", "ACQ.PULL_MOBILE_CASHIER_FAIL", "ACQ.BUYER_ENABLE_STATUS_FORBID",
    ]

    func paid(_ node: [String: Any], expected: Int64?) -> ChannelReply {
        var reply = ChannelReply(.paid)
        reply.channelId = node["trade_no"] as? String
        reply.amount = (node["total_amount"] as? String).flatMap(Money.fen(yuan:))
        if let expected, reply.amount != expected {
            reply.outcome = .unknown
            reply.alarm = true
            reply.message = "amount differs from the attempt"
        }
        return reply
    }

    public func query(outTradeNo: String, expected: Int64?, timestamp: String) async -> ChannelReply {
        guard let node = await call("alipay.trade.query", biz: ["out_trade_no": outTradeNo], timestamp: timestamp, timeout: timeouts.query) else {
            return ChannelReply(.unknown, message: "no verified answer")
        }
        let (code, sub) = code(node)
        guard code == "10000" else { return ChannelReply(.unknown, code: sub ?? code) }
        switch node["trade_status"] as? String ?? "" {
        case "TRADE_SUCCESS", "TRADE_FINISHED": return paid(node, expected: expected)
        case "WAIT_BUYER_PAY": return ChannelReply(.userPaying, code: "WAIT_BUYER_PAY")
        case "TRADE_CLOSED": return ChannelReply(.failed, code: "TRADE_CLOSED")
        default: return ChannelReply(.unknown, code: node["trade_status"] as? String)
        }
    }

    public func cancel(outTradeNo: String, timestamp: String) async -> ChannelReply {
        guard let node = await call("alipay.trade.cancel", biz: ["out_trade_no": outTradeNo], timestamp: timestamp, timeout: timeouts.reverse) else {
            var reply = ChannelReply(.unknown, message: "no verified answer")
            reply.again = true
            return reply
        }
        let (code, sub) = code(node)
        if sub == "ACQ.TRADE_NOT_EXIST" { return ChannelReply(.reversed, code: sub) }
        var reply = ChannelReply(code == "10000" && node["retry_flag"] as? String != "Y" ? .reversed : .unknown, code: sub ?? code)
        reply.again = node["retry_flag"] as? String == "Y" || code != "10000"
        reply.message = node["action"] as? String
        return reply
    }

    public func refund(outTradeNo: String, outRequestNo: String, refundFee: Int64, timestamp: String) async -> ChannelReply {
        let biz: [String: Any] = ["out_trade_no": outTradeNo, "out_request_no": outRequestNo, "refund_amount": Money.yuan(fen: refundFee)]
        guard let node = await call("alipay.trade.refund", biz: biz, timestamp: timestamp, timeout: timeouts.reverse) else {
            return ChannelReply(.unknown, message: "no verified answer")
        }
        let (code, sub) = code(node)
        guard code == "10000" else {
            // Only a business refusal is definite; a system error or an outage is asked again
            // with the same request number.
            return ChannelReply(code == "40004" && sub != "ACQ.SYSTEM_ERROR" ? .failed : .unknown, code: sub ?? code,
                                message: node["sub_msg"] as? String)
        }
        var reply = ChannelReply(node["fund_change"] as? String == "Y" ? .refunded : .accepted)
        reply.channelId = node["trade_no"] as? String
        reply.amount = (node["refund_fee"] as? String).flatMap(Money.fen(yuan:))
        return reply
    }

    /// `alipay.trade.fastpay.refund.query`: a refund is done when `refund_status` is
    /// REFUND_SUCCESS (or, as older answers do, absent while the refund amount is given); an
    /// answer without the refund means Alipay never took it, and it may be sent again.
    public func refundQuery(outTradeNo: String, outRequestNo: String, timestamp: String) async -> ChannelReply {
        guard let node = await call("alipay.trade.fastpay.refund.query", biz: ["out_trade_no": outTradeNo, "out_request_no": outRequestNo],
                                    timestamp: timestamp, timeout: timeouts.query)
        else { return ChannelReply(.unknown, message: "no verified answer") }
        let (code, sub) = code(node)
        guard code == "10000" else { return ChannelReply(.unknown, code: sub ?? code) }
        let amount = (node["refund_amount"] as? String).flatMap(Money.fen(yuan:))
        let status = node["refund_status"] as? String
        guard status == "REFUND_SUCCESS" || (status == nil && amount != nil) else {
            return ChannelReply(.unknown, code: status ?? "REFUNDNOTEXIST")
        }
        var reply = ChannelReply(.refunded, code: "REFUND_SUCCESS")
        reply.amount = amount
        reply.channelId = node["trade_no"] as? String
        return reply
    }

    /// `alipay.data.dataservice.bill.downloadurl.query`, then the file at the short-lived URL.
    public func downloadBill(date: String, timestamp: String) async throws(PaymentError) -> String {
        guard let node = await call("alipay.data.dataservice.bill.downloadurl.query", biz: ["bill_type": "trade", "bill_date": date],
                                    timestamp: timestamp, timeout: timeouts.query)
        else { throw PaymentError("no verified answer for the bill of \(date)") }
        if (node["sub_code"] as? String) == "isp.bill_not_exist" { return "" }
        guard node["code"] as? String == "10000", let url = node["bill_download_url"] as? String else {
            throw PaymentError("bill refused: \(node["sub_msg"] as? String ?? node["msg"] as? String ?? "")")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        guard let response = try? await http.execute(request, timeout: .seconds(60)), response.status == .ok,
            let body = try? await response.body.collect(upTo: 64 << 20)
        else { throw PaymentError("the bill could not be downloaded") }
        // A ZIP of GBK CSV files; plain text is taken as it is.
        let bytes = Data(body.readableBytesView)
        return ChannelBill.isZIP(bytes) ? try ChannelBill.alipayDetail(zip: bytes) : try ChannelBill.decode(bytes)
    }
}
