import AsyncHTTPClient
import Base
import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Payment
import PaymentSandbox
import Payments
import Testing
import _CryptoExtras

/// The payment state machine against the sandbox gateway over real HTTP, on a real database:
/// every scripted outcome ends in the right final state, a repeated request never charges
/// twice, and an attempt abandoned mid-flight is settled by the sweeper.
@Suite("Payment flow: write-ahead, poll, reverse, sweep", .enabled(if: TestDatabase.isAvailable))
struct PaymentFlowTests {
    static let apiKey = "Q3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0G"

    static let apiV3Key = "V3k3yV3k3yV3k3yV3k3yV3k3yV3k3y12"
    static let serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    static let publicKeyId = "PUB_KEY_ID_0119000010920240601000000000001"

    /// The flow against a sandbox on a fresh database; WeChat Pay through API v2, or v3 when asked.
    /// `confirmSeconds`: how long a payer who confirms takes (longer where a test must act first).
    static func run(v3: Bool = false, confirmSeconds: Double = 0.6, _ body: @escaping @Sendable (PaymentFlow, Env, Database) async throws -> Void) async throws {
        let app = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let platform = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let merchantKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let wechatPlatform = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var configuration = PaymentSandbox.Configuration(wechatAPIKey: apiKey, alipayAppPublicKey: app.publicKey, alipayPlatformKey: platform)
        configuration.confirmSeconds = confirmSeconds
        configuration.slowSeconds = 0.2
        configuration.lostSeconds = 5
        configuration.refundSeconds = 0.3
        configuration.wechatV3 = .init(merchantPublicKey: merchantKey.publicKey, merchantSerial: serial, platformKey: wechatPlatform,
                                       publicKeyId: publicKeyId, apiV3Key: apiV3Key)
        let server = Application(router: PaymentSandbox(configuration: configuration).router(),
                                 configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await server.test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            var wechat = WeChatV2Client(http: .shared, base: base, merchant: WeChatMerchant(appId: "wx8888888888888888", mchId: "1900000109", apiKey: apiKey))
            wechat.timeouts.pay = .seconds(3)
            var alipay = AlipayClient(http: .shared, gateway: base + "/gateway.do",
                                      merchant: AlipayMerchant(appId: "2021004112345678", privateKey: app, alipayPublicKey: platform.publicKey))
            alipay.timeouts.pay = .seconds(3)
            var keys = WeChatV3.PlatformKeys()
            keys.add(id: publicKeyId, key: wechatPlatform.publicKey)
            var wechatV3 = WeChatV3Client(http: .shared, base: base, merchant: WeChatV3Merchant(
                appId: "wx8888888888888888", mchId: "1900000109", serialNo: serial, privateKey: merchantKey, platformKeys: keys, apiV3Key: apiV3Key))
            wechatV3.timeouts.pay = .seconds(3)
            let gateways: [PaymentChannel: any PaymentGateway] = [.wechat: v3 ? wechatV3 : wechat, .alipay: alipay]
            try await TestDatabase.withFreshDatabase { db, registry in
                var flow = PaymentFlow(database: db, gateways: gateways, logger: TestDatabase.logger)
                flow.timing.deadline = .seconds(15)
                flow.timing.firstQuery = .milliseconds(200)
                flow.timing.afterSystemError = .milliseconds(200)
                flow.timing.interval = .milliseconds(300)
                flow.timing.reverseInterval = .milliseconds(100)
                flow.timing.lease = .seconds(1)
                flow.timing.qrDeadline = .seconds(3)
                flow.timing.refundFollow = .seconds(8)
                let env = try await db.transaction(logger: TestDatabase.logger) { tx in try await EnvLoader.load(tx, uid: 2, logger: TestDatabase.logger) }
                try await body(flow, env, db)
            }
        }
    }

    static func code(_ channel: PaymentChannel, _ suffix: String) -> String {
        (channel == .wechat ? "1345678901234567" : "2879516698917954") + suffix
    }

    @Test(arguments: [(PaymentChannel.wechat, false), (.wechat, true), (.alipay, false)])
    func everyOutcomeEndsInTheRightState(channel: PaymentChannel, v3: Bool) async throws {
        try await Self.run(v3: v3) { flow, env, db in
            let expected: [(String, PaymentState)] = [
                ("00", .paid), ("01", .paid), ("02", .reversed), ("03", .failed), ("04", .paid), ("05", .paid), ("06", .paid),
            ]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (suffix, state) in expected {
                    group.addTask {
                        let attempt = try await flow.pay(env: env, orderKey: "\(channel.rawValue)-order-\(suffix)", attempt: 1,
                                                         authCode: Self.code(channel, suffix), amount: 1250, subject: "全家便利", company: 1)
                        // A lost answer ends paid (found by a query) or, if no query got through
                        // before the deadline, reversed — the payer refunded, never charged twice.
                        let acceptable: Set<PaymentState> = suffix == "05" ? [.paid, .reversed] : [state]
                        #expect(acceptable.contains(attempt.state), "\(channel.rawValue) \(suffix): \(attempt)")
                        if attempt.state == .paid { #expect(attempt.channelTradeNo != nil) }
                    }
                }
                try await group.waitForAll()
            }
            // The same till request again: the same attempt, nothing sent.
            let again = try await flow.pay(env: env, orderKey: "\(channel.rawValue)-order-00", attempt: 1, authCode: Self.code(channel, "00"),
                                           amount: 1250, subject: "全家便利", company: 1)
            #expect(again.state == .paid)
            await #expect(throws: ChainstoreError.self) {
                try await flow.pay(env: env, orderKey: "\(channel.rawValue)-order-00", attempt: 1, authCode: Self.code(channel, "00"), amount: 999,
                                   subject: "x", company: 1)
            }
            let rows = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT count(*), count(*) FILTER (WHERE auth_code_masked LIKE '%*%') FROM payment_transaction"))[0].decode((Int, Int).self)
            }
            #expect(rows.0 == expected.count && rows.1 == expected.count)
            let audited = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT count(*) FROM audit_log WHERE model = 'payment.transaction' AND new_values ? 'state'"))[0].decode(Int.self)
            }
            #expect(audited >= expected.count * 2)
        }
    }

    @Test func anAttemptAbandonedMidFlightIsSettledByTheSweeper() async throws {
        // The payer confirms after 8 s and the deadline is 10 s: time to kill the attempt in
        // between even when the whole suite loads the machine.
        try await Self.run(confirmSeconds: 8) { flow, env, db in
            var flow = flow
            flow.timing.deadline = .seconds(10)
            // A node dies while the payer is typing the password (the task is cancelled mid-poll).
            for (key, suffix) in [("crash-paid", "01"), ("crash-gone", "02")] {
                let task = Task {
                    try await flow.pay(env: env, orderKey: key, attempt: 1, authCode: Self.code(.wechat, suffix), amount: 800, subject: "x", company: 1)
                }
                // Killed once the payer is asked for the password.
                for _ in 0..<400 {
                    let state = try await db.transaction(logger: TestDatabase.logger) { tx in
                        var sql = SQLBuilder("SELECT state FROM payment_transaction WHERE order_key = ")
                        sql.bind(.text(key))
                        return try await tx.query(sql).first?.decode(String.self)
                    }
                    if state == "user_paying" { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                task.cancel()
                _ = try? await task.value
            }
            let open = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT count(*) FROM payment_transaction WHERE state = 'user_paying'"))[0].decode(Int.self)
            }
            #expect(open == 2)
            // After the lease and the deadline, the cron role's sweep settles both.
            try await Task.sleep(for: .milliseconds(10_500))
            #expect(try await flow.sweep(env: env) == 2)
            let states = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT order_key, state FROM payment_transaction ORDER BY order_key")).map { try $0.decode((String, String).self) }
            }
            #expect(states.map(\.1) == ["reversed", "paid"])
            #expect(try await flow.sweep(env: env) == 0)
        }
    }

    @Test func unsupportedCodesAndBadAmountsAreRefusedBeforeAnythingIsSent() async throws {
        try await Self.run { flow, env, db in
            for (code, amount) in [("6221234567890123456", Int64(100)), ("134567890123456700", 0), ("134567890123456700", -5)] {
                await #expect(throws: ChainstoreError.self) {
                    try await flow.pay(env: env, orderKey: "bad", attempt: 1, authCode: code, amount: amount, subject: "x", company: 1)
                }
            }
            let count = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT count(*) FROM payment_transaction"))[0].decode(Int.self)
            }
            #expect(count == 0)
        }
    }

    @Test func reconciliationListsWhatTheBillAndTheAttemptsDisagreeOn() async throws {
        try await Self.run { flow, env, db in
            for key in ["r-1", "r-2"] {
                #expect(try await flow.pay(env: env, orderKey: key, attempt: 1, authCode: Self.code(.wechat, "00"), amount: 1000, subject: "x", company: 1).state == .paid)
            }
            #expect(try await flow.pay(env: env, orderKey: "r-3", attempt: 1, authCode: Self.code(.wechat, "03"), amount: 1000, subject: "x", company: 1).state == .failed)
            let wechat = try #require(flow.gateways[.wechat] as? WeChatV2Client)
            // Paid at the channel behind our back, a refund we never recorded, a payment only we know, an amount we got wrong.
            #expect(await wechat.micropay(outTradeNo: "STRAY1", authCode: Self.code(.wechat, "00"), totalFee: 700, body: "x", nonce: "N1").outcome == .paid)
            let first = PaymentFlow.reference(company: 1, orderKey: "r-1", attempt: 1)
            #expect(await wechat.refund(outTradeNo: first, outRefundNo: "RF1", totalFee: 1000, refundFee: 100, nonce: "N2").outcome == .accepted)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.execute("""
                    INSERT INTO payment_transaction (reference, order_key, attempt, channel, state, amount, company_id, create_date)
                    VALUES ('PGHOST', 'ghost', 1, 'wechat', 'paid', 500, 1, now())
                    """)
                var sql = SQLBuilder("UPDATE payment_transaction SET amount = 999 WHERE reference = ")
                sql.bind(.text(PaymentFlow.reference(company: 1, orderKey: "r-2", attempt: 1)))
                try await tx.query(sql)
            }
            let today = chinaTimestamp().prefix(10)
            let summary = try await Reconciliation.run(db, gateway: wechat, date: String(today), logger: TestDatabase.logger)
            #expect(summary.matched == 1)  // r-1: paid and the same amount (its refund is a line of its own)
            let kinds = Dictionary(summary.lines.map { ($0.kind.rawValue + ":" + $0.reference, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(kinds["paid_not_recorded:STRAY1"]?.channelAmount == 700)
            #expect(kinds["recorded_not_paid:PGHOST"]?.ourAmount == 500)
            #expect(kinds["amount_mismatch:" + PaymentFlow.reference(company: 1, orderKey: "r-2", attempt: 1)].map { ($0.channelAmount, $0.ourAmount) }! == (1000, 999))
            #expect(kinds["refund_mismatch:" + first]?.channelAmount == 100)
            #expect(summary.lines.count == 4)
            // Stored for finance, replaced when the day is run again.
            _ = try await Reconciliation.run(db, gateway: wechat, date: String(today), logger: TestDatabase.logger)
            let stored = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT count(*), (SELECT count(*) FROM payment_reconciliation) FROM payment_reconciliation_line"))[0].decode((Int, Int).self)
            }
            #expect(stored == (4, 1))
            // Alipay: everything matches.
            let alipay = try #require(flow.gateways[.alipay] as? AlipayClient)
            #expect(try await flow.pay(env: env, orderKey: "a-1", attempt: 1, authCode: Self.code(.alipay, "00"), amount: 1250, subject: "x", company: 1).state == .paid)
            let clean = try await Reconciliation.run(db, gateway: alipay, date: String(today), logger: TestDatabase.logger)
            #expect(clean.matched == 1 && clean.lines.isEmpty)
        }
    }

    @Test func theCashierCancelsAndTheBasketHasOneLiveAttempt() async throws {
        try await Self.run { flow, env, db in
            let waiting = Task {
                try await flow.pay(env: env, orderKey: "basket-1", attempt: 1, authCode: Self.code(.wechat, "02"), amount: 900, subject: "x", company: 1)
            }
            let reference = PaymentFlow.reference(company: 1, orderKey: "basket-1", attempt: 1)
            for _ in 0..<100 {
                let state = try? await db.transaction(logger: TestDatabase.logger) { tx in try await PaymentFlow.load(tx, reference: reference).state }
                if state == .userPaying { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            // While the payer types, a second attempt of the same basket is refused.
            await #expect(throws: ChainstoreError.self) {
                try await flow.pay(env: env, orderKey: "basket-1", attempt: 2, authCode: Self.code(.wechat, "00"), amount: 900, subject: "x", company: 1)
            }
            #expect(try await flow.cancel(env: env, reference: reference).state == .reversed)
            #expect(try await waiting.value.state == .reversed)
            // Now the customer shows another code: attempt 2 is paid; a third is refused.
            #expect(try await flow.pay(env: env, orderKey: "basket-1", attempt: 2, authCode: Self.code(.alipay, "00"), amount: 900, subject: "x", company: 1).state == .paid)
            let third = await #expect(throws: ChainstoreError.self) {
                try await flow.pay(env: env, orderKey: "basket-1", attempt: 3, authCode: Self.code(.wechat, "00"), amount: 900, subject: "x", company: 1)
            }
            #expect(third?.message.contains("already paid") == true)
            // The same order key in another company is another basket.
            let fx = try await GroupFixture.make(db, try Modules.registry())
            #expect(try await flow.pay(env: env, orderKey: "basket-1", attempt: 1, authCode: Self.code(.wechat, "00"), amount: 900, subject: "x",
                                       company: fx.store1).state == .paid)
            // A long Chinese subject is cut to what WeChat takes, not refused.
            #expect(try await flow.pay(env: env, orderKey: "long-subject", attempt: 1, authCode: Self.code(.wechat, "00"), amount: 900,
                                       subject: String(repeating: "全家便利上海徐汇店饮料", count: 20), company: 1).state == .paid)
        }
    }
}
