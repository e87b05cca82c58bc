import Foundation
import Hummingbird
import Payments
import Synchronization
import _CryptoExtras

/// `chainstore sandbox-pay`: a local stand-in for WeChat Pay (API v2) and the Alipay gateway,
/// with its own keys and real signatures, for the demo and the tests. Nothing in the product
/// depends on it. It checks every request's signature and answers signed; what happens to a
/// payment is scripted by the last two digits of the payment code:
///
/// | ends in | outcome |
/// |---|---|
/// | 00 (and anything unlisted) | paid at once |
/// | 01 | the payer confirms in the app: "user paying", paid after `confirmSeconds` |
/// | 02 | the payer never confirms: "user paying" until reversed or cancelled |
/// | 03 | insufficient funds |
/// | 04 | system error at the channel, though the payer was charged (a query finds it paid) |
/// | 05 | the answer is lost after the charge: charged, then no answer for `lostSeconds` |
/// | 06 | a slow answer: paid, answered after `slowSeconds` |
///
/// A WeChat refund of an amount ending in 99 fen is taken but answered with a system error the
/// first time (the same refund number again is answered as it is).
public struct PaymentSandbox: Sendable {
    public struct Configuration: Sendable {
        public var wechatAppId = "wx8888888888888888", wechatMchId = "1900000109"
        public var wechatAPIKey: String
        public var alipayAppId = "2021004112345678", alipaySellerId = "2088102119685838"
        /// Verifies the merchant's requests.
        public var alipayAppPublicKey: _RSA.Signing.PublicKey
        /// Signs the sandbox's answers (the merchant verifies with its public key).
        public var alipayPlatformKey: _RSA.Signing.PrivateKey
        public var confirmSeconds: Double = 2, slowSeconds: Double = 4, lostSeconds: Double = 30
        /// Alipay certificate mode: the SNs requests must carry, and the one answers name.
        public var alipayCertificates: (appCertSN: String, rootCertSN: String, alipayCertSN: String)?
        /// WeChat refunds are processing for this long, then succeed (and are notified).
        public var refundSeconds: Double = 1
        /// API v3 (optional): the merchant's certificate key verifies requests, the platform key
        /// signs answers and callbacks, the APIv3 key encrypts callback resources.
        public var wechatV3: WeChatV3Side?

        public init(wechatAPIKey: String, alipayAppPublicKey: _RSA.Signing.PublicKey, alipayPlatformKey: _RSA.Signing.PrivateKey) {
            self.wechatAPIKey = wechatAPIKey
            self.alipayAppPublicKey = alipayAppPublicKey
            self.alipayPlatformKey = alipayPlatformKey
        }
    }

    public struct WeChatV3Side: Sendable {
        public var merchantPublicKey: _RSA.Signing.PublicKey, merchantSerial: String
        public var platformKey: _RSA.Signing.PrivateKey, publicKeyId: String
        public var apiV3Key: String
        public init(merchantPublicKey: _RSA.Signing.PublicKey, merchantSerial: String, platformKey: _RSA.Signing.PrivateKey, publicKeyId: String, apiV3Key: String) {
            (self.merchantPublicKey, self.merchantSerial, self.platformKey, self.publicKeyId, self.apiV3Key) =
                (merchantPublicKey, merchantSerial, platformKey, publicKeyId, apiV3Key)
        }
    }

    public let configuration: Configuration
    let book = Ledger()

    public init(configuration: Configuration) { self.configuration = configuration }

    /// The routes of both channels on one router.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        for path in ["/pay/micropay", "/pay/orderquery", "/secapi/pay/reverse", "/secapi/pay/refund", "/pay/refundquery", "/pay/downloadbill"] {
            router.post(RouterPath(stringLiteral: path)) { request, _ in
                let body = try await request.body.collect(upTo: 1 << 20)
                return await self.wechat(path: path, body: String(buffer: body))
            }
        }
        router.post("/gateway.do") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            return await self.alipay(form: String(buffer: body), host: request.head.authority ?? "127.0.0.1")
        }
        v3Routes(router)
        router.get("/bills/alipay/{date}") { _, context in
            let date = context.parameters.get("date") ?? ""
            return Response(status: .ok, headers: [.contentType: "application/zip"], body: .init(byteBuffer: ByteBuffer(data: self.alipayBill(date: date))))
        }
        return router
    }

    // MARK: - The book of orders

    enum Scenario: Sendable {
        case paid, confirms, neverConfirms, insufficient, systemError, lost, slow

        init(authCode: String) {
            switch authCode.suffix(2) {
            case "01": self = .confirms
            case "02": self = .neverConfirms
            case "03": self = .insufficient
            case "04": self = .systemError
            case "05": self = .lost
            case "06": self = .slow
            default: self = .paid
            }
        }
    }

    struct Order: Sendable {
        enum State: Sendable { case paying, paid, failed, closed, reversed }
        let channel: PaymentChannel, outTradeNo: String, authCode: String, amount: Int64, created: Date, tradeNo: String
        var state: State
        var confirmAt: Date?
        var paidAt: Date?
        var refunds: [String: Int64] = [:]
        /// When each refund stops processing and succeeds.
        var refundDoneAt: [String: Date] = [:]
        var notifyURL: String?
        var native = false
    }

    final class Ledger: Sendable {
        private let orders = Mutex<[String: Order]>([:])
        private let counter = Atomic<Int>(0)

        func nextTradeNo(_ prefix: String) -> String {
            let n = counter.add(1, ordering: .relaxed).newValue
            return prefix + String(n).leftPadded(26 - prefix.count)
        }

        func with<T>(_ body: (inout [String: Order]) -> T) -> T { orders.withLock { body(&$0) } }

        /// Moves orders whose payer confirmed in the meantime to paid.
        func settle(_ key: String, now: Date) -> Order? {
            orders.withLock { all in
                guard var order = all[key] else { return nil }
                if order.state == .paying, let at = order.confirmAt, at <= now {
                    order.state = .paid
                    order.paidAt = at
                    all[key] = order
                }
                return order
            }
        }

        func all(_ channel: PaymentChannel) -> [Order] { with { Array($0.values) }.filter { $0.channel == channel }.sorted { $0.created < $1.created } }
    }

    // MARK: - WeChat Pay v2

    func wechat(path: String, body: String) async -> Response {
        guard let fields = try? FlatXML.parse(body) else { return xml([("return_code", "FAIL"), ("return_msg", "XML_FORMAT_ERROR")], signed: nil) }
        let given = Dictionary(fields, uniquingKeysWith: { a, _ in a })
        let type = WeChatV2.SignType(rawValue: given["sign_type"] ?? "MD5") ?? .md5
        guard WeChatV2.verify(fields, apiKey: configuration.wechatAPIKey, type: type) else {
            return xml([("return_code", "FAIL"), ("return_msg", "SIGNERROR")], signed: nil)
        }
        guard given["appid"] == configuration.wechatAppId, given["mch_id"] == configuration.wechatMchId else {
            return xml([("return_code", "FAIL"), ("return_msg", "APPID_MCHID_NOT_MATCH")], signed: nil)
        }
        let now = Date()
        var answer: [(String, String)] = [("return_code", "SUCCESS"), ("return_msg", "OK"), ("appid", configuration.wechatAppId),
                                          ("mch_id", configuration.wechatMchId), ("nonce_str", String(UUID().uuidString.prefix(16)))]
        func fail(_ code: String, _ description: String) -> [(String, String)] {
            [("result_code", "FAIL"), ("err_code", code), ("err_code_des", description)]
        }
        let key = "wechat|" + (given["out_trade_no"] ?? "")
        switch path {
        case "/pay/micropay":
            guard let outTradeNo = given["out_trade_no"], let authCode = given["auth_code"], let fee = given["total_fee"].flatMap({ Int64($0) }), fee > 0 else {
                answer += fail("PARAM_ERROR", "out_trade_no, auth_code and total_fee are required")
                break
            }
            let scenario = Scenario(authCode: authCode)
            let (existing, order) = open(key: key, channel: .wechat, outTradeNo: outTradeNo, authCode: authCode, amount: fee, scenario: scenario, now: now)
            if let existing {
                answer += existing.authCode == authCode && existing.amount == fee ? fail("ORDERPAID", "order paid") : fail("OUT_TRADE_NO_USED", "used")
                break
            }
            switch scenario {
            case .insufficient: answer += fail("NOTENOUGH", "余额不足")
            case .confirms, .neverConfirms: answer += fail("USERPAYING", "需要用户输入支付密码")
            case .systemError: answer += fail("SYSTEMERROR", "系统超时")
            case .lost:
                try? await Task.sleep(for: .seconds(configuration.lostSeconds))
                answer += success(order)
            case .slow:
                try? await Task.sleep(for: .seconds(configuration.slowSeconds))
                answer += success(order)
            case .paid: answer += success(order)
            }
        case "/pay/orderquery":
            guard let order = book.settle(key, now: now) else {
                answer += fail("ORDERNOTEXIST", "此交易订单号不存在")
                break
            }
            let state = switch order.state {
            case .paid: order.refunds.isEmpty ? "SUCCESS" : "REFUND"
            case .paying: "USERPAYING"
            case .failed: "PAYERROR"
            case .closed: "CLOSED"
            case .reversed: "REVOKED"
            }
            answer += [("result_code", "SUCCESS"), ("trade_state", state), ("out_trade_no", order.outTradeNo), ("total_fee", String(order.amount))]
            if order.state == .paid { answer += [("transaction_id", order.tradeNo)] }
        case "/secapi/pay/reverse":
            guard book.settle(key, now: now) != nil else {
                answer += fail("ORDERNOTEXIST", "此交易订单号不存在")
                break
            }
            book.with { orders in
                if var order = orders[key] {
                    order.state = .reversed
                    order.confirmAt = nil
                    orders[key] = order
                }
            }
            answer += [("result_code", "SUCCESS"), ("recall", "N")]
        case "/secapi/pay/refund":
            guard let refundNo = given["out_refund_no"], let fee = given["refund_fee"].flatMap({ Int64($0) }), fee > 0 else {
                answer += fail("PARAM_ERROR", "out_refund_no and refund_fee are required")
                break
            }
            switch refund(key: key, refundNo: refundNo, amount: fee, now: now) {
            case .refused(let code): answer += fail(code, code)
            case .taken(_, first: true) where fee % 100 == 99: answer += fail("SYSTEMERROR", "系统超时")
            case .taken(let order, let first):
                answer += [("result_code", "SUCCESS"), ("out_refund_no", refundNo), ("refund_id", "R" + refundNo), ("refund_fee", String(fee))]
                if first, let notify = given["notify_url"] { notifyV2Refund(url: notify, order: order, refundNo: refundNo, amount: fee) }
            }
        case "/pay/refundquery":
            let order = given["out_refund_no"].flatMap { refundNo in book.with { $0.values.first { $0.channel == .wechat && $0.refunds[refundNo] != nil } } }
                ?? book.settle(key, now: now)
            answer += order.map { order in
                [("result_code", "SUCCESS"), ("refund_count", String(order.refunds.count))]
                    + order.refunds.sorted { $0.key < $1.key }.enumerated().flatMap { index, refund in
                        [("out_refund_no_\(index)", refund.key), ("refund_id_\(index)", "R" + refund.key), ("refund_fee_\(index)", String(refund.value)),
                         ("refund_status_\(index)", (order.refundDoneAt[refund.key] ?? now) <= now ? "SUCCESS" : "PROCESSING")]
                    }
            } ?? fail("REFUNDNOTEXIST", "退款订单查询失败")
        case "/pay/downloadbill":
            let date = given["bill_date"] ?? ""
            let text = wechatBill(date: date)
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
        default:
            answer += fail("INVALID_REQUEST", "unknown path")
        }
        return xml(answer, signed: type)
    }

    func success(_ order: Order) -> [(String, String)] {
        [("result_code", "SUCCESS"), ("out_trade_no", order.outTradeNo), ("transaction_id", order.tradeNo), ("total_fee", String(order.amount)),
         ("cash_fee", String(order.amount)), ("trade_type", "MICROPAY"), ("time_end", "20240601123047")]
    }

    /// Opens an order for a pay call (or returns the existing one for that out_trade_no).
    func open(key: String, channel: PaymentChannel, outTradeNo: String, authCode: String, amount: Int64, scenario: Scenario, now: Date,
              notifyURL: String? = nil) -> (Order?, Order) {
        book.with { orders in
            if let existing = orders[key] { return (existing, existing) }
            var order = Order(channel: channel, outTradeNo: outTradeNo, authCode: authCode, amount: amount, created: now,
                              tradeNo: book.nextTradeNo(channel == .wechat ? "42" : "20"), state: .paying)
            order.notifyURL = notifyURL
            switch scenario {
            case .paid, .systemError, .lost, .slow:
                order.state = .paid
                order.paidAt = now
            case .confirms: order.confirmAt = now.addingTimeInterval(configuration.confirmSeconds)
            case .neverConfirms: break
            case .insufficient: order.state = .failed
            }
            orders[key] = order
            return (nil, order)
        }
    }

    /// What a refund request did: refused (the channel's code), or taken — the first time, or
    /// the same refund again (idempotent by its number) — with the order as it now is.
    enum RefundTaken {
        case refused(String)
        case taken(Order, first: Bool)
    }

    func refund(key: String, refundNo: String, amount: Int64, now: Date) -> RefundTaken {
        book.with { orders in
            guard var order = orders[key], order.state == .paid else { return .refused("TRADE_STATE_ERROR") }
            if let same = order.refunds[refundNo] { return same == amount ? .taken(order, first: false) : .refused("PARAM_ERROR") }
            guard order.refunds.values.reduce(0, +) + amount <= order.amount else { return .refused("NOTENOUGH") }
            order.refunds[refundNo] = amount
            order.refundDoneAt[refundNo] = order.channel == .alipay ? now : now.addingTimeInterval(configuration.refundSeconds)
            orders[key] = order
            return .taken(order, first: true)
        }
    }

    func xml(_ fields: [(String, String)], signed type: WeChatV2.SignType?) -> Response {
        let text = type.map { WeChatV2.request(fields, apiKey: configuration.wechatAPIKey, type: $0) } ?? FlatXML.build(fields)
        return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: - Alipay

    func alipay(form body: String, host: String) async -> Response {
        let form = Alipay.formFields(body)
        let method = form["method"] ?? ""
        let node = method.isEmpty ? "error_response" : Alipay.responseNode(method: method)
        guard let sign = form["sign"], PaymentKeys.verify(Alipay.stringToSign(form), signature: sign, with: configuration.alipayAppPublicKey) else {
            return signedJSON(node: node, ["code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"])
        }
        if let certificates = configuration.alipayCertificates,
            form["app_cert_sn"] != certificates.appCertSN || form["alipay_root_cert_sn"] != certificates.rootCertSN {
            return signedJSON(node: node, ["code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.app-cert-sn-mismatch"])
        }
        guard form["app_id"] == configuration.alipayAppId,
            let biz = (try? JSONSerialization.jsonObject(with: Data((form["biz_content"] ?? "").utf8))) as? [String: Any]
        else { return signedJSON(node: node, ["code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-app-id"]) }
        if method == "alipay.data.dataservice.bill.downloadurl.query" {
            let date = biz["bill_date"] as? String ?? ""
            return signedJSON(node: node, ["code": "10000", "msg": "Success", "bill_download_url": "http://\(host)/bills/alipay/\(date)"])
        }
        guard let outTradeNo = biz["out_trade_no"] as? String else {
            return signedJSON(node: node, ["code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.missing-out-trade-no"])
        }
        let now = Date()
        let key = "alipay|" + outTradeNo
        func business(_ sub: String, _ message: String) -> [String: Any] {
            ["code": "40004", "msg": "Business Failed", "sub_code": sub, "sub_msg": message, "out_trade_no": outTradeNo]
        }
        switch method {
        case "alipay.trade.pay":
            guard let authCode = biz["auth_code"] as? String, let amount = (biz["total_amount"] as? String).flatMap(Money.fen(yuan:)), amount > 0 else {
                return signedJSON(node: node, business("ACQ.INVALID_PARAMETER", "参数无效"))
            }
            let scenario = Scenario(authCode: authCode)
            let (existing, order) = open(key: key, channel: .alipay, outTradeNo: outTradeNo, authCode: authCode, amount: amount, scenario: scenario, now: now,
                                         notifyURL: form["notify_url"])
            if let existing {
                return signedJSON(node: node, existing.authCode == authCode && existing.amount == amount
                    ? business("ACQ.TRADE_HAS_SUCCESS", "交易已被支付") : business("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"))
            }
            switch scenario {
            case .insufficient: return signedJSON(node: node, business("ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足"))
            case .confirms, .neverConfirms:
                return signedJSON(node: node, ["code": "10003", "msg": "Order success pay inprocess", "out_trade_no": outTradeNo, "trade_no": order.tradeNo])
            case .systemError: return signedJSON(node: node, business("ACQ.SYSTEM_ERROR", "系统错误"))
            case .lost: try? await Task.sleep(for: .seconds(configuration.lostSeconds))
            case .slow: try? await Task.sleep(for: .seconds(configuration.slowSeconds))
            case .paid: break
            }
            if let notify = form["notify_url"] { notifyAlipay(url: notify, order: order, refundNo: nil) }
            return signedJSON(node: node, tradeSuccess(order))
        case "alipay.trade.query":
            guard let order = book.settle(key, now: now) else { return signedJSON(node: node, business("ACQ.TRADE_NOT_EXIST", "交易不存在")) }
            let status = switch order.state {
            case .paid: "TRADE_SUCCESS"
            case .paying: "WAIT_BUYER_PAY"
            case .failed, .closed, .reversed: "TRADE_CLOSED"
            }
            return signedJSON(node: node, ["code": "10000", "msg": "Success", "out_trade_no": outTradeNo, "trade_no": order.tradeNo, "trade_status": status,
                                           "total_amount": Money.yuan(fen: order.amount)])
        case "alipay.trade.cancel":
            guard let order = book.settle(key, now: now) else { return signedJSON(node: node, business("ACQ.TRADE_NOT_EXIST", "交易不存在")) }
            book.with { orders in
                orders[key]?.state = .reversed
                orders[key]?.confirmAt = nil
            }
            return signedJSON(node: node, ["code": "10000", "msg": "Success", "out_trade_no": outTradeNo, "trade_no": order.tradeNo, "retry_flag": "N",
                                           "action": order.state == .paid ? "refund" : "close"])
        case "alipay.trade.refund":
            guard let requestNo = biz["out_request_no"] as? String, let amount = (biz["refund_amount"] as? String).flatMap(Money.fen(yuan:)) else {
                return signedJSON(node: node, business("ACQ.INVALID_PARAMETER", "参数无效"))
            }
            switch refund(key: key, refundNo: requestNo, amount: amount, now: now) {
            case .refused(let refusal):
                return signedJSON(node: node, business(refusal == "NOTENOUGH" ? "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" : "ACQ.TRADE_STATUS_ERROR", refusal))
            case .taken(let order, let first):
                if first, let notify = form["notify_url"] { notifyAlipay(url: notify, order: order, refundNo: requestNo) }
                return signedJSON(node: node, ["code": "10000", "msg": "Success", "out_trade_no": outTradeNo, "fund_change": first ? "Y" : "N",
                                               "refund_fee": Money.yuan(fen: order.refunds.values.reduce(0, +)), "send_back_fee": Money.yuan(fen: amount)])
            }
        case "alipay.trade.fastpay.refund.query":
            guard let requestNo = biz["out_request_no"] as? String, let order = book.with({ $0[key] }), let amount = order.refunds[requestNo] else {
                return signedJSON(node: node, ["code": "10000", "msg": "Success", "out_trade_no": outTradeNo])
            }
            return signedJSON(node: node, ["code": "10000", "msg": "Success", "out_trade_no": outTradeNo, "trade_no": order.tradeNo,
                                           "out_request_no": requestNo, "refund_amount": Money.yuan(fen: amount), "total_amount": Money.yuan(fen: order.amount),
                                           "refund_status": "REFUND_SUCCESS"])
        default:
            return signedJSON(node: node, ["code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"])
        }
    }

    func tradeSuccess(_ order: Order) -> [String: Any] {
        ["code": "10000", "msg": "Success", "out_trade_no": order.outTradeNo, "trade_no": order.tradeNo, "total_amount": Money.yuan(fen: order.amount),
         "receipt_amount": Money.yuan(fen: order.amount), "buyer_logon_id": "159****5620", "gmt_payment": "2024-06-01 12:31:04"]
    }

    func signedJSON(node: String, _ content: [String: Any]) -> Response {
        let text = (try? JSONSerialization.data(withJSONObject: content, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let sign = (try? PaymentKeys.sign(text, with: configuration.alipayPlatformKey)) ?? ""
        let certificate = configuration.alipayCertificates.map { ",\"alipay_cert_sn\":\"\($0.alipayCertSN)\"" } ?? ""
        let body = "{\"\(node)\":\(text)\(certificate),\"sign\":\"\(sign)\"}"
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
