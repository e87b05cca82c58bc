import AsyncHTTPClient
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Payment
import Payments
import Testing

/// Refunds, QR codes and callbacks through the payment flow, against the sandbox on a real
/// database: a refund is bounded by what is left, sent once per request, done only on the
/// channel's word; a QR order is paid or closed; a callback that contradicts our records
/// changes nothing.
@Suite("Payment flow: refunds, QR codes, callbacks", .enabled(if: TestDatabase.isAvailable))
struct PaymentRefundTests {
    static func code(_ channel: PaymentChannel, _ suffix: String) -> String { PaymentFlowTests.code(channel, suffix) }

    static func refundRows(_ db: Database, _ reference: String) async throws -> (state: String, refunded: Int64, refunds: Int) {
        try await db.transaction(logger: TestDatabase.logger) { tx in
            var sql = SQLBuilder("SELECT t.state, t.refunded::bigint, (SELECT count(*) FROM payment_refund r WHERE r.transaction_id = t.id)::int ")
            sql += "FROM payment_transaction t WHERE t.reference = "
            sql.bind(.text(reference))
            return try await tx.query(sql)[0].decode((String, Int64, Int).self)
        }
    }

    @Test(arguments: [(PaymentChannel.wechat, false), (.wechat, true), (.alipay, false)])
    func refundsAreBoundedIdempotentAndFinalOnTheChannelsWord(channel: PaymentChannel, v3: Bool) async throws {
        try await PaymentFlowTests.run(v3: v3) { flow, env, db in
            let paid = try await flow.pay(env: env, orderKey: "sale-1", attempt: 1, authCode: Self.code(channel, "00"), amount: 3000, subject: "x", company: 1)
            #expect(paid.state == .paid)
            let first = try await flow.refund(env: env, paymentReference: paid.reference, requestKey: "return-1", amount: 1000, reason: "damaged")
            // WeChat processes a refund for a while; the flow follows it until the channel says done.
            #expect(first.state == .done, "\(first)")
            // The same request again: the same refund, nothing sent, nothing added.
            let again = try await flow.refund(env: env, paymentReference: paid.reference, requestKey: "return-1", amount: 1000, reason: "damaged")
            #expect(again.reference == first.reference && again.state == .done)
            await #expect(throws: ChainstoreError.self) {
                try await flow.refund(env: env, paymentReference: paid.reference, requestKey: "return-1", amount: 999, reason: "")
            }
            // Two refunds at once for more than is left: exactly one is taken.
            let results = await withTaskGroup(of: Bool.self) { group in
                for key in ["return-2", "return-3"] {
                    group.addTask {
                        (try? await flow.refund(env: env, paymentReference: paid.reference, requestKey: key, amount: 1500, reason: "")) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            var rows = try await Self.refundRows(db, paid.reference)
            #expect(rows.state == "paid" && rows.refunded == 2500 && rows.refunds == 2)
            // The rest: the attempt becomes refunded; nothing more can go.
            #expect(try await flow.refund(env: env, paymentReference: paid.reference, requestKey: "return-4", amount: 500, reason: "").state == .done)
            rows = try await Self.refundRows(db, paid.reference)
            #expect(rows.state == "refunded" && rows.refunded == 3000)
            await #expect(throws: ChainstoreError.self) {
                try await flow.refund(env: env, paymentReference: paid.reference, requestKey: "return-5", amount: 1, reason: "")
            }
            // An attempt that was not paid cannot be refunded.
            let failed = try await flow.pay(env: env, orderKey: "sale-2", attempt: 1, authCode: Self.code(channel, "03"), amount: 100, subject: "x", company: 1)
            await #expect(throws: ChainstoreError.self) {
                try await flow.refund(env: env, paymentReference: failed.reference, requestKey: "r", amount: 100, reason: "")
            }
            let audited = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT count(*) FROM audit_log WHERE model = 'payment.refund'"))[0].decode(Int.self)
            }
            #expect(audited >= 6)
        }
    }

    /// The channel takes the refund but answers with a system error: the refund is not given up
    /// (that would free its amount for a second refund of the same money); it is asked about and
    /// sent again under the same number until the channel says done.
    @Test(arguments: [false, true])
    func aRefundAnsweredWithASystemErrorIsAskedAgainNotGivenUp(v3: Bool) async throws {
        try await PaymentFlowTests.run(v3: v3) { flow, env, db in
            let paid = try await flow.pay(env: env, orderKey: "sale-e", attempt: 1, authCode: Self.code(.wechat, "00"), amount: 1000, subject: "x", company: 1)
            let refund = try await flow.refund(env: env, paymentReference: paid.reference, requestKey: "r1", amount: 199, reason: "")
            #expect(refund.state == .done, "\(refund)")
            // What is left is 801, not 1000.
            await #expect(throws: ChainstoreError.self) {
                try await flow.refund(env: env, paymentReference: paid.reference, requestKey: "r2", amount: 802, reason: "")
            }
            #expect(try await flow.refund(env: env, paymentReference: paid.reference, requestKey: "r2", amount: 801, reason: "").state == .done)
            #expect(try await Self.refundRows(db, paid.reference).refunded == 1000)
        }
    }

    @Test func aRefundLeftProcessingIsFinishedByTheSweeper() async throws {
        try await PaymentFlowTests.run { flow, env, db in
            var quick = flow
            quick.timing.refundFollow = .zero
            let paid = try await flow.pay(env: env, orderKey: "sale-s", attempt: 1, authCode: Self.code(.wechat, "00"), amount: 800, subject: "x", company: 1)
            let refund = try await quick.refund(env: env, paymentReference: paid.reference, requestKey: "r1", amount: 800, reason: "")
            #expect(refund.state == .processing)
            try await Task.sleep(for: .milliseconds(1200))  // past the refund's processing time and the lease
            #expect(try await flow.sweep(env: env) >= 1)
            let done = try await db.transaction(logger: TestDatabase.logger) { tx in try await PaymentFlow.loadRefund(tx, reference: refund.reference) }
            #expect(done?.state == .done)
            #expect(try await Self.refundRows(db, paid.reference).state == "refunded")
        }
    }

    @Test func theV2RefundNotificationIsConfirmedBeforeItCounts() async throws {
        try await PaymentFlowTests.run { flow, env, db in
            var quick = flow
            quick.timing.refundFollow = .zero
            let wechat = try #require(flow.gateways[.wechat] as? WeChatV2Client)
            let paid = try await flow.pay(env: env, orderKey: "sale-n", attempt: 1, authCode: Self.code(.wechat, "00"), amount: 600, subject: "x", company: 1)
            let refund = try await quick.refund(env: env, paymentReference: paid.reference, requestKey: "r1", amount: 200, reason: "")
            #expect(refund.state == .processing)
            func notification(amount: Int64, refundNo: String, key: String = PaymentFlowTests.apiKey, mchId: String = "1900000109") throws -> String {
                let inner = FlatXML.build([("out_trade_no", paid.reference), ("out_refund_no", refundNo), ("refund_id", "R1"),
                                           ("refund_fee", String(amount)), ("refund_status", "SUCCESS")], root: "root")
                return FlatXML.build([("return_code", "SUCCESS"), ("appid", "wx8888888888888888"), ("mch_id", mchId), ("nonce_str", "N"),
                                      ("req_info", try WeChatV2.encryptRefundInfo(inner, apiKey: key))])
            }
            // Forged: another key, another merchant, malformed, an XXE attempt.
            for body in [try notification(amount: 200, refundNo: refund.reference, key: String(PaymentFlowTests.apiKey.reversed())),
                         try notification(amount: 200, refundNo: refund.reference, mchId: "1900000999"),
                         "<xml><return_code>SUCCESS", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><a>&e;</a></xml>"] {
                #expect(throws: PaymentError.self) { try Notices.wechatV2Refund(body: body, merchant: wechat.merchant) }
            }
            // Authentic but contradicting our records: another amount, a refund we never made.
            let wrongAmount = try Notices.wechatV2Refund(body: try notification(amount: 600, refundNo: refund.reference), merchant: wechat.merchant)
            #expect(try await flow.receive(wrongAmount, channel: .wechat) == .rejected("refund of 6.00, ours is 2.00"))
            let stranger = try Notices.wechatV2Refund(body: try notification(amount: 200, refundNo: "RNOTOURS"), merchant: wechat.merchant)
            guard case .rejected = try await flow.receive(stranger, channel: .wechat) else { Issue.record("a refund we never made was taken"); return }
            let untouched = try await db.transaction(logger: TestDatabase.logger) { tx in try await PaymentFlow.loadRefund(tx, reference: refund.reference) }
            #expect(untouched?.state == .processing)
            // The genuine one, once the channel has done it: confirmed by a refund query, then done; a replay is taken once.
            try await Task.sleep(for: .milliseconds(400))
            let genuine = try Notices.wechatV2Refund(body: try notification(amount: 200, refundNo: refund.reference), merchant: wechat.merchant)
            #expect(try await flow.receive(genuine, channel: .wechat) == .applied)
            #expect(try await flow.receive(genuine, channel: .wechat) == .duplicate)
            let rows = try await Self.refundRows(db, paid.reference)
            #expect(rows.state == "paid" && rows.refunded == 200)
        }
    }

    @Test func aQRCodeIsPaidOrClosed() async throws {
        try await PaymentFlowTests.run(v3: true) { flow, env, db in
            // The customer takes their time with the first (a long deadline), never pays the second.
            var patient = flow
            patient.timing.qrDeadline = .seconds(120)
            let shown = try await patient.startQR(env: env, orderKey: "qr-1", attempt: 1, amount: 1999, subject: "display", company: 1)
            #expect(shown.state == .userPaying && shown.qrCodeURL?.hasPrefix("weixin://") == true)
            // The same request again answers the same code.
            #expect(try await patient.startQR(env: env, orderKey: "qr-1", attempt: 1, amount: 1999, subject: "display", company: 1).qrCodeURL == shown.qrCodeURL)
            let unpaid = try await flow.startQR(env: env, orderKey: "qr-2", attempt: 1, amount: 500, subject: "display", company: 1)
            // The customer scans the first and pays.
            let base = try #require((flow.gateways[.wechat] as? WeChatV3Client)?.base)
            var request = HTTPClientRequest(url: base + "/sandbox/native/\(shown.reference)/pay")
            request.method = .POST
            #expect(try await HTTPClient.shared.execute(request, timeout: .seconds(5)).status == .noContent)
            func state(_ reference: String) async throws -> PaymentState {
                try await db.transaction(logger: TestDatabase.logger) { tx in try await PaymentFlow.load(tx, reference: reference).state }
            }
            for _ in 0..<50 where try await state(shown.reference) != .paid { try await Task.sleep(for: .milliseconds(100)) }
            #expect(try await state(shown.reference) == .paid)
            // The other is closed at its deadline: not paid.
            for _ in 0..<60 where try await state(unpaid.reference) != .failed { try await Task.sleep(for: .milliseconds(100)) }
            let closed = try await db.transaction(logger: TestDatabase.logger) { tx in try await PaymentFlow.load(tx, reference: unpaid.reference) }
            #expect(closed.state == .failed && closed.code == "CLOSED")
            // A paid callback for the closed order with its amount is logged, and changes nothing.
            var notice = ChannelNotice(kind: .paid, id: "v3:late", reference: unpaid.reference)
            notice.amount = 1
            #expect(try await flow.receive(notice, channel: .wechat) == .rejected("paid 0.01, the attempt is 5.00"))
            #expect(try await state(unpaid.reference) == .failed)
        }
    }

    @Test func reconciliationMatchesRefundsReversalsAndWaitsForTheNextBillAtMidnight() async throws {
        try await PaymentFlowTests.run { flow, env, db in
            let alipay = try #require(flow.gateways[.alipay] as? AlipayClient)
            let (today, yesterday) = (String(chinaTimestamp().prefix(10)), String(chinaTimestamp(Date().addingTimeInterval(-86_400)).prefix(10)))
            let at = chinaTimestamp()
            // Today: a sale with a partial refund (by our refund number), and one paid then cancelled.
            let sale = try await flow.pay(env: env, orderKey: "rec-1", attempt: 1, authCode: Self.code(.alipay, "00"), amount: 1250, subject: "x", company: 1)
            #expect(try await flow.refund(env: env, paymentReference: sale.reference, requestKey: "ret", amount: 250, reason: "").state == .done)
            #expect(await alipay.pay(outTradeNo: "PCANCELLED", authCode: Self.code(.alipay, "00"), totalFee: 300, subject: "x", timestamp: at).outcome == .paid)
            #expect(await alipay.cancel(outTradeNo: "PCANCELLED", timestamp: at).outcome == .reversed)
            // Two attempts paid just before yesterday's midnight (China time): one reached the
            // channel's bill of today, the other never reached the channel.
            #expect(await alipay.pay(outTradeNo: "PLATE", authCode: Self.code(.alipay, "00"), totalFee: 800, subject: "x", timestamp: at).outcome == .paid)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                var sql = SQLBuilder("INSERT INTO payment_transaction (reference, order_key, attempt, channel, state, amount, company_id, create_date, settled_at) ")
                sql += "SELECT r, k, 1, 'alipay', s, a, 1, d, d FROM (VALUES ('PLATE', 'late', 'paid', 800), ('PLOST', 'lost', 'paid', 900), "
                sql += "('PCANCELLED', 'cancelled', 'reversed', 300)) v(r, k, s, a), LATERAL (SELECT CASE WHEN v.r = 'PCANCELLED' THEN now() ELSE ("
                sql.bind(.text(yesterday + " 23:55:00"), cast: "timestamp")
                sql += " AT TIME ZONE 'Asia/Shanghai') END d) t"
                try await tx.query(sql)
            }
            // Yesterday's bill lacks both: they wait, no alarm yet.
            let before = try await Reconciliation.run(db, gateway: alipay, date: yesterday, logger: TestDatabase.logger)
            #expect(before.mismatches.isEmpty)
            #expect(Set(before.lines.map(\.reference)) == ["PLATE", "PLOST"] && before.lines.allSatisfy { $0.kind == .awaitingNextBill })
            // Today's bill (a ZIP of GBK CSV files): the sale, its refund and the cancelled one
            // match; the late one is found, the lost one becomes an alarm on yesterday.
            let now = try await Reconciliation.run(db, gateway: alipay, date: today, logger: TestDatabase.logger)
            #expect(now.mismatches.isEmpty, "\(now.lines)")
            #expect(now.matched == 4 && now.resolved == 1)  // sale, refund, cancelled, late
            let stored = try await db.transaction(logger: TestDatabase.logger) { tx in
                var sql = SQLBuilder("SELECT l.kind, l.reference, r.matched, r.mismatched, r.awaiting FROM payment_reconciliation_line l ")
                sql += "JOIN payment_reconciliation r ON r.id = l.reconciliation_id WHERE r.bill_date = "
                sql.bind(.text(yesterday), cast: "date")
                return try await tx.query(sql).map { try $0.decode((String, String, Int, Int, Int).self) }
            }
            #expect(stored.count == 1 && stored.first.map { ($0.0, $0.1, $0.2, $0.3, $0.4) }! == ("recorded_not_paid", "PLOST", 1, 1, 0))
            // A refund the channel made that we never recorded, and one we recorded that it lacks.
            #expect(await alipay.refund(outTradeNo: sale.reference, outRequestNo: "RSTRAY", refundFee: 100, timestamp: at).outcome == .refunded)
            try await db.transaction(logger: TestDatabase.logger) { tx in
                var sql = SQLBuilder("INSERT INTO payment_refund (transaction_id, reference, request_key, amount, state, company_id, settled_at) ")
                // An hour ago, but never before today's midnight (China time): it belongs to today's bill.
                sql += "SELECT id, 'RGHOST', 'ghost', 50, 'done', 1, greatest(now() - interval '1 hour', "
                sql.bind(.text(today + " 00:00:00"), cast: "timestamp")
                sql += " AT TIME ZONE 'Asia/Shanghai') FROM payment_transaction WHERE reference = "
                sql.bind(.text(sale.reference))
                try await tx.query(sql)
            }
            let again = try await Reconciliation.run(db, gateway: alipay, date: today, logger: TestDatabase.logger)
            let refunds = again.mismatches.filter { $0.kind == .refundMismatch }.map { ($0.refundReference ?? "", $0.channelAmount ?? -1, $0.ourAmount ?? -1) }
            #expect(refunds.count == 2 && refunds.contains { $0 == ("RSTRAY", 100, -1) } && refunds.contains { $0 == ("RGHOST", -1, 50) }, "\(again.lines)")
        }
    }

    /// A channel that never confirms a reversal.
    struct Stuck: PaymentGateway {
        let inner: any PaymentGateway
        var channel: PaymentChannel { inner.channel }
        var api: String { inner.api }
        func pay(reference: String, authCode: String, amount: Int64, subject: String) async -> ChannelReply { ChannelReply(.unknown) }
        func query(reference: String, amount: Int64) async -> ChannelReply { ChannelReply(.unknown, code: "SYSTEMERROR") }
        func reverse(reference: String) async -> ChannelReply {
            var reply = ChannelReply(.unknown, code: "SYSTEMERROR")
            reply.again = true
            return reply
        }
        func refund(reference: String, refundId: String, total: Int64, amount: Int64) async -> ChannelReply { ChannelReply(.unknown) }
        func refundQuery(reference: String, refundId: String) async -> ChannelReply { ChannelReply(.unknown) }
        func bill(date: String) async throws(PaymentError) -> String { "" }
    }

    @Test func theSweeperBacksOffFromAnAttemptTheChannelKeepsRefusingButNeverForgetsIt() async throws {
        try await PaymentFlowTests.run { flow, env, db in
            var stuck = PaymentFlow(database: db, gateways: [.wechat: Stuck(inner: flow.gateways[.wechat]!)], logger: TestDatabase.logger)
            stuck.timing = flow.timing
            stuck.timing.reverseAttempts = 1
            try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.execute("""
                    INSERT INTO payment_transaction (reference, order_key, attempt, channel, state, amount, company_id, create_date, sent_at, deadline)
                    VALUES ('PSTUCK', 'stuck', 1, 'wechat', 'reversing', 500, 1, now() - interval '1 hour', now() - interval '1 hour', now() - interval '59 minutes')
                    """)
            }
            // Lease 1 s: the first three turns 1 s, then 2, 4, 8 s. The lease is taken when the
            // sweep claims the attempt, somewhere between the two clock readings around it.
            let expected: [Double] = [1, 1, 1, 2, 4, 8]
            for want in expected {
                let before = try await db.transaction(logger: TestDatabase.logger) { tx in
                    try await tx.execute("UPDATE payment_transaction SET lease_until = now() - interval '1 second' WHERE reference = 'PSTUCK'")
                    return try await tx.query(SQLBuilder("SELECT extract(epoch FROM clock_timestamp())::float8"))[0].decode(Double.self)
                }
                #expect(try await stuck.sweep(env: env) == 1)
                let (lease, after) = try await db.transaction(logger: TestDatabase.logger) { tx in
                    try await tx.query(SQLBuilder("""
                        SELECT extract(epoch FROM lease_until)::float8, extract(epoch FROM clock_timestamp())::float8
                        FROM payment_transaction WHERE reference = 'PSTUCK'
                        """))[0].decode((Double, Double).self)
                }
                #expect(lease >= before + want - 0.05 && lease <= after + want + 0.05, "want \(want) s: \(lease - before) s after the sweep began, \(after - before) s spent")
            }
            let attempt = try await db.transaction(logger: TestDatabase.logger) { tx in try await PaymentFlow.load(tx, reference: "PSTUCK") }
            #expect(attempt.state == .reversing && attempt.alarm)
        }
    }

    /// A channel whose queries expect another amount than the attempt's: every "paid" it reports
    /// differs from what we asked.
    struct Overpaid: QRCodeGateway {
        let inner: WeChatV3Client
        var channel: PaymentChannel { inner.channel }
        var api: String { inner.api }
        func pay(reference: String, authCode: String, amount: Int64, subject: String) async -> ChannelReply {
            await inner.pay(reference: reference, authCode: authCode, amount: amount, subject: subject)
        }
        func query(reference: String, amount: Int64) async -> ChannelReply { await inner.query(reference: reference, amount: amount + 1) }
        func reverse(reference: String) async -> ChannelReply { await inner.reverse(reference: reference) }
        func refund(reference: String, refundId: String, total: Int64, amount: Int64) async -> ChannelReply {
            await inner.refund(reference: reference, refundId: refundId, total: total, amount: amount)
        }
        func refundQuery(reference: String, refundId: String) async -> ChannelReply { await inner.refundQuery(reference: reference, refundId: refundId) }
        func bill(date: String) async throws(PaymentError) -> String { try await inner.bill(date: date) }
        func qrOrder(reference: String, amount: Int64, subject: String, expiresAt: Date) async -> (ChannelReply, String?) {
            await inner.qrOrder(reference: reference, amount: amount, subject: subject, expiresAt: expiresAt)
        }
        func close(reference: String) async -> ChannelReply { await inner.close(reference: reference) }
    }

    @Test func aQRCodePaidWithAnotherAmountStaysOpenWithAnAlarm() async throws {
        try await PaymentFlowTests.run(v3: true) { flow, env, db in
            let inner = try #require(flow.gateways[.wechat] as? WeChatV3Client)
            var odd = PaymentFlow(database: db, gateways: [.wechat: Overpaid(inner: inner)], logger: TestDatabase.logger)
            odd.timing = flow.timing
            odd.timing.qrDeadline = .seconds(120)
            let shown = try await odd.startQR(env: env, orderKey: "qr-odd", attempt: 1, amount: 700, subject: "display", company: 1)
            var request = HTTPClientRequest(url: inner.base + "/sandbox/native/\(shown.reference)/pay")
            request.method = .POST
            #expect(try await HTTPClient.shared.execute(request, timeout: .seconds(5)).status == .noContent)
            var attempt = shown
            for _ in 0..<50 where !attempt.alarm {
                try await Task.sleep(for: .milliseconds(100))
                attempt = try await db.transaction(logger: TestDatabase.logger) { tx in try await PaymentFlow.load(tx, reference: shown.reference) }
            }
            #expect(attempt.alarm && attempt.state == .userPaying, "\(attempt)")
        }
    }

    /// A channel with bills written here, day by day.
    struct FixedBills: PaymentGateway {
        let inner: any PaymentGateway
        let bills: [String: String]
        var channel: PaymentChannel { inner.channel }
        var api: String { inner.api }
        func pay(reference: String, authCode: String, amount: Int64, subject: String) async -> ChannelReply { ChannelReply(.unknown) }
        func query(reference: String, amount: Int64) async -> ChannelReply { ChannelReply(.unknown) }
        func reverse(reference: String) async -> ChannelReply { ChannelReply(.unknown) }
        func refund(reference: String, refundId: String, total: Int64, amount: Int64) async -> ChannelReply { ChannelReply(.unknown) }
        func refundQuery(reference: String, refundId: String) async -> ChannelReply { ChannelReply(.unknown) }
        func bill(date: String) async throws(PaymentError) -> String { bills[date] ?? "" }
    }

    @Test func aReversalJustBeforeMidnightWaitsForTheNextDaysBill() async throws {
        try await PaymentFlowTests.run { flow, env, db in
            let (today, yesterday) = (String(chinaTimestamp().prefix(10)), String(chinaTimestamp(Date().addingTimeInterval(-86_400)).prefix(10)))
            func bill(_ rows: [(String, String)]) -> String {
                (["交易时间,商户订单号,交易状态,订单金额,商户退款单号,申请退款金额"]
                    + rows.map { "`\(yesterday) 23:55:00,`\($0.0),`\($0.1),`5.00,`0,`0.00" }).joined(separator: "\r\n")
            }
            // Both were paid yesterday at 23:55 and reversed a minute later; only the first
            // reversal reaches today's bill.
            let gateway = FixedBills(inner: flow.gateways[.wechat]!, bills: [
                yesterday: bill([("PREVERSED", "SUCCESS"), ("PLOSTREV", "SUCCESS")]), today: bill([("PREVERSED", "REVOKED")]),
            ])
            try await db.transaction(logger: TestDatabase.logger) { tx in
                var sql = SQLBuilder("INSERT INTO payment_transaction (reference, order_key, attempt, channel, state, amount, company_id, create_date, settled_at) ")
                sql += "SELECT r, r, 1, 'wechat', 'reversed', 500, 1, d - interval '1 minute', d FROM unnest(ARRAY['PREVERSED', 'PLOSTREV']) r, "
                sql += "LATERAL (SELECT ("
                sql.bind(.text(yesterday + " 23:56:00"), cast: "timestamp")
                sql += " AT TIME ZONE 'Asia/Shanghai') d) t"
                try await tx.query(sql)
            }
            let before = try await Reconciliation.run(db, gateway: gateway, date: yesterday, logger: TestDatabase.logger)
            #expect(before.mismatches.isEmpty && before.lines.map(\.kind) == [.awaitingNextBill, .awaitingNextBill], "\(before.lines)")
            let after = try await Reconciliation.run(db, gateway: gateway, date: today, logger: TestDatabase.logger)
            #expect(after.resolved == 1)
            let left = try await db.transaction(logger: TestDatabase.logger) { tx in
                var sql = SQLBuilder("SELECT l.kind, l.reference, r.matched, r.mismatched, r.awaiting FROM payment_reconciliation_line l ")
                sql += "JOIN payment_reconciliation r ON r.id = l.reconciliation_id WHERE r.bill_date = "
                sql.bind(.text(yesterday), cast: "date")
                return try await tx.query(sql).map { try $0.decode((String, String, Int, Int, Int).self) }
            }
            // The one whose reversal never showed: the customer paid and we hold nothing.
            #expect(left.count == 1 && left.first.map { ($0.0, $0.1, $0.2, $0.3, $0.4) }! == ("paid_not_recorded", "PLOSTREV", 1, 1, 0))
        }
    }
}
