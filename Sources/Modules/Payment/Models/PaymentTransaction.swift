import ChainstoreCore

extension ModelSpec {
    /// One payment attempt: the merchant order number sent to the channel (derived from the till
    /// order's key and the attempt number), the amount in fen, and where it stands. Written only
    /// by the payment flow; every change of state is in the audit trail.
    public static let paymentTransaction = ModelSpec(
        name: "payment.transaction", label: "Payment Attempt",
        fields: [
            column(.char(size: nil), "reference", "Merchant Order Number", index: true),
            column(.char(size: nil), "order_key", "Till Order", index: true),
            column(.integer, "attempt", "Attempt"),
            column(.selection([SelectionOption("wechat", "WeChat Pay"), SelectionOption("alipay", "Alipay")]), "channel", "Channel"),
            column(.selection(PaymentState.options), "state", "Status", index: true),
            column(.decimal(precision: 20, scale: 0), "amount", "Amount (fen)"),
            column(.decimal(precision: 20, scale: 0), "refunded", "Refunded (fen)"),
            column(.char(size: nil), "auth_code_masked", "Payment Code"),
            column(.char(size: nil), "subject", "Subject"),
            column(.char(size: nil), "channel_trade_no", "Channel Transaction"),
            column(.char(size: nil), "error_code", "Channel Code"),
            column(.char(size: nil), "error_message", "Channel Message"),
            column(.boolean, "alarm", "Needs Attention"),
            column(.datetime, "sent_at", "Sent"),
            column(.datetime, "deadline", "Deadline"),
            column(.datetime, "settled_at", "Settled"),
            column(.many2one(comodel: "res.company", onDelete: .restrict), "company_id", "Company", index: true),
            column(.selection([SelectionOption("code", "Payment code scanned"), SelectionOption("qr", "QR code shown")]), "kind", "Kind"),
            column(.char(size: nil), "qr_code_url", "QR Code"),
            .one2many("refund_ids", "Refunds", to: "payment.refund", inverse: "transaction_id"),
        ],
        order: "id desc", recName: "reference", companyScoped: true)

    /// One refund of a paid attempt: the refund id sent to the channel (derived from the
    /// attempt and the caller's request key, so a retry never refunds twice) and its fate.
    public static let paymentRefund = ModelSpec(
        name: "payment.refund", label: "Payment Refund",
        fields: [
            column(.many2one(comodel: "payment.transaction", onDelete: .restrict), "transaction_id", "Payment Attempt", index: true),
            column(.char(size: nil), "reference", "Refund Number", index: true),
            column(.char(size: nil), "request_key", "Request"),
            column(.decimal(precision: 20, scale: 0), "amount", "Amount (fen)"),
            column(.selection(RefundState.allCases.map { SelectionOption($0.rawValue, $0.rawValue.capitalized) }), "state", "Status"),
            column(.char(size: nil), "reason", "Reason"),
            column(.char(size: nil), "channel_refund_no", "Channel Refund"),
            column(.char(size: nil), "error_code", "Channel Code"),
            column(.boolean, "alarm", "Needs Attention"),
            column(.datetime, "sent_at", "Sent"),
            column(.datetime, "settled_at", "Settled"),
            column(.many2one(comodel: "res.company", onDelete: .restrict), "company_id", "Company", index: true),
        ],
        order: "id desc", recName: "reference", companyScoped: true)

    private static func column(_ kind: FieldKind, _ name: String, _ label: String, index: Bool = false) -> FieldSpec {
        FieldSpec(name, label, kind: kind, index: index, computedInDatabase: true)
    }
}

/// Where a refund stands: sent and not yet answered, accepted and processing, or final.
public enum RefundState: String, Sendable, CaseIterable {
    case pending, processing, done, failed
    public var isFinal: Bool { self == .done || self == .failed }
}

/// Where an attempt stands. Final: paid, failed, reversed, refunded.
public enum PaymentState: String, Sendable, CaseIterable {
    case pending, userPaying = "user_paying", paid, failed, reversing, reversed, refunded, unknown

    public var isFinal: Bool { [.paid, .failed, .reversed, .refunded].contains(self) }
    public static let open: [PaymentState] = [.pending, .userPaying, .reversing, .unknown]

    static let options = allCases.map { SelectionOption($0.rawValue, $0.rawValue.replacingOccurrences(of: "_", with: " ").capitalized) }
}
