import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import Payments

/// Daily reconciliation (payments.md §5.4): the channel's bill for a China calendar day is
/// downloaded, kept as received, and matched line by line on the merchant order number against
/// the attempts. Finance gets the lines that disagree, with both amounts: paid at the channel but
/// not in Chainstore (the customer paid), paid in Chainstore but not at the channel, amounts or
/// refunds that differ. Running a day again replaces that day's result.
public enum Reconciliation {
    public struct Line: Sendable, Equatable {
        public enum Kind: String, Sendable { case paidNotRecorded = "paid_not_recorded", recordedNotPaid = "recorded_not_paid",
                                                 amountMismatch = "amount_mismatch", refundMismatch = "refund_mismatch",
                                                 awaitingNextBill = "awaiting_next_bill" }
        public let kind: Kind, reference: String
        public var refundReference: String? = nil
        public let channelAmount: Int64?, ourAmount: Int64?, ourState: String?, channelTradeNo: String?
    }

    public struct Summary: Sendable {
        public let channel: PaymentChannel, date: String, matched: Int, lines: [Line]
        /// Lines of the day before that waited for this bill and were found in it.
        public var resolved = 0
        /// The lines that need a human (waiting ones excluded).
        public var mismatches: [Line] { lines.filter { $0.kind != .awaitingNextBill } }
    }

    /// The days whose bills are out at `now` and that the daily job looks at, oldest first: the
    /// last seven China calendar days, up to yesterday once it is 10:30 in China (the channels
    /// publish the day before's bills in the morning), up to the day before yesterday until then.
    public static func daysDue(at now: Date) -> [String] {
        let minutes = Int(now.addingTimeInterval(8 * 3600).timeIntervalSince1970 / 60) % (24 * 60)
        let newest = minutes >= 10 * 60 + 30 ? 1 : 2
        return stride(from: 7, through: newest, by: -1).map { String(chinaTimestamp(now.addingTimeInterval(-86_400 * Double($0))).prefix(10)) }
    }

    /// An attempt settled this close to midnight (China time) may be in the next day's bill.
    static let midnightMargin = "10 minutes"

    /// A bill line as the channels write them (fields prefixed with a backtick or padded with
    /// tabs, comment lines starting with #), columns found by their header names: WeChat's and
    /// Alipay's names for the same thing are both accepted.
    struct BillLine: Sendable {
        enum Kind: Sendable { case payment, refund, reversed }
        let kind: Kind, reference: String, amount: Int64, tradeNo: String?, refundId: String?
    }

    static func parse(_ bill: String) -> [BillLine] {
        var rows = bill.split(whereSeparator: \.isNewline).map(String.init).filter {
            !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty
        }
        guard !rows.isEmpty else { return [] }
        func fields(_ line: String) -> [String] {
            line.split(separator: ",", omittingEmptySubsequences: false).map {
                let field = $0.trimmingCharacters(in: .whitespaces)
                return field.hasPrefix("`") ? String(field.dropFirst()) : field
            }
        }
        let header = fields(rows.removeFirst())
        /// The first of `names`, in that order of preference, that the header has.
        func column(_ names: [String]) -> Int? { names.lazy.compactMap { name in header.firstIndex(of: name) }.first }
        guard let reference = column(["商户订单号"]), let state = column(["交易状态", "业务类型"]),
            let amount = column(["订单金额", "总金额", "应结订单金额", "订单金额（元）"])
        else { return [] }
        let tradeNo = column(["微信订单号", "支付宝交易号", "渠道订单号"])
        let refund = column(["申请退款金额", "退款金额"])
        let refundId = column(["商户退款单号", "退款批次号/请求号"])
        /// Refund rows of Alipay's bill carry negative amounts.
        func fen(_ text: String) -> Int64? { Money.fen(yuan: text.hasPrefix("-") ? String(text.dropFirst()) : text) }
        var parsed: [BillLine] = []
        for line in rows {
            let row = fields(line)
            // The summary block that closes a WeChat bill.
            if row.first?.hasPrefix("总") == true { break }
            guard row.count > max(reference, state, amount), let total = fen(row[amount]) else { continue }
            let kind: BillLine.Kind
            switch row[state] {
            case "SUCCESS", "TRADE_SUCCESS", "交易成功", "交易": kind = .payment
            case "REFUND", "退款成功", "退款": kind = .refund
            case "REVOKED": kind = .reversed
            default: continue  // NOTPAY, CLOSED, …: no money moved.
            }
            let refunded = refund.flatMap { $0 < row.count ? fen(row[$0]) : nil }.flatMap { $0 > 0 ? $0 : nil }
            let id = refundId.flatMap { $0 < row.count && !row[$0].isEmpty ? row[$0] : nil }
            parsed.append(BillLine(kind: kind, reference: row[reference], amount: kind == .refund ? refunded ?? total : total,
                                   tradeNo: tradeNo.flatMap { $0 < row.count ? row[$0] : nil }, refundId: kind == .refund ? id : nil))
        }
        return parsed
    }

    /// Downloads and matches one day's bill of one channel; stores the result, and settles the
    /// lines of the day before that waited for this bill.
    public static func run(_ database: Database, gateway: any PaymentGateway, date: String, logger: Logger) async throws -> Summary {
        let bill: String
        do { bill = try await gateway.bill(date: date) } catch { throw ChainstoreError.userError("The \(gateway.channel.rawValue) bill of \(date): \(error.reason)") }
        let parsed = parse(bill)
        let channel = gateway.channel
        return try await database.transaction(logger: logger) { tx in
            var payments: [String: BillLine] = [:]
            var reversals: [String: Int64] = [:]
            var refunds: [String: BillLine] = [:]
            for line in parsed {
                switch line.kind {
                case .payment: payments[line.reference] = line
                case .reversed: reversals[line.reference, default: 0] += line.amount
                case .refund:
                    // A refund without our refund number is a paid order cancelled (Alipay's cancel).
                    if let id = line.refundId { refunds[id] = line } else { reversals[line.reference, default: 0] += line.amount }
                }
            }
            // Ours: the channel's attempts of that day (China time), and any the bill names.
            var sql = SQLBuilder("SELECT reference, state, amount::bigint, refunded::bigint, channel_trade_no, ")
            sql += "(create_date AT TIME ZONE 'Asia/Shanghai')::date = "
            sql.bind(.text(date), cast: "date")
            sql += ", coalesce(settled_at, create_date) AT TIME ZONE 'Asia/Shanghai' >= "
            sql.bind(.text(date), cast: "date")
            sql += " + interval '1 day' - interval '\(midnightMargin)' FROM payment_transaction WHERE channel = "
            sql.bind(.text(channel.rawValue))
            sql += " AND ((create_date AT TIME ZONE 'Asia/Shanghai')::date = "
            sql.bind(.text(date), cast: "date")
            sql += " OR reference = ANY("
            sql.bind(.textArray(Array(Set(payments.keys).union(reversals.keys).union(refunds.values.map(\.reference)))), cast: "text[]")
            sql += "))"
            struct Ours { let state: String, amount: Int64, refunded: Int64, tradeNo: String?, sameDay: Bool, nearMidnight: Bool }
            var ours: [String: Ours] = [:]
            for row in try await tx.query(sql) {
                let (reference, state, amount, refunded, tradeNo, sameDay, late) = try row.decode((String, String, Int64, Int64, String?, Bool, Bool).self)
                ours[reference] = Ours(state: state, amount: amount, refunded: refunded, tradeNo: tradeNo, sameDay: sameDay, nearMidnight: late)
            }
            // Our refunds: those settled that day, and any the bill names.
            var refundSQL = SQLBuilder("SELECT r.reference, t.reference, r.amount::bigint, r.state, ")
            refundSQL += "coalesce((r.settled_at AT TIME ZONE 'Asia/Shanghai')::date = "
            refundSQL.bind(.text(date), cast: "date")
            refundSQL += ", false), coalesce(r.settled_at AT TIME ZONE 'Asia/Shanghai' >= "
            refundSQL.bind(.text(date), cast: "date")
            refundSQL += " + interval '1 day' - interval '\(midnightMargin)', false) FROM payment_refund r JOIN payment_transaction t ON t.id = r.transaction_id "
            refundSQL += "WHERE t.channel = "
            refundSQL.bind(.text(channel.rawValue))
            refundSQL += " AND (r.reference = ANY("
            refundSQL.bind(.textArray(Array(refunds.keys)), cast: "text[]")
            refundSQL += ") OR (r.state = 'done' AND (r.settled_at AT TIME ZONE 'Asia/Shanghai')::date = "
            refundSQL.bind(.text(date), cast: "date")
            refundSQL += "))"
            struct OurRefund { let payment: String, amount: Int64, state: String, sameDay: Bool, nearMidnight: Bool }
            var ourRefunds: [String: OurRefund] = [:]
            for row in try await tx.query(refundSQL) {
                let (reference, payment, amount, state, sameDay, late) = try row.decode((String, String, Int64, String, Bool, Bool).self)
                ourRefunds[reference] = OurRefund(payment: payment, amount: amount, state: state, sameDay: sameDay, nearMidnight: late)
            }

            var lines: [Line] = []
            var matched = 0
            for (reference, line) in payments.sorted(by: { $0.key < $1.key }) {
                let mine = ours[reference]
                if let mine, ["paid", "refunded"].contains(mine.state) {
                    if mine.amount == line.amount { matched += 1 } else {
                        lines.append(Line(kind: .amountMismatch, reference: reference, channelAmount: line.amount, ourAmount: mine.amount,
                                          ourState: mine.state, channelTradeNo: line.tradeNo))
                    }
                } else if let mine, mine.state == "reversed", reversals[reference] == line.amount {
                    matched += 1  // paid, then reversed: the money went back.
                } else if let mine, mine.state == "reversed", mine.nearMidnight, reversals[reference] == nil {
                    // Reversed just before midnight: its reversal may be in the next day's bill.
                    lines.append(Line(kind: .awaitingNextBill, reference: reference, channelAmount: line.amount, ourAmount: mine.amount,
                                      ourState: mine.state, channelTradeNo: line.tradeNo))
                } else {
                    lines.append(Line(kind: .paidNotRecorded, reference: reference, channelAmount: line.amount, ourAmount: mine?.amount,
                                      ourState: mine?.state, channelTradeNo: line.tradeNo))
                }
            }
            for (reference, amount) in reversals.sorted(by: { $0.key < $1.key }) where payments[reference] == nil {
                // Reversed at the channel; we must not think it paid.
                if let mine = ours[reference], ["paid", "refunded"].contains(mine.state) {
                    lines.append(Line(kind: .recordedNotPaid, reference: reference, channelAmount: amount, ourAmount: mine.amount, ourState: mine.state,
                                      channelTradeNo: mine.tradeNo))
                }
            }
            for (reference, mine) in ours.sorted(by: { $0.key < $1.key })
            where mine.sameDay && ["paid", "refunded"].contains(mine.state) && payments[reference] == nil && reversals[reference] == nil {
                lines.append(Line(kind: mine.nearMidnight ? .awaitingNextBill : .recordedNotPaid, reference: reference, channelAmount: nil,
                                  ourAmount: mine.amount, ourState: mine.state, channelTradeNo: mine.tradeNo))
            }
            for (id, line) in refunds.sorted(by: { $0.key < $1.key }) {
                if let mine = ourRefunds[id], mine.payment == line.reference, mine.state == "done", mine.amount == line.amount {
                    matched += 1
                } else {
                    var mismatch = Line(kind: .refundMismatch, reference: line.reference, channelAmount: line.amount, ourAmount: ourRefunds[id]?.amount,
                                        ourState: ourRefunds[id]?.state, channelTradeNo: line.tradeNo)
                    mismatch.refundReference = id
                    lines.append(mismatch)
                }
            }
            for (id, mine) in ourRefunds.sorted(by: { $0.key < $1.key }) where mine.state == "done" && mine.sameDay && refunds[id] == nil {
                var missing = Line(kind: mine.nearMidnight ? .awaitingNextBill : .refundMismatch, reference: mine.payment, channelAmount: nil,
                                   ourAmount: mine.amount, ourState: mine.state, channelTradeNo: nil)
                missing.refundReference = id
                lines.append(missing)
            }
            let resolved = try await settleYesterday(tx, channel: channel, date: date, payments: payments, reversals: reversals, refunds: refunds)

            let waiting = lines.filter { $0.kind == .awaitingNextBill }.count
            var save = SQLBuilder("INSERT INTO payment_reconciliation (channel, bill_date, matched, mismatched, awaiting, bill, create_date, write_date) VALUES (")
            save.bind(.text(channel.rawValue))
            save += ", "
            save.bind(.text(date), cast: "date")
            save += ", "
            save.bind(.int(Int64(matched + resolved)))
            save += ", "
            save.bind(.int(Int64(lines.count - waiting)))
            save += ", "
            save.bind(.int(Int64(waiting)))
            save += ", "
            save.bind(.text(bill))
            save += ", now(), now()) ON CONFLICT (channel, bill_date) DO UPDATE SET matched = EXCLUDED.matched, mismatched = EXCLUDED.mismatched, "
            save += "awaiting = EXCLUDED.awaiting, bill = EXCLUDED.bill, write_date = now() RETURNING id"
            let id = try await tx.query(save)[0].decode(Int64.self)
            var clear = SQLBuilder("DELETE FROM payment_reconciliation_line WHERE reconciliation_id = ")
            clear.bind(.int(id))
            try await tx.query(clear)
            if !lines.isEmpty {
                var insert = SQLBuilder("INSERT INTO payment_reconciliation_line (reconciliation_id, kind, reference, refund_reference, channel_amount, ")
                insert += "our_amount, our_state, channel_trade_no, create_date, write_date) SELECT "
                insert.bind(.int(id))
                insert += ", d.kind, d.reference, nullif(d.refund, ''), nullif(d.channel, -1), nullif(d.ours, -1), nullif(d.state, ''), "
                insert += "nullif(d.trade, ''), now(), now() FROM "
                insert.appendUnnest([
                    (.textArray(lines.map(\.kind.rawValue)), "text[]"), (.textArray(lines.map(\.reference)), "text[]"),
                    (.textArray(lines.map { $0.refundReference ?? "" }), "text[]"),
                    (.intArray(lines.map { $0.channelAmount ?? -1 }), "bigint[]"), (.intArray(lines.map { $0.ourAmount ?? -1 }), "bigint[]"),
                    (.textArray(lines.map { $0.ourState ?? "" }), "text[]"), (.textArray(lines.map { $0.channelTradeNo ?? "" }), "text[]"),
                ], as: "d(kind, reference, refund, channel, ours, state, trade)")
                try await tx.query(insert)
            }
            if lines.count > waiting {
                logger.warning("payment reconciliation found mismatches", metadata: ["channel": "\(channel.rawValue)", "date": "\(date)",
                                                                                     "count": "\(lines.count - waiting)"])
            }
            var summary = Summary(channel: channel, date: date, matched: matched, lines: lines)
            summary.resolved = resolved
            return summary
        }
    }

    /// The day before's lines that waited for this bill: found here, they are resolved (deleted,
    /// counted as matched on that day); not found, they become the mismatch they are.
    static func settleYesterday(_ tx: Transaction, channel: PaymentChannel, date: String, payments: [String: BillLine], reversals: [String: Int64],
                                refunds: [String: BillLine]) async throws -> Int {
        var sql = SQLBuilder("SELECT l.id, l.reference, l.refund_reference, l.our_amount::bigint, l.our_state, r.id FROM payment_reconciliation_line l ")
        sql += "JOIN payment_reconciliation r ON r.id = l.reconciliation_id WHERE l.kind = 'awaiting_next_bill' AND r.channel = "
        sql.bind(.text(channel.rawValue))
        sql += " AND r.bill_date = "
        sql.bind(.text(date), cast: "date")
        sql += " - 1 FOR UPDATE OF l, r"
        var found: [Int64] = [], missing: [Int64] = []
        var day: Int64?
        for row in try await tx.query(sql) {
            let (line, reference, refund, amount, state, reconciliation) = try row.decode((Int64, String, String?, Int64?, String?, Int64).self)
            day = reconciliation
            let present = if let refund { refunds[refund]?.amount == amount } else if state == "reversed" { reversals[reference] == amount } else {
                payments[reference]?.amount == amount
            }
            if present { found.append(line) } else { missing.append(line) }
        }
        guard let day else { return 0 }
        var resolve = SQLBuilder("DELETE FROM payment_reconciliation_line WHERE id = ANY(")
        resolve.bind(.intArray(found), cast: "bigint[]")
        resolve += ")"
        try await tx.query(resolve)
        var alarm = SQLBuilder("UPDATE payment_reconciliation_line SET kind = CASE WHEN refund_reference IS NOT NULL THEN 'refund_mismatch' ")
        alarm += "WHEN our_state = 'reversed' THEN 'paid_not_recorded' ELSE 'recorded_not_paid' END WHERE id = ANY("
        alarm.bind(.intArray(missing), cast: "bigint[]")
        alarm += ")"
        try await tx.query(alarm)
        var count = SQLBuilder("UPDATE payment_reconciliation SET awaiting = 0, matched = matched + ")
        count.bind(.int(Int64(found.count)))
        count += ", mismatched = mismatched + "
        count.bind(.int(Int64(missing.count)))
        count += ", write_date = now() WHERE id = "
        count.bind(.int(day))
        try await tx.query(count)
        return found.count
    }
}
