import ChainstoreCore

extension ModelSpec {
    /// One channel's bill for one day, matched against the attempts; finance reads the lines.
    public static let paymentReconciliation = ModelSpec(
        name: "payment.reconciliation", label: "Payment Reconciliation",
        fields: [
            FieldSpec("channel", "Channel", kind: .selection([SelectionOption("wechat", "WeChat Pay"), SelectionOption("alipay", "Alipay")]),
                      computedInDatabase: true),
            FieldSpec("bill_date", "Bill Date", kind: .date, computedInDatabase: true),
            FieldSpec("matched", "Matched", kind: .integer, computedInDatabase: true),
            FieldSpec("mismatched", "Mismatches", kind: .integer, computedInDatabase: true),
            FieldSpec("awaiting", "Awaiting the Next Bill", kind: .integer, computedInDatabase: true),
            FieldSpec("bill", "Bill as Downloaded", kind: .text, computedInDatabase: true),
            .one2many("line_ids", "Mismatches", to: "payment.reconciliation.line", inverse: "reconciliation_id"),
        ],
        order: "bill_date desc, channel", displayNameSQL: "$t.channel || ' ' || $t.bill_date::text")

    /// A line on which the bill and the attempts disagree, with both amounts (fen).
    public static let paymentReconciliationLine = ModelSpec(
        name: "payment.reconciliation.line", label: "Payment Reconciliation Line",
        fields: [
            FieldSpec("reconciliation_id", "Reconciliation", kind: .many2one(comodel: "payment.reconciliation", onDelete: .cascade), index: true,
                      computedInDatabase: true),
            FieldSpec("kind", "Kind", kind: .selection([
                SelectionOption("paid_not_recorded", "Paid at the channel, not in Chainstore"),
                SelectionOption("recorded_not_paid", "Paid in Chainstore, not at the channel"),
                SelectionOption("amount_mismatch", "Amounts differ"), SelectionOption("refund_mismatch", "Refunds differ"),
                SelectionOption("awaiting_next_bill", "Paid just before midnight: in the next day's bill?"),
            ]), computedInDatabase: true),
            FieldSpec("refund_reference", "Refund Number", kind: .char(size: nil), computedInDatabase: true),
            FieldSpec("reference", "Merchant Order Number", kind: .char(size: nil), index: true, computedInDatabase: true),
            FieldSpec("channel_amount", "Channel Amount (fen)", kind: .decimal(precision: 20, scale: 0), computedInDatabase: true),
            FieldSpec("our_amount", "Our Amount (fen)", kind: .decimal(precision: 20, scale: 0), computedInDatabase: true),
            FieldSpec("our_state", "Our State", kind: .char(size: nil), computedInDatabase: true),
            FieldSpec("channel_trade_no", "Channel Transaction", kind: .char(size: nil), computedInDatabase: true),
        ],
        order: "id", recName: "reference")
}
