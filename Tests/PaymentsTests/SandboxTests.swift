import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import PaymentSandbox
import Payments
import Testing
import _CryptoExtras

/// The channel clients against the sandbox over real HTTP: every scripted outcome, signatures
/// both ways, and answers the clients must not believe.
@Suite("Channel clients against the sandbox gateway")
struct SandboxTests {
    static let apiKey = "Q3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0G"

    struct Setup {
        let sandbox: PaymentSandbox
        let app: _RSA.Signing.PrivateKey
        let platform: _RSA.Signing.PrivateKey
        let merchant: _RSA.Signing.PrivateKey
        let wechatPlatform: _RSA.Signing.PrivateKey
    }

    /// How long the clients wait for a payment's answer in these tests, in seconds.
    static let payWithin: Int64 = 3

    static let apiV3Key = "V3k3yV3k3yV3k3yV3k3yV3k3yV3k3y12"
    static let publicKeyId = "PUB_KEY_ID_0119000010920240601000000000001"

    static func setup() throws -> Setup {
        let app = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let platform = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var configuration = PaymentSandbox.Configuration(wechatAPIKey: apiKey, alipayAppPublicKey: app.publicKey, alipayPlatformKey: platform)
        configuration.confirmSeconds = 0.5
        configuration.slowSeconds = 0.3
        // A lost answer comes after the clients' pay limit (3 s, `payWithin`), a slow one well
        // before it; the limit leaves a first call beside sixty other tests time to be answered.
        configuration.lostSeconds = 6
        configuration.refundSeconds = 1.5  // long enough for the first refund query to find it processing, even under load
        let merchant = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let wechatPlatform = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        configuration.wechatV3 = .init(merchantPublicKey: merchant.publicKey, merchantSerial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
                                       platformKey: wechatPlatform, publicKeyId: publicKeyId, apiV3Key: apiV3Key)
        return Setup(sandbox: PaymentSandbox(configuration: configuration), app: app, platform: platform, merchant: merchant, wechatPlatform: wechatPlatform)
    }

    static func live(_ body: @escaping @Sendable (Setup, String) async throws -> Void) async throws {
        let setup = try setup()
        let app = Application(router: setup.sandbox.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(setup, "http://127.0.0.1:\(client.port!)")
        }
    }

    static func code(_ suffix: String, wechat: Bool = true) -> String {
        (wechat ? "1345678901234567" : "2879516698917954") + suffix
    }

    @Test func weChatV2OutcomesThroughTheClient() async throws {
        try await Self.live { _, base in
            let http = HTTPClient.shared
            var client = WeChatV2Client(http: http, base: base, merchant: WeChatMerchant(appId: "wx8888888888888888", mchId: "1900000109", apiKey: Self.apiKey))
            client.timeouts.pay = .seconds(Self.payWithin)
            var reply = await client.micropay(outTradeNo: "T00", authCode: Self.code("00"), totalFee: 1250, body: "饮料", nonce: "N1")
            #expect(reply.outcome == .paid && reply.amount == 1250 && reply.channelId != nil)
            // The same request again is not a second charge.
            reply = await client.micropay(outTradeNo: "T00", authCode: Self.code("00"), totalFee: 1250, body: "饮料", nonce: "N2")
            #expect(reply.outcome == .unknown && reply.code == "ORDERPAID")
            #expect(await client.query(outTradeNo: "T00", expected: 1250, nonce: "N3").outcome == .paid)
            #expect(await client.query(outTradeNo: "T00", expected: 999, nonce: "N3").alarm)

            #expect(await client.micropay(outTradeNo: "T01", authCode: Self.code("01"), totalFee: 500, body: "x", nonce: "N4").outcome == .userPaying)
            #expect(await client.query(outTradeNo: "T01", expected: 500, nonce: "N5").outcome == .userPaying)
            try await Task.sleep(for: .milliseconds(700))
            #expect(await client.query(outTradeNo: "T01", expected: 500, nonce: "N6").outcome == .paid)

            #expect(await client.micropay(outTradeNo: "T02", authCode: Self.code("02"), totalFee: 500, body: "x", nonce: "N7").outcome == .userPaying)
            #expect(await client.reverse(outTradeNo: "T02", nonce: "N8").outcome == .reversed)
            #expect(await client.query(outTradeNo: "T02", expected: 500, nonce: "N9").outcome == .reversed)

            reply = await client.micropay(outTradeNo: "T03", authCode: Self.code("03"), totalFee: 500, body: "x", nonce: "N10")
            #expect(reply.outcome == .failed && reply.code == "NOTENOUGH")
            reply = await client.micropay(outTradeNo: "T04", authCode: Self.code("04"), totalFee: 500, body: "x", nonce: "N11")
            #expect(reply.outcome == .unknown && reply.code == "SYSTEMERROR")
            #expect(await client.query(outTradeNo: "T04", expected: 500, nonce: "N12").outcome == .paid)
            // The answer is lost after the charge: unknown to us, paid at the channel.
            #expect(await client.micropay(outTradeNo: "T05", authCode: Self.code("05"), totalFee: 500, body: "x", nonce: "N13").outcome == .unknown)
            #expect(await client.query(outTradeNo: "T05", expected: 500, nonce: "N14").outcome == .paid)
            #expect(await client.micropay(outTradeNo: "T06", authCode: Self.code("06"), totalFee: 500, body: "x", nonce: "N15").outcome == .paid)
            #expect(await client.query(outTradeNo: "NOPE", expected: 1, nonce: "N16").code == "ORDERNOTEXIST")

            // Refunds are idempotent by their id and bounded by the payment.
            #expect(await client.refund(outTradeNo: "T00", outRefundNo: "R1", totalFee: 1250, refundFee: 250, nonce: "N17").outcome == .accepted)
            #expect(await client.refund(outTradeNo: "T00", outRefundNo: "R1", totalFee: 1250, refundFee: 250, nonce: "N18").outcome == .accepted)
            #expect(await client.refund(outTradeNo: "T00", outRefundNo: "R2", totalFee: 1250, refundFee: 1100, nonce: "N19").outcome == .failed)
            // Processing first, then done; a refund never sent is "not exist" (safe to send).
            #expect(await client.refundQuery(outRefundNo: "R1", nonce: "N23").outcome == .accepted)
            try await Task.sleep(for: .milliseconds(1600))
            reply = await client.refundQuery(outRefundNo: "R1", nonce: "N24")
            #expect(reply.outcome == .refunded && reply.amount == 250)
            #expect(await client.refundQuery(outRefundNo: "R9", nonce: "N25").code == "REFUNDNOTEXIST")

            // A client with the wrong key cannot pay, and cannot believe the answers.
            let stranger = WeChatV2Client(http: http, base: base, merchant: WeChatMerchant(appId: "wx8888888888888888", mchId: "1900000109",
                                                                                            apiKey: String(Self.apiKey.reversed())))
            #expect(await stranger.micropay(outTradeNo: "T07", authCode: Self.code("00"), totalFee: 1, body: "x", nonce: "N20").outcome == .unknown)
            #expect(await client.query(outTradeNo: "T07", expected: 1, nonce: "N21").code == "ORDERNOTEXIST")
            let bill = try await client.downloadBill(date: Self.today(), nonce: "N22")
            #expect(bill.contains("`T00") && bill.contains("`R1") && !bill.contains("`T03"))
        }
    }

    @Test func alipayOutcomesThroughTheClient() async throws {
        try await Self.live { setup, base in
            let http = HTTPClient.shared
            let merchant = AlipayMerchant(appId: "2021004112345678", privateKey: setup.app, alipayPublicKey: setup.platform.publicKey)
            var client = AlipayClient(http: http, gateway: base + "/gateway.do", merchant: merchant)
            client.timeouts.pay = .seconds(Self.payWithin)
            let at = "2026-11-26 12:00:00"
            var reply = await client.pay(outTradeNo: "A00", authCode: Self.code("00", wechat: false), totalFee: 1250, subject: "全家便利", timestamp: at)
            #expect(reply.outcome == .paid && reply.amount == 1250)
            #expect(await client.pay(outTradeNo: "A01", authCode: Self.code("01", wechat: false), totalFee: 5, subject: "x", timestamp: at).outcome == .userPaying)
            try await Task.sleep(for: .milliseconds(700))
            #expect(await client.query(outTradeNo: "A01", expected: 5, timestamp: at).outcome == .paid)
            #expect(await client.pay(outTradeNo: "A02", authCode: Self.code("02", wechat: false), totalFee: 5, subject: "x", timestamp: at).outcome == .userPaying)
            reply = await client.cancel(outTradeNo: "A02", timestamp: at)
            #expect(reply.outcome == .reversed && reply.message == "close")
            reply = await client.pay(outTradeNo: "A03", authCode: Self.code("03", wechat: false), totalFee: 5, subject: "x", timestamp: at)
            #expect(reply.outcome == .failed && reply.code == "ACQ.BUYER_BALANCE_NOT_ENOUGH")
            #expect(await client.pay(outTradeNo: "A04", authCode: Self.code("04", wechat: false), totalFee: 5, subject: "x", timestamp: at).outcome == .unknown)
            #expect(await client.query(outTradeNo: "A04", expected: 5, timestamp: at).outcome == .paid)
            #expect(await client.pay(outTradeNo: "A05", authCode: Self.code("05", wechat: false), totalFee: 5, subject: "x", timestamp: at).outcome == .unknown)
            reply = await client.cancel(outTradeNo: "A05", timestamp: at)
            #expect(reply.outcome == .reversed && reply.message == "refund")
            #expect(await client.refund(outTradeNo: "A00", outRequestNo: "Q1", refundFee: 250, timestamp: at).outcome == .refunded)
            #expect(await client.refund(outTradeNo: "A00", outRequestNo: "Q1", refundFee: 250, timestamp: at).outcome == .accepted)
            reply = await client.refundQuery(outTradeNo: "A00", outRequestNo: "Q1", timestamp: at)
            #expect(reply.outcome == .refunded && reply.amount == 250)
            #expect(await client.refundQuery(outTradeNo: "A00", outRequestNo: "Q9", timestamp: at).code == "REFUNDNOTEXIST")
            // Answers signed by another key are no answers.
            let fooled = AlipayClient(http: http, gateway: base + "/gateway.do",
                                      merchant: AlipayMerchant(appId: "2021004112345678", privateKey: setup.app, alipayPublicKey: setup.app.publicKey))
            #expect(await fooled.query(outTradeNo: "A00", expected: 1250, timestamp: at).outcome == .unknown)
        }
    }

    static func v3Client(_ setup: Setup, base: String, platform: _RSA.Signing.PublicKey? = nil) -> WeChatV3Client {
        var keys = WeChatV3.PlatformKeys()
        keys.add(id: publicKeyId, key: platform ?? setup.wechatPlatform.publicKey)
        let merchant = WeChatV3Merchant(appId: "wx8888888888888888", mchId: "1900000109", serialNo: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
                                        privateKey: setup.merchant, platformKeys: keys, apiV3Key: apiV3Key)
        var client = WeChatV3Client(http: .shared, base: base, merchant: merchant)
        client.timeouts.pay = .seconds(Self.payWithin)
        return client
    }

    @Test func weChatV3OutcomesRefundsQRCodesAndBills() async throws {
        try await Self.live { setup, base in
            let client = Self.v3Client(setup, base: base)
            var reply = await client.codepay(outTradeNo: "V00", authCode: Self.code("00"), total: 1250, description: "饮料")
            #expect(reply.outcome == .paid && reply.amount == 1250 && reply.channelId != nil)
            #expect(await client.codepay(outTradeNo: "V00", authCode: Self.code("00"), total: 1250, description: "饮料").outcome == .unknown)
            #expect(await client.query(outTradeNo: "V00", expected: 999).alarm)
            #expect(await client.codepay(outTradeNo: "V01", authCode: Self.code("01"), total: 500, description: "x").outcome == .userPaying)
            try await Task.sleep(for: .milliseconds(700))
            #expect(await client.query(outTradeNo: "V01", expected: 500).outcome == .paid)
            #expect(await client.codepay(outTradeNo: "V02", authCode: Self.code("02"), total: 500, description: "x").outcome == .userPaying)
            #expect(await client.reverse(outTradeNo: "V02").outcome == .reversed)
            #expect(await client.query(outTradeNo: "V02", expected: 500).outcome == .reversed)
            reply = await client.codepay(outTradeNo: "V03", authCode: Self.code("03"), total: 500, description: "x")
            #expect(reply.outcome == .failed && reply.code == "NOT_ENOUGH")
            reply = await client.codepay(outTradeNo: "V04", authCode: Self.code("04"), total: 500, description: "x")
            #expect(reply.outcome == .unknown && reply.code == "SYSTEM_ERROR")
            #expect(await client.query(outTradeNo: "V04", expected: 500).outcome == .paid)
            #expect(await client.codepay(outTradeNo: "V05", authCode: Self.code("05"), total: 500, description: "x").outcome == .unknown)
            #expect(await client.query(outTradeNo: "NOPE", expected: 1).code == "ORDERNOTEXIST")
            // An order made with v2 is the same order in v3 (same merchant, same number).
            let v2 = WeChatV2Client(http: .shared, base: base, merchant: WeChatMerchant(appId: "wx8888888888888888", mchId: "1900000109", apiKey: Self.apiKey))
            #expect(await v2.micropay(outTradeNo: "V06", authCode: Self.code("00"), totalFee: 700, body: "x", nonce: "N1").outcome == .paid)
            #expect(await client.query(outTradeNo: "V06", expected: 700).outcome == .paid)

            // Refunds: processing, then done; bounded; idempotent by their id.
            reply = await client.refund(outTradeNo: "V00", outRefundNo: "VR1", total: 1250, refund: 250)
            #expect(reply.outcome == .accepted && reply.code == "PROCESSING")
            #expect(await client.refund(outTradeNo: "V00", outRefundNo: "VR1", total: 1250, refund: 250).outcome == .accepted)
            #expect(await client.refund(outTradeNo: "V00", outRefundNo: "VR2", total: 1250, refund: 1001).outcome == .failed)
            try await Task.sleep(for: .milliseconds(1600))
            reply = await client.refundQuery(outRefundNo: "VR1")
            #expect(reply.outcome == .refunded && reply.amount == 250)
            #expect(await client.refundQuery(outRefundNo: "VR9").code == "REFUNDNOTEXIST")

            // Native: a code_url for the display; unpaid it closes, paid it does not.
            let expires = Date().addingTimeInterval(120)
            let (shown, url) = await client.native(outTradeNo: "VQ1", total: 1999, description: "QR", expiresAt: expires)
            #expect(shown.outcome == .userPaying && url?.hasPrefix("weixin://wxpay/bizpayurl?pr=") == true)
            #expect(await client.query(outTradeNo: "VQ1", expected: 1999).outcome == .userPaying)
            #expect(await client.close(outTradeNo: "VQ1").outcome == .reversed)
            #expect(await client.query(outTradeNo: "VQ1", expected: 1999).outcome == .failed)
            _ = await client.native(outTradeNo: "VQ2", total: 1999, description: "QR", expiresAt: expires)
            var request = HTTPClientRequest(url: base + "/sandbox/native/VQ2/pay")
            request.method = .POST
            #expect(try await HTTPClient.shared.execute(request, timeout: .seconds(5)).status == .noContent)
            #expect(await client.query(outTradeNo: "VQ2", expected: 1999).outcome == .paid)
            let close = await client.close(outTradeNo: "VQ2")
            #expect(close.outcome == .unknown && close.code == "ORDERPAID")

            // The bill, checked against its SHA-1.
            var formatter = Date.ISO8601FormatStyle(timeZone: TimeZone(secondsFromGMT: 8 * 3600)!)
            formatter = formatter.year().month().day()
            let bill = try await client.tradeBill(date: formatter.format(Date()))
            #expect(bill.contains("`V00") && bill.contains("`VR1") && !bill.contains("`V03"))

            // Answers signed by another platform key are no answers; nor are requests signed by
            // another merchant key.
            let fooled = Self.v3Client(setup, base: base, platform: setup.merchant.publicKey)
            #expect(await fooled.query(outTradeNo: "V00", expected: 1250).outcome == .unknown)
            var impostor = client
            impostor = WeChatV3Client(http: .shared, base: base, merchant: WeChatV3Merchant(
                appId: "wx8888888888888888", mchId: "1900000109", serialNo: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", privateKey: setup.app,
                platformKeys: client.merchant.platformKeys, apiV3Key: Self.apiV3Key))
            reply = await impostor.codepay(outTradeNo: "V07", authCode: Self.code("00"), total: 1, description: "x")
            #expect(reply.outcome == .failed && reply.code == "SIGN_ERROR" && reply.alarm)
            #expect(await client.query(outTradeNo: "V07", expected: 1).code == "ORDERNOTEXIST")
        }
    }

    @Test func alipayCertificateModeSendsBothSNsAndVerifiesWithTheNamedCertificate() async throws {
        let plain = try Self.setup()
        var changed = plain.sandbox.configuration
        changed.alipayCertificates = (appCertSN: "0f6d3a1c2b", rootCertSN: "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6",
                                      alipayCertSN: "c8f1e2d3")
        let configuration = changed
        let setup = Setup(sandbox: PaymentSandbox(configuration: configuration), app: plain.app, platform: plain.platform, merchant: plain.merchant,
                          wechatPlatform: plain.wechatPlatform)
        let app = Application(router: setup.sandbox.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)/gateway.do"
            let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            func merchant(app appSN: String, keys: [String: _RSA.Signing.PublicKey]) -> AlipayClient {
                var merchant = AlipayMerchant(appId: "2021004112345678", privateKey: setup.app, alipayPublicKey: other.publicKey)
                merchant.certificates = AlipayCertificates(appCertSN: appSN, rootCertSN: configuration.alipayCertificates!.rootCertSN, alipayKeys: keys)
                return AlipayClient(http: .shared, gateway: base, merchant: merchant)
            }
            let at = "2026-11-26 12:00:00"
            // The answer names certificate c8f1e2d3, whose key is the platform's: verified with it
            // (not with the plain public key, which is another's here).
            let good = merchant(app: "0f6d3a1c2b", keys: ["c8f1e2d3": setup.platform.publicKey, "0000": other.publicKey])
            #expect(await good.pay(outTradeNo: "C00", authCode: Self.code("00", wechat: false), totalFee: 100, subject: "x", timestamp: at).outcome == .paid)
            // A certificate we do not hold: no answer.
            let stale = merchant(app: "0f6d3a1c2b", keys: ["0000": setup.platform.publicKey])
            #expect(await stale.query(outTradeNo: "C00", expected: 100, timestamp: at).outcome == .unknown)
            // The wrong application certificate is refused by the gateway (our configuration: alarm).
            let wrong = merchant(app: "ffff", keys: ["c8f1e2d3": setup.platform.publicKey])
            let reply = await wrong.pay(outTradeNo: "C01", authCode: Self.code("00", wechat: false), totalFee: 100, subject: "x", timestamp: at)
            #expect(reply.outcome == .failed && reply.alarm)
        }
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.dateFormat = "yyyyMMdd"
        return formatter.string(from: Date())
    }
}
