import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import _CryptoExtras

/// A merchant account at WeChat Pay, API v3: the API certificate's private key and serial sign
/// requests; the platform keys verify answers and callbacks; the APIv3 key opens callbacks.
public struct WeChatV3Merchant: Sendable {
    public var appId: String, mchId: String, serialNo: String
    public var privateKey: _RSA.Signing.PrivateKey
    public var platformKeys: WeChatV3.PlatformKeys
    public var apiV3Key: String
    public var clientIP = "127.0.0.1"
    /// Where WeChat sends refund and Native payment callbacks (our `/api/v1/payments/notify/wechat-v3`).
    public var notifyURL: String?
    public init(appId: String, mchId: String, serialNo: String, privateKey: _RSA.Signing.PrivateKey, platformKeys: WeChatV3.PlatformKeys, apiV3Key: String) {
        (self.appId, self.mchId, self.serialNo, self.privateKey, self.platformKeys, self.apiV3Key) = (appId, mchId, serialNo, privateKey, platformKeys, apiV3Key)
    }
}

/// WeChat Pay API v3 over HTTPS: payment code (codepay, query, reverse), refunds and refund
/// query, trade bills, and the Native QR order a customer display shows (with its close).
/// Every request carries the `WECHATPAY2-SHA256-RSA2048` header over the exact bytes sent;
/// every answer must verify with a platform key and be fresh, or it counts as no answer.
public struct WeChatV3Client: Sendable {
    public let http: HTTPClient
    public let base: String
    public let merchant: WeChatV3Merchant
    public var timeouts = ChannelTimeouts()

    public init(http: HTTPClient, base: String = "https://api.mch.weixin.qq.com", merchant: WeChatV3Merchant) {
        self.http = http
        self.base = base
        self.merchant = merchant
    }

    /// A verified answer: its HTTP status and JSON object (empty for 204).
    struct Answer {
        let status: UInt
        let json: [String: Any]
        var code: String { json["code"] as? String ?? "" }
    }

    /// Signs and sends one request; nil when there is no trustworthy answer.
    func call(_ method: HTTPMethod, _ pathWithQuery: String, body: [String: Any]? = nil, timeout: TimeAmount) async -> Answer? {
        var text = ""
        if let body {
            guard let data = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
            text = String(decoding: data, as: UTF8.self)
        }
        guard let authorization = try? authorization(method, pathWithQuery, body: text) else { return nil }
        var request = HTTPClientRequest(url: base + pathWithQuery)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Chainstore/1.0")
        if body != nil {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: text))
        }
        guard let response = try? await http.execute(request, timeout: timeout), let bytes = try? await response.body.collect(upTo: 1 << 20) else {
            return nil
        }
        let raw = String(buffer: bytes)
        let headers = Dictionary(response.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        guard WeChatV3.verify(headers: headers, body: raw, keys: merchant.platformKeys, now: Int64(Date().timeIntervalSince1970)).accepted else {
            return nil
        }
        if raw.isEmpty { return Answer(status: response.status.code, json: [:]) }
        guard let json = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] else { return nil }
        return Answer(status: response.status.code, json: json)
    }

    /// The Authorization header of a request sent now with a fresh nonce.
    func authorization(_ method: HTTPMethod, _ pathWithQuery: String, body: String) throws(PaymentError) -> String {
        try WeChatV3.authorization(mchid: merchant.mchId, serialNo: merchant.serialNo, key: merchant.privateKey, method: method.rawValue,
                                   urlPathWithQuery: pathWithQuery, timestamp: String(Int64(Date().timeIntervalSince1970)), nonce: paymentNonce(),
                                   body: body).header
    }

    func path(_ outTradeNo: String) -> String {
        "/v3/pay/transactions/out-trade-no/" + (outTradeNo.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? outTradeNo)
    }

    func mine(_ json: [String: Any]) -> Bool {
        (json["mchid"] as? String).map { $0 == merchant.mchId } ?? true
    }

    /// `trade_state` of a transaction object, as the state machine reads it.
    func transaction(_ json: [String: Any], expected: Int64?) -> ChannelReply {
        let state = json["trade_state"] as? String ?? ""
        switch state {
        case "SUCCESS", "REFUND":
            var reply = ChannelReply(.paid)
            reply.channelId = json["transaction_id"] as? String
            reply.amount = ((json["amount"] as? [String: Any])?["total"] as? NSNumber)?.int64Value
            if let expected, reply.amount != expected || !mine(json) {
                reply.outcome = .unknown
                reply.alarm = true
                reply.message = "amount or merchant differs from the attempt"
            }
            return reply
        case "USERPAYING", "NOTPAY", "ACCEPT": return ChannelReply(.userPaying, code: state)
        case "PAYERROR", "CLOSED": return ChannelReply(.failed, code: state)
        case "REVOKED": return ChannelReply(.reversed, code: state)
        default: return ChannelReply(.unknown, code: state.isEmpty ? nil : state)
        }
    }

    public func codepay(outTradeNo: String, authCode: String, total: Int64, description: String, storeId: String? = nil) async -> ChannelReply {
        var scene: [String: Any] = ["device_ip": merchant.clientIP]
        if let storeId { scene["store_info"] = ["out_id": storeId] }
        let body: [String: Any] = [
            "appid": merchant.appId, "mchid": merchant.mchId, "description": description, "out_trade_no": outTradeNo,
            "payer": ["auth_code": authCode], "amount": ["total": total, "currency": "CNY"], "scene_info": scene,
        ]
        guard let answer = await call(.POST, "/v3/pay/transactions/codepay", body: body, timeout: timeouts.pay) else {
            return ChannelReply(.unknown, message: "no verified answer")
        }
        if answer.status == 200 { return transaction(answer.json, expected: total) }
        var reply = ChannelReply(.unknown, code: answer.code, message: answer.json["message"] as? String)
        switch answer.code {
        case "USERPAYING", "USER_PAYING": reply.outcome = .userPaying
        case "NOT_ENOUGH", "AUTH_CODE_INVALID", "AUTHCODE_EXPIRE", "AUTH_CODE_EXPIRE", "ORDER_CLOSED", "ORDERCLOSED", "TRADE_ERROR", "NOTSUPORTCARD":
            reply.outcome = .failed
        case "PARAM_ERROR", "INVALID_REQUEST", "SIGN_ERROR", "NO_AUTH", "APPID_MCHID_NOT_MATCH", "MCH_NOT_EXISTS":
            // Ours to fix; the payer was not charged by a request WeChat refused to read.
            reply.outcome = .failed
            reply.alarm = true
        default: break  // SYSTEM_ERROR, BANK_ERROR, 5xx, ORDERPAID, anything new: ask.
        }
        return reply
    }

    public func query(outTradeNo: String, expected: Int64?) async -> ChannelReply {
        guard let answer = await call(.GET, path(outTradeNo) + "?mchid=" + merchant.mchId, timeout: timeouts.query) else {
            return ChannelReply(.unknown, message: "no verified answer")
        }
        if answer.status == 200 { return transaction(answer.json, expected: expected) }
        // Normalised to v2's code: the flow treats "no such order" the same for both.
        if answer.code == "ORDER_NOT_EXIST" || answer.code == "ORDERNOTEXIST" { return ChannelReply(.unknown, code: "ORDERNOTEXIST") }
        return ChannelReply(.unknown, code: answer.code, message: answer.json["message"] as? String)
    }

    public func reverse(outTradeNo: String) async -> ChannelReply {
        guard let answer = await call(.POST, path(outTradeNo) + "/reverse", body: ["appid": merchant.appId, "mchid": merchant.mchId],
                                      timeout: timeouts.reverse)
        else {
            var reply = ChannelReply(.unknown, message: "no verified answer")
            reply.again = true
            return reply
        }
        if answer.status == 200 || answer.status == 204 { return ChannelReply(.reversed) }
        if answer.code == "ORDER_NOT_EXIST" || answer.code == "ORDERNOTEXIST" { return ChannelReply(.reversed, code: "ORDERNOTEXIST") }
        var reply = ChannelReply(.unknown, code: answer.code, message: answer.json["message"] as? String)
        reply.again = true
        return reply
    }

    /// A Native order: WeChat answers the `code_url` the customer display shows as a QR code.
    public func native(outTradeNo: String, total: Int64, description: String, expiresAt: Date) async -> (ChannelReply, String?) {
        var body: [String: Any] = [
            "appid": merchant.appId, "mchid": merchant.mchId, "description": description, "out_trade_no": outTradeNo,
            "amount": ["total": total, "currency": "CNY"], "time_expire": Self.rfc3339(expiresAt),
        ]
        if let notify = merchant.notifyURL { body["notify_url"] = notify }
        guard let answer = await call(.POST, "/v3/pay/transactions/native", body: body, timeout: timeouts.pay) else {
            return (ChannelReply(.unknown, message: "no verified answer"), nil)
        }
        guard answer.status == 200, let url = answer.json["code_url"] as? String, url.hasPrefix("weixin://") else {
            return (ChannelReply(answer.status >= 500 ? .unknown : .failed, code: answer.code, message: answer.json["message"] as? String), nil)
        }
        return (ChannelReply(.userPaying, code: "NOTPAY"), url)
    }

    /// Closes an unpaid order (Native orders have no reverse). A paid one answers `ORDERPAID`.
    public func close(outTradeNo: String) async -> ChannelReply {
        guard let answer = await call(.POST, path(outTradeNo) + "/close", body: ["mchid": merchant.mchId], timeout: timeouts.reverse) else {
            var reply = ChannelReply(.unknown, message: "no verified answer")
            reply.again = true
            return reply
        }
        if answer.status == 204 || answer.status == 200 { return ChannelReply(.reversed, code: "CLOSED") }
        if answer.code == "ORDER_NOT_EXIST" { return ChannelReply(.reversed, code: "ORDERNOTEXIST") }
        var reply = ChannelReply(.unknown, code: answer.code)
        reply.again = answer.code != "ORDERPAID"
        return reply
    }

    /// A refund object (`status`: SUCCESS, PROCESSING, CLOSED, ABNORMAL), as the flow reads it.
    func refundState(_ json: [String: Any]) -> ChannelReply {
        var reply: ChannelReply
        switch json["status"] as? String ?? "" {
        case "SUCCESS": reply = ChannelReply(.refunded, code: "SUCCESS")
        case "PROCESSING": reply = ChannelReply(.accepted, code: "PROCESSING")
        case "CLOSED":
            reply = ChannelReply(.failed, code: "CLOSED")
            reply.alarm = true
        case "ABNORMAL":
            // The money left but could not reach the payer: a human re-routes it; the amount
            // stays taken.
            reply = ChannelReply(.accepted, code: "ABNORMAL")
            reply.alarm = true
        default: reply = ChannelReply(.unknown, code: json["status"] as? String)
        }
        reply.channelId = json["refund_id"] as? String
        reply.amount = ((json["amount"] as? [String: Any])?["refund"] as? NSNumber)?.int64Value
        return reply
    }

    public func refund(outTradeNo: String, outRefundNo: String, total: Int64, refund: Int64) async -> ChannelReply {
        var body: [String: Any] = ["out_trade_no": outTradeNo, "out_refund_no": outRefundNo, "amount": ["refund": refund, "total": total, "currency": "CNY"]]
        if let notify = merchant.notifyURL { body["notify_url"] = notify }
        guard let answer = await call(.POST, "/v3/refund/domestic/refunds", body: body, timeout: timeouts.reverse) else {
            return ChannelReply(.unknown, message: "no verified answer")
        }
        if answer.status == 200 { return refundState(answer.json) }
        // Only a definite refusal frees the amount; anything else is sent again, same number.
        let definite: Set<String> = ["NOT_ENOUGH", "PARAM_ERROR", "INVALID_REQUEST", "SIGN_ERROR", "NO_AUTH", "USER_ACCOUNT_ABNORMAL",
                                     "MCH_NOT_EXISTS", "RESOURCE_NOT_EXISTS", "APPID_MCHID_NOT_MATCH"]
        return ChannelReply(answer.status < 500 && definite.contains(answer.code) ? .failed : .unknown, code: answer.code,
                            message: answer.json["message"] as? String)
    }

    public func refundQuery(outRefundNo: String) async -> ChannelReply {
        guard let answer = await call(.GET, "/v3/refund/domestic/refunds/" + outRefundNo, timeout: timeouts.query) else {
            return ChannelReply(.unknown, message: "no verified answer")
        }
        if answer.status == 200 { return refundState(answer.json) }
        return ChannelReply(.unknown, code: answer.code == "RESOURCE_NOT_EXISTS" ? "REFUNDNOTEXIST" : answer.code)
    }

    /// The day's trade bill: its download URL, then the file, checked against the SHA-1 given.
    public func tradeBill(date: String) async throws(PaymentError) -> String {
        guard let answer = await call(.GET, "/v3/bill/tradebill?bill_date=\(date)&bill_type=ALL", timeout: timeouts.query) else {
            throw PaymentError("no verified answer for the bill of \(date)")
        }
        if answer.code == "NO_STATEMENT_EXIST" { return "" }
        guard answer.status == 200, let url = answer.json["download_url"] as? String, let parsed = URL(string: url),
            let expected = answer.json["hash_value"] as? String
        else { throw PaymentError("bill refused: \(answer.json["message"] as? String ?? answer.code)") }
        // The download is signed like any request; its answer is checked by the hash instead.
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: try authorization(.GET, parsed.path + (parsed.query.map { "?" + $0 } ?? ""), body: ""))
        request.headers.add(name: "User-Agent", value: "Chainstore/1.0")
        guard let response = try? await http.execute(request, timeout: .seconds(60)), response.status == .ok,
            let body = try? await response.body.collect(upTo: 64 << 20)
        else { throw PaymentError("the bill could not be downloaded") }
        let bytes = Data(body.readableBytesView)
        guard hex(Insecure.SHA1.hash(data: bytes), uppercase: false) == expected.lowercased() else {
            throw PaymentError("the bill's SHA-1 differs from the one announced")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func rfc3339(_ date: Date) -> String { chinaTime(date, format: "yyyy-MM-dd'T'HH:mm:ss'+08:00'") }
}
