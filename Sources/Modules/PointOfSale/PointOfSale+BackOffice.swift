import ChainstoreDB

extension PointOfSale {
    /// Where the back office lists the point of sale.
    static let menus: [MenuItem] = [
        MenuItem(.pointOfSale, "pos.order", "Orders"),
        MenuItem(.pointOfSale, "pos.session", "Sessions"),
        MenuItem(.pointOfSale, "pos.daily.settlement", "Daily Settlements"),
        MenuItem(.pointOfSale, "pos.payment", "Payments"),
        MenuItem(.pointOfSale, "pos.cash.move", "Cash In and Out"),
        MenuItem(.pointOfSale, "pos.order.conflict", "Orders Kept for Review"),
        MenuItem(.pointOfSale, "pos.attendant.approval", "Attendant Approvals"),
        MenuItem(.pointOfSale, "pos.config", "Tills"),
        MenuItem(.pointOfSale, "pos.payment.method", "Payment Methods"),
    ]

    static let views: [ViewSpec] = [
        ViewSpec(model: "pos.order", kind: .list, fields: ["name", "pos_reference", "session_id", "date_order", "partner_id", "amount_total", "state"]),
        ViewSpec(model: "pos.order.line", kind: .list, fields: ["product_id", "qty", "price_unit", "discount", "price_subtotal_incl"]),
        ViewSpec(model: "pos.session", kind: .list, fields: ["name", "config_id", "user_id", "start_at", "stop_at", "state"]),
    ]
}
