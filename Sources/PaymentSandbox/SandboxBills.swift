import Foundation
import Payments
import ZIPFoundation

/// The sandbox's bills, in the channels' own formats: WeChat's CSV (every field prefixed with
/// a backtick, the summary block at the end, amounts in yuan), Alipay's ZIP of two GBK CSV
/// files (comment lines starting with #, values padded with tabs, refunds as negative rows).
/// A payment is on the day it was paid, a refund on the day it succeeded (China time).
extension PaymentSandbox {
    static func chinaDay(_ date: Date) -> String { chinaTime(date, format: "yyyyMMdd") }

    /// One line of the bill: what happened to which order, on which day.
    struct BillEvent {
        enum Kind { case paid, refund, reversed }
        let kind: Kind, order: Order, at: Date, refundNo: String?, amount: Int64
    }

    func events(_ channel: PaymentChannel, date: String) -> [BillEvent] {
        let day = date.replacingOccurrences(of: "-", with: "")
        var events: [BillEvent] = []
        for order in book.all(channel) {
            guard let paid = order.paidAt else { continue }
            events.append(BillEvent(kind: .paid, order: order, at: paid, refundNo: nil, amount: order.amount))
            if order.state == .reversed { events.append(BillEvent(kind: .reversed, order: order, at: paid, refundNo: nil, amount: order.amount)) }
            for (refundNo, amount) in order.refunds.sorted(by: { $0.key < $1.key }) {
                events.append(BillEvent(kind: .refund, order: order, at: order.refundDoneAt[refundNo] ?? paid, refundNo: refundNo, amount: amount))
            }
        }
        return events.filter { Self.chinaDay($0.at) == day }
    }

    func wechatBill(date: String) -> String {
        let header = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,"
            + "微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
        var lines = [header]
        var (paid, refunded) = (Int64(0), Int64(0))
        let events = events(.wechat, date: date)
        for event in events {
            let order = event.order
            let (state, refundId, refundNo, refund) = switch event.kind {
            case .paid: ("SUCCESS", "0", "0", Int64(0))
            case .reversed: ("REVOKED", "0", "0", Int64(0))
            case .refund: ("REFUND", "R" + (event.refundNo ?? ""), event.refundNo ?? "", event.amount)
            }
            if event.kind == .paid { paid += order.amount }
            refunded += refund
            let fields = [chinaTimestamp(event.at), configuration.wechatAppId, configuration.wechatMchId, "0", "", order.tradeNo, order.outTradeNo,
                          "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", order.native ? "NATIVE" : "MICROPAY", state, "OTHERS", "CNY", Money.yuan(fen: order.amount),
                          "0.00", refundId, refundNo, Money.yuan(fen: refund), "0.00", event.kind == .refund ? "ORIGINAL" : "",
                          event.kind == .refund ? "SUCCESS" : "", "Chainstore", "", "0.00", "0.60%", Money.yuan(fen: order.amount), Money.yuan(fen: refund), ""]
            lines.append(fields.map { "`" + $0 }.joined(separator: ","))
        }
        lines.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
        lines.append(["\(events.count)", Money.yuan(fen: paid), Money.yuan(fen: refunded), "0.00", "0.00", Money.yuan(fen: paid), Money.yuan(fen: refunded)]
            .map { "`" + $0 }.joined(separator: ","))
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Alipay's bill: a ZIP holding the detail file and the summary, both GBK.
    func alipayBill(date: String) -> Data {
        let day = date.replacingOccurrences(of: "-", with: "")
        var rows: [String] = [
            "#支付宝业务明细查询", "#账号：[\(configuration.alipaySellerId)]", "#起始日期：[\(day) 00:00:00]   终止日期：[\(day) 23:59:59]",
            "#-----------------------------------------业务明细列表----------------------------------------",
            "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,"
                + "集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注",
        ]
        var (count, refunds, paid, back) = (0, 0, Int64(0), Int64(0))
        for event in events(.alipay, date: date) {
            let order = event.order
            let (kind, sign, requestNo) = switch event.kind {
            case .paid: ("交易", "", "")
            case .reversed: ("退款", "-", "")
            case .refund: ("退款", "-", event.refundNo ?? "")
            }
            if event.kind == .paid { (count, paid) = (count + 1, paid + event.amount) } else { (refunds, back) = (refunds + 1, back + event.amount) }
            let amount = sign + Money.yuan(fen: event.amount)
            let fields = [order.tradeNo, order.outTradeNo, kind, "Chainstore", chinaTimestamp(order.created), chinaTimestamp(event.at), "", "", "", "",
                          "159****5620", amount, amount, "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00", requestNo, "0.00", "0.00", ""]
            rows.append(fields.map { $0 + "\t" }.joined(separator: ","))
        }
        rows += ["#-----------------------------------------业务明细列表结束------------------------------------",
                 "#交易合计：\(count)笔，商家实收共\(Money.yuan(fen: paid))元，商家优惠共0.00元",
                 "#退款合计：\(refunds)笔，商家实收退款共-\(Money.yuan(fen: back))元，商家优惠退款共0.00元", "#导出时间：[\(chinaTimestamp())]"]
        let summary = ["#支付宝业务汇总查询", "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）",
                       "合计,,\(count),\(refunds),\(Money.yuan(fen: paid - back)),\(Money.yuan(fen: paid - back))"]
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for (name, text) in [("\(configuration.alipaySellerId)_\(day)_业务明细.csv", rows), ("\(configuration.alipaySellerId)_\(day)_业务明细(汇总).csv", summary)] {
                let bytes = try ChannelBill.gbk(text.joined(separator: "\r\n") + "\r\n")
                try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                    bytes.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            return archive.data ?? Data()
        } catch {
            return Data()
        }
    }
}
