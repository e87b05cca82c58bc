import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Payments
import _CryptoExtras

/// WeChat Pay API v3 in the sandbox (codepay, query, reverse, close, Native, refunds, bills),
/// and the callbacks every channel sends: v3 `TRANSACTION.SUCCESS` / `REFUND.SUCCESS`, the
/// v2 refund notification, Alipay's asynchronous notifications. Requests must carry a valid
/// merchant signature; answers and callbacks are signed with the sandbox's platform key.
extension PaymentSandbox {
    func v3Routes(_ router: Router<BasicRequestContext>) {
        router.post("/v3/pay/transactions/codepay") { request, _ in try await self.v3(request) { body, now in await self.v3Codepay(body, now: now) } }
        router.post("/v3/pay/transactions/native") { request, _ in try await self.v3(request) { body, now in self.v3Native(body, now: now) } }
        router.get("/v3/pay/transactions/out-trade-no/{no}") { request, context in
            let no = context.parameters.get("no") ?? ""
            return try await self.v3(request) { _, now in self.v3Query(no, now: now) }
        }
        router.post("/v3/pay/transactions/out-trade-no/{no}/reverse") { request, context in
            let no = context.parameters.get("no") ?? ""
            return try await self.v3(request) { _, now in self.v3Reverse(no, now: now, close: false) }
        }
        router.post("/v3/pay/transactions/out-trade-no/{no}/close") { request, context in
            let no = context.parameters.get("no") ?? ""
            return try await self.v3(request) { _, now in self.v3Reverse(no, now: now, close: true) }
        }
        router.post("/v3/refund/domestic/refunds") { request, _ in try await self.v3(request) { body, now in self.v3Refund(body, now: now) } }
        router.get("/v3/refund/domestic/refunds/{no}") { request, context in
            let no = context.parameters.get("no") ?? ""
            return try await self.v3(request) { _, now in self.v3RefundQuery(no, now: now) }
        }
        router.get("/v3/bill/tradebill") { request, _ in
            let date = request.uri.queryParameters.get("bill_date") ?? ""
            let host = request.head.authority ?? "127.0.0.1"
            return try await self.v3(request) { _, _ in
                let text = self.wechatBill(date: date)
                let hash = Insecure.SHA1.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
                return (200, ["download_url": "http://\(host)/v3/billdownload/file?bill_date=\(date)", "hash_type": "SHA1", "hash_value": hash])
            }
        }
        router.get("/v3/billdownload/file") { request, _ in
            guard let side = self.configuration.wechatV3 else { return Response(status: .notFound) }
            let body = try await request.body.collect(upTo: 1 << 16)
            guard self.v3Authorized(request, body: String(buffer: body), side: side) else { return Response(status: .unauthorized) }
            let text = self.wechatBill(date: request.uri.queryParameters.get("bill_date") ?? "")
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        // Not a channel API: the customer scans the Native QR code and pays (tests and demo).
        router.post("/sandbox/native/{no}/pay") { _, context in
            let no = context.parameters.get("no") ?? ""
            let key = "wechat|" + no
            let paid: Order? = self.book.with { orders in
                guard var order = orders[key], order.native, order.state == .paying else { return nil }
                order.state = .paid
                order.paidAt = Date()
                orders[key] = order
                return order
            }
            guard let paid else { return Response(status: .notFound) }
            if let url = paid.notifyURL { self.notifyV3(url: url, event: "TRANSACTION.SUCCESS", resource: self.v3Transaction(paid), type: "transaction") }
            return Response(status: .noContent)
        }
    }

    // MARK: - Requests and answers

    /// Whether the request carries the merchant's valid, fresh signature over what was sent.
    func v3Authorized(_ request: Request, body: String, side: WeChatV3Side) -> Bool {
        guard let header = request.headers[.authorization], let fields = WeChatV3.authorizationFields(header),
            fields["mchid"] == configuration.wechatMchId, fields["serial_no"] == side.merchantSerial,
            let timestamp = fields["timestamp"], let stamp = Int64(timestamp), abs(Int64(Date().timeIntervalSince1970) - stamp) <= 300,
            let nonce = fields["nonce_str"], let signature = fields["signature"]
        else { return false }
        let text = WeChatV3.message(method: request.method.rawValue, urlPathWithQuery: request.head.path ?? "", timestamp: timestamp, nonce: nonce, body: body)
        return PaymentKeys.verify(text, signature: signature, with: side.merchantPublicKey)
    }

    /// Checks the request, runs `handle`, and answers its JSON (or nothing, for 204) signed.
    func v3(_ request: Request, _ handle: @Sendable ([String: Any], Date) async -> (Int, [String: Any]?)) async throws -> Response {
        guard let side = configuration.wechatV3 else { return Response(status: .notFound) }
        let raw = String(buffer: try await request.body.collect(upTo: 1 << 20))
        guard v3Authorized(request, body: raw, side: side) else {
            return signedV3(401, ["code": "SIGN_ERROR", "message": "签名错误"], side: side)
        }
        let body = raw.isEmpty ? [:] : (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any]
        guard let body else { return signedV3(400, ["code": "PARAM_ERROR", "message": "body is not JSON"], side: side) }
        if let mchid = body["mchid"] as? String, mchid != configuration.wechatMchId {
            return signedV3(403, ["code": "APPID_MCHID_NOT_MATCH", "message": "mchid"], side: side)
        }
        let (status, json) = await handle(body, Date())
        return signedV3(status, json, side: side)
    }

    func signedV3(_ status: Int, _ json: [String: Any]?, side: WeChatV3Side) -> Response {
        let text = json.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .withoutEscapingSlashes]) }
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        var headers: HTTPFields = [:]
        for (name, value) in (try? WeChatV3.platformHeaders(body: text, key: side.platformKey, serial: side.publicKeyId,
                                                            timestamp: String(Int64(Date().timeIntervalSince1970)), nonce: paymentNonce())) ?? [] {
            headers[HTTPField.Name(name)!] = value
        }
        if !text.isEmpty { headers[.contentType] = "application/json" }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func v3Transaction(_ order: Order) -> [String: Any] {
        let state = switch order.state {
        case .paid: order.refunds.isEmpty ? "SUCCESS" : "REFUND"
        case .paying: order.native ? "NOTPAY" : "USERPAYING"
        case .failed: "PAYERROR"
        case .closed: "CLOSED"
        case .reversed: "REVOKED"
        }
        var json: [String: Any] = ["appid": configuration.wechatAppId, "mchid": configuration.wechatMchId, "out_trade_no": order.outTradeNo,
                                   "trade_state": state, "trade_type": order.native ? "NATIVE" : "MICROPAY",
                                   "amount": ["total": order.amount, "payer_total": order.amount, "currency": "CNY"]]
        if order.state == .paid { json["transaction_id"] = order.tradeNo }
        return json
    }

    func v3Error(_ status: Int, _ code: String, _ message: String) -> (Int, [String: Any]?) { (status, ["code": code, "message": message]) }

    // MARK: - Payments

    func v3Codepay(_ body: [String: Any], now: Date) async -> (Int, [String: Any]?) {
        guard let outTradeNo = body["out_trade_no"] as? String, let authCode = (body["payer"] as? [String: Any])?["auth_code"] as? String,
            let total = ((body["amount"] as? [String: Any])?["total"] as? NSNumber)?.int64Value, total > 0
        else { return v3Error(400, "PARAM_ERROR", "out_trade_no, payer.auth_code and amount.total are required") }
        let scenario = Scenario(authCode: authCode)
        let (existing, order) = open(key: "wechat|" + outTradeNo, channel: .wechat, outTradeNo: outTradeNo, authCode: authCode, amount: total,
                                     scenario: scenario, now: now)
        if let existing {
            return existing.authCode == authCode && existing.amount == total ? v3Error(400, "ORDERPAID", "订单已支付")
                : v3Error(400, "OUT_TRADE_NO_USED", "商户订单号重复")
        }
        switch scenario {
        case .insufficient: return v3Error(403, "NOT_ENOUGH", "用户账户余额不足")
        case .confirms, .neverConfirms: return v3Error(202, "USERPAYING", "需要用户输入支付密码")
        case .systemError: return v3Error(500, "SYSTEM_ERROR", "系统超时")
        case .lost: try? await Task.sleep(for: .seconds(configuration.lostSeconds))
        case .slow: try? await Task.sleep(for: .seconds(configuration.slowSeconds))
        case .paid: break
        }
        return (200, v3Transaction(order))
    }

    func v3Native(_ body: [String: Any], now: Date) -> (Int, [String: Any]?) {
        guard let outTradeNo = body["out_trade_no"] as? String, let total = ((body["amount"] as? [String: Any])?["total"] as? NSNumber)?.int64Value,
            total > 0
        else { return v3Error(400, "PARAM_ERROR", "out_trade_no and amount.total are required") }
        let created: Bool = book.with { orders in
            let key = "wechat|" + outTradeNo
            if let existing = orders[key] { return existing.native && existing.amount == total }
            var order = Order(channel: .wechat, outTradeNo: outTradeNo, authCode: "", amount: total, created: now, tradeNo: book.nextTradeNo("42"),
                              state: .paying)
            order.native = true
            order.notifyURL = body["notify_url"] as? String
            orders[key] = order
            return true
        }
        guard created else { return v3Error(400, "OUT_TRADE_NO_USED", "商户订单号重复") }
        return (200, ["code_url": "weixin://wxpay/bizpayurl?pr=" + String(outTradeNo.hashValue.magnitude, radix: 36)])
    }

    func v3Query(_ outTradeNo: String, now: Date) -> (Int, [String: Any]?) {
        guard let order = book.settle("wechat|" + outTradeNo, now: now) else { return v3Error(404, "ORDER_NOT_EXIST", "订单不存在") }
        return (200, v3Transaction(order))
    }

    func v3Reverse(_ outTradeNo: String, now: Date, close: Bool) -> (Int, [String: Any]?) {
        let key = "wechat|" + outTradeNo
        guard let order = book.settle(key, now: now) else { return v3Error(404, "ORDER_NOT_EXIST", "订单不存在") }
        if close, order.state == .paid { return v3Error(400, "ORDERPAID", "订单已支付") }
        book.with { orders in
            orders[key]?.state = close ? .closed : .reversed
            orders[key]?.confirmAt = nil
        }
        return close ? (204, nil) : (200, ["appid": configuration.wechatAppId, "mchid": configuration.wechatMchId, "out_trade_no": outTradeNo])
    }

    // MARK: - Refunds

    func v3RefundObject(_ order: Order, refundNo: String, now: Date) -> [String: Any] {
        let amount = order.refunds[refundNo] ?? 0
        let done = (order.refundDoneAt[refundNo] ?? now) <= now
        return ["refund_id": "R" + refundNo, "out_refund_no": refundNo, "transaction_id": order.tradeNo, "out_trade_no": order.outTradeNo,
                "status": done ? "SUCCESS" : "PROCESSING", "channel": "ORIGINAL",
                "amount": ["total": order.amount, "refund": amount, "payer_total": order.amount, "payer_refund": amount, "currency": "CNY"]]
    }

    func v3Refund(_ body: [String: Any], now: Date) -> (Int, [String: Any]?) {
        guard let outTradeNo = body["out_trade_no"] as? String, let refundNo = body["out_refund_no"] as? String,
            let amount = ((body["amount"] as? [String: Any])?["refund"] as? NSNumber)?.int64Value, amount > 0
        else { return v3Error(400, "PARAM_ERROR", "out_trade_no, out_refund_no and amount.refund are required") }
        let key = "wechat|" + outTradeNo
        switch refund(key: key, refundNo: refundNo, amount: amount, now: now) {
        case .refused(let refusal):
            return refusal == "NOTENOUGH" ? v3Error(403, "NOT_ENOUGH", "退款金额超过可退金额") : v3Error(400, "INVALID_REQUEST", refusal)
        case .taken(_, first: true) where amount % 100 == 99: return v3Error(500, "SYSTEM_ERROR", "系统超时")  // taken, answer lost
        case .taken(let order, let first):
            if first, let url = body["notify_url"] as? String {
                let delay = configuration.refundSeconds
                Task {
                    try? await Task.sleep(for: .seconds(delay))
                    guard let settled = self.book.with({ $0[key] }) else { return }
                    self.notifyV3(url: url, event: "REFUND.SUCCESS", resource: self.v3RefundNotice(settled, refundNo: refundNo), type: "refund")
                }
            }
            return (200, v3RefundObject(order, refundNo: refundNo, now: now))
        }
    }

    func v3RefundNotice(_ order: Order, refundNo: String) -> [String: Any] {
        let amount = order.refunds[refundNo] ?? 0
        return ["mchid": configuration.wechatMchId, "out_trade_no": order.outTradeNo, "transaction_id": order.tradeNo, "out_refund_no": refundNo,
                "refund_id": "R" + refundNo, "refund_status": "SUCCESS", "success_time": "2024-06-01T12:31:04+08:00",
                "amount": ["total": order.amount, "refund": amount, "payer_total": order.amount, "payer_refund": amount]]
    }

    func v3RefundQuery(_ refundNo: String, now: Date) -> (Int, [String: Any]?) {
        guard let order = book.with({ $0.values.first { $0.channel == .wechat && $0.refunds[refundNo] != nil } }) else {
            return v3Error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        }
        return (200, v3RefundObject(order, refundNo: refundNo, now: now))
    }

    // MARK: - Callbacks

    /// Posts `body` to `url` until the receiver acknowledges it (a few tries), as the channels do.
    func deliver(url: String, body: String, headers: [(String, String)], contentType: String, acknowledged: @escaping @Sendable (UInt, String) -> Bool) {
        Task {
            for round in 0..<5 {
                if round > 0 { try? await Task.sleep(for: .milliseconds(300 * round)) }
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: contentType)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                request.body = .bytes(ByteBuffer(string: body))
                guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)),
                    let answer = try? await response.body.collect(upTo: 1 << 16)
                else { continue }
                if acknowledged(response.status.code, String(buffer: answer)) { return }
            }
        }
    }

    /// A v3 callback: the resource encrypted with the APIv3 key, the envelope signed.
    func notifyV3(url: String, event: String, resource: [String: Any], type: String) {
        guard let side = configuration.wechatV3,
            let plain = try? JSONSerialization.data(withJSONObject: resource, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        let nonce = String(paymentNonce().prefix(12))
        guard let ciphertext = try? WeChatV3.encrypt(String(decoding: plain, as: UTF8.self), nonce: nonce, associatedData: type, apiV3Key: side.apiV3Key)
        else { return }
        let envelope: [String: Any] = [
            "id": UUID().uuidString, "create_time": "2024-06-01T12:31:04+08:00", "event_type": event, "resource_type": "encrypt-resource",
            "summary": event == "TRANSACTION.SUCCESS" ? "支付成功" : "退款成功",
            "resource": ["algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext, "nonce": nonce, "associated_data": type,
                         "original_type": type],
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        let body = String(decoding: data, as: UTF8.self)
        guard let headers = try? WeChatV3.platformHeaders(body: body, key: side.platformKey, serial: side.publicKeyId,
                                                          timestamp: String(Int64(Date().timeIntervalSince1970)), nonce: paymentNonce())
        else { return }
        deliver(url: url, body: body, headers: headers, contentType: "application/json") { status, _ in (200..<300).contains(status) }
    }

    /// The v2 refund notification, once the refund has succeeded: `req_info` AES-256-ECB.
    func notifyV2Refund(url: String, order: Order, refundNo: String, amount: Int64) {
        let inner = FlatXML.build([
            ("out_trade_no", order.outTradeNo), ("transaction_id", order.tradeNo), ("out_refund_no", refundNo), ("refund_id", "R" + refundNo),
            ("total_fee", String(order.amount)), ("refund_fee", String(amount)), ("settlement_refund_fee", String(amount)),
            ("refund_status", "SUCCESS"), ("success_time", "2024-06-01 12:31:04"), ("refund_recv_accout", "支付用户零钱"),
        ], root: "root")
        guard let info = try? WeChatV2.encryptRefundInfo(inner, apiKey: configuration.wechatAPIKey) else { return }
        let body = FlatXML.build([("return_code", "SUCCESS"), ("appid", configuration.wechatAppId), ("mch_id", configuration.wechatMchId),
                                  ("nonce_str", paymentNonce()), ("req_info", info)])
        let delay = configuration.refundSeconds
        Task {
            try? await Task.sleep(for: .seconds(delay))
            deliver(url: url, body: body, headers: [], contentType: "text/xml") { status, answer in status == 200 && answer.contains("SUCCESS") }
        }
    }

    /// Alipay's asynchronous notification of a trade (or of a refund on it), signed RSA2.
    func notifyAlipay(url: String, order: Order, refundNo: String?) {
        var form: [String: String] = [
            "notify_time": chinaTimestamp(), "notify_type": "trade_status_sync", "notify_id": UUID().uuidString.replacingOccurrences(of: "-", with: ""),
            "app_id": configuration.alipayAppId, "charset": "utf-8", "version": "1.0", "sign_type": "RSA2", "trade_no": order.tradeNo,
            "out_trade_no": order.outTradeNo, "trade_status": "TRADE_SUCCESS", "total_amount": Money.yuan(fen: order.amount),
            "receipt_amount": Money.yuan(fen: order.amount), "seller_id": configuration.alipaySellerId, "gmt_payment": "2024-06-01 12:31:04",
        ]
        if let refundNo, let refunded = book.with({ $0["alipay|" + order.outTradeNo]?.refunds }) {
            form["out_biz_no"] = refundNo
            form["refund_fee"] = Money.yuan(fen: refunded.values.reduce(0, +))
            form["gmt_refund"] = chinaTimestamp()
            if refunded.values.reduce(0, +) == order.amount { form["trade_status"] = "TRADE_CLOSED" }
        }
        var unsigned = form
        unsigned["sign_type"] = nil
        guard let sign = try? PaymentKeys.sign(Alipay.stringToSign(unsigned), with: configuration.alipayPlatformKey) else { return }
        form["sign"] = sign
        let body = form.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.formEncode($0.value))" }.joined(separator: "&")
        deliver(url: url, body: body, headers: [], contentType: "application/x-www-form-urlencoded; charset=utf-8") { status, answer in
            status == 200 && answer == "success"
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
