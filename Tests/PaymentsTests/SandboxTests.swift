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
    }

    static func setup() throws -> Setup {
        let app = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let platform = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var configuration = PaymentSandbox.Configuration(wechatAPIKey: apiKey, alipayAppPublicKey: app.publicKey, alipayPlatformKey: platform)
        configuration.confirmSeconds = 0.5
        configuration.slowSeconds = 0.3
        configuration.lostSeconds = 3
        return Setup(sandbox: PaymentSandbox(configuration: configuration), app: app, platform: platform)
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
            client.timeouts.pay = .seconds(1)
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
            client.timeouts.pay = .seconds(1)
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
            // Answers signed by another key are no answers.
            let fooled = AlipayClient(http: http, gateway: base + "/gateway.do",
                                      merchant: AlipayMerchant(appId: "2021004112345678", privateKey: setup.app, alipayPublicKey: setup.app.publicKey))
            #expect(await fooled.query(outTradeNo: "A00", expected: 1250, timestamp: at).outcome == .unknown)
        }
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.dateFormat = "yyyyMMdd"
        return formatter.string(from: Date())
    }
}
