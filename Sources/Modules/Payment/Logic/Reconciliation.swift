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
                                                 amountMismatch = "amount_mismatch", refundMismatch = "refund_mismatch" }
        public let kind: Kind, reference: String
        public let channelAmount: Int64?, ourAmount: Int64?, ourState: String?, channelTradeNo: String?
    }

    public struct Summary: Sendable {
        public let channel: PaymentChannel, date: String, matched: Int, lines: [Line]
    }

    /// A bill line as the channels write them: fields prefixed with a backtick, columns found by
    /// their header names (WeChat's and Alipay's names for the same thing both accepted).
    struct BillLine: Sendable {
        let reference: String, state: String, amount: Int64, tradeNo: String?, refund: Int64
    }

    static func parse(_ bill: String) -> [BillLine] {
        var lines = bill.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { return [] }
        func fields(_ line: String) -> [String] {
            line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
        }
        let header = fields(lines.removeFirst())
        /// The first of `names`, in that order of preference, that the header has.
        func column(_ names: [String]) -> Int? { names.lazy.compactMap { name in header.firstIndex(of: name) }.first }
        guard let reference = column(["商户订单号"]), let state = column(["交易状态"]),
            let amount = column(["订单金额", "总金额", "应结订单金额", "订单金额（元）"])
        else { return [] }
        let tradeNo = column(["渠道订单号", "微信订单号", "支付宝交易号"])
        let refund = column(["退款金额", "申请退款金额"])
        var parsed: [BillLine] = []
        for line in lines {
            let row = fields(line)
            // The summary block that closes a WeChat bill.
            if row.first?.hasPrefix("总") == true { break }
            guard row.count > max(reference, state, amount), let fen = Money.fen(yuan: row[amount]) else { continue }
            parsed.append(BillLine(reference: row[reference], state: row[state], amount: fen, tradeNo: tradeNo.map { row[$0] },
                                   refund: refund.flatMap { Money.fen(yuan: row[$0]) } ?? 0))
        }
        return parsed
    }

    /// Downloads and matches one day's bill of one channel; stores the result.
    public static func run(_ database: Database, gateway: any PaymentGateway, date: String, logger: Logger) async throws -> Summary {
        let bill: String
        do { bill = try await gateway.bill(date: date) } catch { throw ChainstoreError.userError("The \(gateway.channel.rawValue) bill of \(date): \(error.reason)") }
        var paid: [String: BillLine] = [:]
        var refunds: [String: Int64] = [:]
        for line in parse(bill) {
            if line.state == "SUCCESS" || line.state == "TRADE_SUCCESS" || line.state == "交易成功" { paid[line.reference] = line }
            if line.state == "REFUND" || line.state == "退款成功" { refunds[line.reference, default: 0] += line.refund }
        }
        let channel = gateway.channel
        let (paidLines, refundTotals) = (paid, refunds)
        return try await database.transaction(logger: logger) { tx in
            let (paid, refunds) = (paidLines, refundTotals)
            // Ours: the channel's attempts of that day (China time), and any the bill names.
            var sql = SQLBuilder("SELECT reference, state, amount::bigint, refunded::bigint, channel_trade_no, ")
            sql += "(create_date AT TIME ZONE 'Asia/Shanghai')::date = "
            sql.bind(.text(date), cast: "date")
            sql += " FROM payment_transaction WHERE channel = "
            sql.bind(.text(channel.rawValue))
            sql += " AND ((create_date AT TIME ZONE 'Asia/Shanghai')::date = "
            sql.bind(.text(date), cast: "date")
            sql += " OR reference = ANY("
            sql.bind(.textArray(Array(Set(paid.keys).union(refunds.keys))), cast: "text[]")
            sql += "))"
            struct Ours { let state: String, amount: Int64, refunded: Int64, tradeNo: String?, sameDay: Bool }
            var ours: [String: Ours] = [:]
            for row in try await tx.query(sql) {
                let (reference, state, amount, refunded, tradeNo, sameDay) = try row.decode((String, String, Int64, Int64, String?, Bool).self)
                ours[reference] = Ours(state: state, amount: amount, refunded: refunded, tradeNo: tradeNo, sameDay: sameDay)
            }
            var lines: [Line] = []
            var matched = 0
            for (reference, line) in paid.sorted(by: { $0.key < $1.key }) {
                guard let mine = ours[reference], ["paid", "refunded"].contains(mine.state) else {
                    lines.append(Line(kind: .paidNotRecorded, reference: reference, channelAmount: line.amount, ourAmount: ours[reference]?.amount,
                                      ourState: ours[reference]?.state, channelTradeNo: line.tradeNo))
                    continue
                }
                if mine.amount != line.amount {
                    lines.append(Line(kind: .amountMismatch, reference: reference, channelAmount: line.amount, ourAmount: mine.amount,
                                      ourState: mine.state, channelTradeNo: line.tradeNo))
                } else {
                    matched += 1
                }
            }
            for (reference, mine) in ours.sorted(by: { $0.key < $1.key }) where mine.sameDay && ["paid", "refunded"].contains(mine.state) && paid[reference] == nil {
                lines.append(Line(kind: .recordedNotPaid, reference: reference, channelAmount: nil, ourAmount: mine.amount, ourState: mine.state,
                                  channelTradeNo: mine.tradeNo))
            }
            for (reference, refunded) in refunds.sorted(by: { $0.key < $1.key }) where ours[reference]?.refunded != refunded {
                lines.append(Line(kind: .refundMismatch, reference: reference, channelAmount: refunded, ourAmount: ours[reference]?.refunded,
                                  ourState: ours[reference]?.state, channelTradeNo: paid[reference]?.tradeNo))
            }
            var save = SQLBuilder("INSERT INTO payment_reconciliation (channel, bill_date, matched, mismatched, bill, create_date, write_date) VALUES (")
            save.bind(.text(channel.rawValue))
            save += ", "
            save.bind(.text(date), cast: "date")
            save += ", "
            save.bind(.int(Int64(matched)))
            save += ", "
            save.bind(.int(Int64(lines.count)))
            save += ", "
            save.bind(.text(bill))
            save += ", now(), now()) ON CONFLICT (channel, bill_date) DO UPDATE SET matched = EXCLUDED.matched, mismatched = EXCLUDED.mismatched, "
            save += "bill = EXCLUDED.bill, write_date = now() RETURNING id"
            let id = try await tx.query(save)[0].decode(Int64.self)
            var clear = SQLBuilder("DELETE FROM payment_reconciliation_line WHERE reconciliation_id = ")
            clear.bind(.int(id))
            try await tx.query(clear)
            if !lines.isEmpty {
                var insert = SQLBuilder("INSERT INTO payment_reconciliation_line (reconciliation_id, kind, reference, channel_amount, our_amount, our_state, ")
                insert += "channel_trade_no, create_date, write_date) SELECT "
                insert.bind(.int(id))
                insert += ", d.kind, d.reference, nullif(d.channel, -1), nullif(d.ours, -1), nullif(d.state, ''), nullif(d.trade, ''), now(), now() FROM "
                insert.appendUnnest([
                    (.textArray(lines.map(\.kind.rawValue)), "text[]"), (.textArray(lines.map(\.reference)), "text[]"),
                    (.intArray(lines.map { $0.channelAmount ?? -1 }), "bigint[]"), (.intArray(lines.map { $0.ourAmount ?? -1 }), "bigint[]"),
                    (.textArray(lines.map { $0.ourState ?? "" }), "text[]"), (.textArray(lines.map { $0.channelTradeNo ?? "" }), "text[]"),
                ], as: "d(kind, reference, channel, ours, state, trade)")
                try await tx.query(insert)
            }
            if !lines.isEmpty {
                logger.warning("payment reconciliation found mismatches", metadata: ["channel": "\(channel.rawValue)", "date": "\(date)", "count": "\(lines.count)"])
            }
            return Summary(channel: channel, date: date, matched: matched, lines: lines)
        }
    }
}
