import ChainstoreDB

extension Sale {
    /// Where the back office lists the centre's sales orders to stores, and their buttons.
    static let menus: [MenuItem] = [MenuItem(.purchasing, "sale.order", "Sales Orders")]

    static let views: [ViewSpec] = [
        ViewSpec(model: "sale.order", kind: .list, fields: ["name", "partner_id", "date_order", "company_id", "amount_total", "state"]),
        ViewSpec(
            model: "sale.order", kind: .form,
            fields: ["name", "partner_id", "date_order", "company_id", "state", "order_line", "amount_untaxed", "amount_tax", "amount_total"],
            buttons: [
                ViewButton("action_confirm", "Confirm", states: ["draft", "sent"], primary: true),
                ViewButton("action_cancel", "Cancel", states: ["draft", "sent", "sale"]),
                ViewButton("action_draft", "Set to Quotation", states: ["cancel"]),
            ]),
        ViewSpec(model: "sale.order.line", kind: .list, fields: ["product_id", "name", "product_uom_qty", "qty_delivered", "price_unit", "price_subtotal"]),
    ]
}
