import ChainstoreDB

extension Purchase {
    /// Where the back office lists purchasing and replenishment, and the buttons of an order.
    static let menus: [MenuItem] = [
        MenuItem(.purchasing, "purchase.order", "Purchase Orders"),
        MenuItem(.purchasing, "stock.warehouse.orderpoint", "Reordering Rules"),
        MenuItem(.purchasing, "replenishment.delivery.schedule", "Delivery Schedules"),
        MenuItem(.purchasing, "purchase.asn", "Advance Shipping Notices"),
        MenuItem(.purchasing, "procurement.group", "Procurement Groups"),
    ]

    static let views: [ViewSpec] = [
        ViewSpec(model: "purchase.order", kind: .list, fields: ["name", "partner_id", "date_order", "date_planned", "company_id", "amount_total", "state"]),
        ViewSpec(model: "purchase.order", kind: .search, fields: ["name", "partner_id", "origin"]),
        ViewSpec(
            model: "purchase.order", kind: .form,
            fields: ["name", "partner_id", "partner_ref", "date_order", "date_planned", "origin", "company_id", "state", "order_line", "amount_untaxed",
                     "amount_tax", "amount_total", "notes"],
            buttons: [
                ViewButton("button_confirm", "Confirm Order", states: ["draft", "sent"], primary: true),
                ViewButton("button_approve", "Approve Order", states: ["to approve"], primary: true),
                ViewButton("button_done", "Lock", states: ["purchase"]),
                ViewButton("button_unlock", "Unlock", states: ["done"]),
                ViewButton("button_cancel", "Cancel", states: ["draft", "sent", "to approve", "purchase"]),
                ViewButton("button_draft", "Set to Draft", states: ["cancel"]),
            ]),
        ViewSpec(model: "purchase.order.line", kind: .list, fields: ["product_id", "name", "product_qty", "qty_received", "product_uom", "price_unit", "price_subtotal"]),
        ViewSpec(model: "stock.warehouse.orderpoint", kind: .list,
                 fields: ["product_id", "warehouse_id", "product_min_qty", "product_max_qty", "qty_forecast", "qty_to_order", "company_id"]),
        ViewSpec(model: "stock.warehouse.orderpoint", kind: .form,
                 fields: ["product_id", "warehouse_id", "location_id", "trigger", "product_min_qty", "product_max_qty", "qty_multiple", "qty_forecast",
                          "qty_to_order", "company_id"],
                 buttons: [ViewButton("action_replenish", "Order Once", primary: true)]),
    ]

    /// Replenishment on the dashboard: purchase orders by status.
    static let dashboard: [DashboardCard] = [
        DashboardCard("purchase.orders_by_state", "Purchase orders by status", model: "purchase.order", groupby: "state", chart: .pie),
    ]
}
