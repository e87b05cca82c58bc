import ChainstoreCore
import Foundation

/// Now, as Odoo writes datetimes (UTC, to the second).
func odooNow() -> String {
    Date().formatted(Date.ISO8601FormatStyle(dateSeparator: .dash, dateTimeSeparator: .space, timeSeparator: .colon, timeZone: .gmt)
        .year().month().day().time(includingFractionalSeconds: false))
}

/// The default of a sale's and a payment's date: now.
let utcNow = FieldDefault.compute { _ in .string(odooNow()) }

extension ModelSpec {
    /// A way to pay at the till (Odoo 17 `pos.payment.method`): cash (counted in the drawer),
    /// bank (a bank card taken on a separate terminal, recorded by hand), or a payment-code
    /// channel (WeChat Pay, Alipay) that the payments module settles.
    public static let posPaymentMethod = ModelSpec(
        name: "pos.payment.method", label: "Point of Sale Payment Methods",
        fields: [
            .char("name", "Method", required: true),
            .integer("sequence", "Sequence", default: .value(.int(10))),
            .boolean("active", "Active", default: .value(.true)),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict),
            .selection("type", "Type", [
                SelectionOption("cash", "Cash"), SelectionOption("bank", "Bank"), SelectionOption("pay_later", "Customer Account"),
            ], required: true, default: .value("bank")),
            FieldSpec("is_cash_count", "Cash", kind: .boolean, readonly: true).computed(sql: "$t.type = 'cash'"),
            .selection("payment_channel", "Payment Code Channel", [
                SelectionOption("wechat", "WeChat Pay"), SelectionOption("alipay", "Alipay"),
            ]),
            .boolean("split_transactions", "Identify Customer"),
        ],
        order: "sequence, id", companyScoped: true)

    /// One till (Odoo 17 `pos.config`): its store, what it sells at which prices, how it is paid,
    /// what its receipts say; whether it runs as a self-checkout kiosk.
    public static let posConfig = ModelSpec(
        name: "pos.config", label: "Point of Sale Configuration",
        fields: [
            .char("name", "Point of Sale", required: true),
            .boolean("active", "Active", default: .value(.true)),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict),
            .many2one("warehouse_id", "Warehouse", to: "stock.warehouse", onDelete: .restrict),
            .many2one("picking_type_id", "Operation Type", to: "stock.picking.type", onDelete: .restrict),
            .many2one("pricelist_id", "Default Pricelist", to: "product.pricelist", onDelete: .restrict),
            .many2many("payment_method_ids", "Payment Methods", to: "pos.payment.method", relation: "pos_config_pos_payment_method_rel",
                       column1: "pos_config_id", column2: "pos_payment_method_id"),
            .text("receipt_header", "Receipt Header"),
            .text("receipt_footer", "Receipt Footer"),
            .text("customer_display_messages", "Customer Display Messages"),
            .boolean("customer_display_remote", "Customer Display on Another Device"),
            .selection("iface_tax_included", "Tax Display", [
                SelectionOption("subtotal", "Tax-Excluded Price"), SelectionOption("total", "Tax-Included Price"),
            ], required: true, default: .value("total")),
            .boolean("manual_discount", "Line Discounts", default: .value(.true)),
            .float("discount_limit", "Cashier Discount Limit (%)", default: .value(.int(10))),
            .boolean("restrict_price_control", "Restrict Price Modifications to Managers", default: .value(.true)),
            .float("amount_authorized_diff", "Authorized Difference"),
            .selection("self_ordering_mode", "Self Ordering", [
                SelectionOption("nothing", "Disable"), SelectionOption("consultation", "QR menu"), SelectionOption("mobile", "QR menu + Ordering"),
                SelectionOption("kiosk", "Kiosk"),
            ], required: true, default: .value("nothing")),
            .char("uuid", "UUID", readonly: true),
            FieldSpec("cash_control", "Advanced Cash Control", kind: .boolean, readonly: true).computed(sql: """
                EXISTS (SELECT 1 FROM pos_config_pos_payment_method_rel r JOIN pos_payment_method m ON m.id = r.pos_payment_method_id \
                WHERE r.pos_config_id = $t.id AND m.type = 'cash')
                """),
            FieldSpec("current_session_id", "Current Session", kind: .many2one(comodel: "pos.session", onDelete: .setNull), readonly: true)
                .computed(sql: "(SELECT s.id FROM pos_session s WHERE s.config_id = $t.id AND s.state <> 'closed' AND NOT s.rescue ORDER BY s.id DESC LIMIT 1)"),
            FieldSpec("current_session_state", "Current Session State", kind: .char(size: nil), readonly: true)
                .computed(sql: "(SELECT s.state FROM pos_session s WHERE s.config_id = $t.id AND s.state <> 'closed' AND NOT s.rescue ORDER BY s.id DESC LIMIT 1)"),
            FieldSpec("has_active_session", "Has Active Session", kind: .boolean, readonly: true)
                .computed(sql: "EXISTS (SELECT 1 FROM pos_session s WHERE s.config_id = $t.id AND s.state <> 'closed' AND NOT s.rescue)"),
            .one2many("session_ids", "Sessions", to: "pos.session", inverse: "config_id"),
        ],
        order: "id", companyScoped: true)

    /// One shift on one till (Odoo 17 `pos.session`): opening_control → opened →
    /// closing_control → closed, at most one not closed per till.
    public static let posSession = ModelSpec(
        name: "pos.session", label: "Point of Sale Session",
        fields: [
            .char("name", "Session ID", readonly: true),
            .many2one("config_id", "Point of Sale", to: "pos.config", required: true, onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", readonly: true, onDelete: .restrict),
            .many2one("user_id", "Opened By", to: "res.users", onDelete: .restrict),
            .selection("state", "Status", [
                SelectionOption("opening_control", "Opening Control"), SelectionOption("opened", "In Progress"),
                SelectionOption("closing_control", "Closing Control"), SelectionOption("closed", "Closed & Posted"),
            ], required: true, default: .value("opening_control")),
            .datetime("start_at", "Opening Date", readonly: true),
            .datetime("stop_at", "Closing Date", readonly: true),
            .integer("sequence_number", "Order Sequence Number", default: .value(.int(1))),
            .integer("login_number", "Login Sequence Number", default: .value(.int(0))),
            .text("opening_notes", "Opening Notes"),
            .text("closing_notes", "Closing Notes"),
            .monetary("cash_register_balance_start", "Starting Balance", default: .value(.int(0))),
            .monetary("cash_register_balance_end_real", "Ending Balance"),
            .boolean("rescue", "Recovery Session"),
            FieldSpec("order_count", "Orders Numbered", kind: .integer, readonly: true),
            .text("cash_difference_reason", "Reason for the Cash Difference"),
            FieldSpec("unsynced_orders", "Orders Held by Tills", kind: .integer, readonly: true)
                .computed(sql: "coalesce((SELECT sum(d.pending) FROM pos_session_device d WHERE d.session_id = $t.id), 0)"),
            .many2one("currency_id", "Currency", to: "res.currency", onDelete: .restrict),
            .one2many("order_ids", "Orders", to: "pos.order", inverse: "session_id"),
        ],
        order: "id desc", companyScoped: true)

    /// A sale or a refund (Odoo 17 `pos.order`), keyed by the till's UUID for exactly-once sync.
    public static let posOrder = ModelSpec(
        name: "pos.order", label: "Point of Sale Orders",
        fields: [
            .char("name", "Order Ref", required: true, readonly: true, default: .value("/")),
            .char("pos_reference", "Receipt Number", index: true),
            .char("uid", "Order UID", readonly: true),
            FieldSpec("session_seq", "Number in Session", kind: .integer, readonly: true),
            FieldSpec("is_refund", "Refund", kind: .boolean, readonly: true),
            .char("discount_reason", "Discount Reason"),
            .char("access_token", "Order Key", readonly: true),
            .many2one("session_id", "Session", to: "pos.session", required: true, onDelete: .restrict),
            .many2one("config_id", "Point of Sale", to: "pos.config", readonly: true, onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", readonly: true, onDelete: .restrict),
            .many2one("user_id", "Employee", to: "res.users", onDelete: .restrict),
            .many2one("partner_id", "Customer", to: "res.partner", onDelete: .restrict),
            .many2one("pricelist_id", "Pricelist", to: "product.pricelist", onDelete: .restrict),
            .datetime("date_order", "Date", required: true, index: true, default: utcNow),
            FieldSpec("business_day", "Business Day", kind: .date, readonly: true, index: true),
            FieldSpec("city_id", "City", kind: .many2one(comodel: "res.company", onDelete: .restrict), readonly: true, index: true),
            .integer("sequence_number", "Sequence Number"),
            .monetary("amount_total", "Total", required: true, default: .value(.int(0))),
            .monetary("amount_tax", "Taxes", required: true, default: .value(.int(0))),
            .monetary("amount_paid", "Paid", required: true, default: .value(.int(0))),
            .monetary("amount_return", "Returned", required: true, default: .value(.int(0))),
            .many2one("currency_id", "Currency", to: "res.currency", onDelete: .restrict),
            .selection("state", "Status", [
                SelectionOption("draft", "New"), SelectionOption("cancel", "Cancelled"), SelectionOption("paid", "Paid"),
                SelectionOption("done", "Posted"), SelectionOption("invoiced", "Invoiced"),
            ], required: true, default: .value("draft")),
            .text("note", "Internal Notes"),
            .char("content_hash", "Content Digest", readonly: true),
            .boolean("late_receipt", "Late Receipt"),
            .datetime("received_at", "Received", readonly: true),
            .one2many("lines", "Order Lines", to: "pos.order.line", inverse: "order_id"),
            .one2many("payment_ids", "Payments", to: "pos.payment", inverse: "pos_order_id"),
        ],
        order: "date_order desc, name desc, id desc", recName: "name", companyScoped: true)

    /// One line of a sale (negative quantity on a refund, linked to the sold line).
    public static let posOrderLine = ModelSpec(
        name: "pos.order.line", label: "Point of Sale Order Lines",
        fields: [
            .many2one("order_id", "Order Ref", to: "pos.order", required: true, onDelete: .cascade),
            .char("name", "Line No"),
            .many2one("product_id", "Product", to: "product.product", required: true, onDelete: .restrict),
            .char("full_product_name", "Full Product Name"),
            .decimal("qty", "Quantity", precision: 16, scale: 3, default: .value(.int(1))),
            .decimal("price_unit", "Unit Price", precision: 16, scale: 2, default: .value(.int(0))),
            .decimal("discount", "Discount (%)", precision: 6, scale: 2, default: .value(.int(0))),
            .decimal("price_subtotal", "Subtotal w/o Tax", precision: 16, scale: 2, default: .value(.int(0))),
            .decimal("price_subtotal_incl", "Subtotal", precision: 16, scale: 2, default: .value(.int(0))),
            .many2one("refunded_orderline_id", "Refunded Order Line", to: "pos.order.line", onDelete: .restrict),
            FieldSpec("refunded_qty", "Refunded Quantity", kind: .float, readonly: true).computed(sql: """
                coalesce((SELECT -sum(r.qty) FROM pos_order_line r JOIN pos_order ro ON ro.id = r.order_id \
                WHERE r.refunded_orderline_id = $t.id AND ro.state <> 'cancel'), 0)
                """),
            FieldSpec("price_manually_set", "Price Set by Hand", kind: .boolean, readonly: true),
            .char("discount_reason", "Discount Reason"),
            .char("lot_name", "Lot/Serial Number"),
            FieldSpec("price_list", "Price List Unit Price", kind: .decimal(precision: 16, scale: 2), readonly: true),
            .char("uuid", "UUID"),
            .many2one("company_id", "Company", to: "res.company", readonly: true, onDelete: .restrict),
        ],
        order: "id", recName: "name", companyScoped: true)

    /// Money taken for an order (change is its own negative row, as Odoo keeps it).
    public static let posPayment = ModelSpec(
        name: "pos.payment", label: "Point of Sale Payments",
        fields: [
            .many2one("pos_order_id", "Order", to: "pos.order", required: true, onDelete: .cascade),
            .many2one("payment_method_id", "Payment Method", to: "pos.payment.method", required: true, onDelete: .restrict),
            .decimal("amount", "Amount", precision: 16, scale: 2, required: true),
            .datetime("payment_date", "Date", required: true, default: utcNow),
            .char("name", "Label"),
            .boolean("is_change", "Is this payment change?"),
            .char("card_type", "Type of card used"),
            .char("transaction_id", "Payment Transaction ID"),
            .char("payment_status", "Payment Status"),
            .char("payment_reference", "Payment Attempt", readonly: true),
            .many2one("session_id", "Session", to: "pos.session", readonly: true, onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", readonly: true, onDelete: .restrict),
        ],
        order: "id desc", companyScoped: true)

    /// An order refused — sent again under a used key with other contents, or against a rule of
    /// the sale (price, discount, refund, payments) — kept as received, with the reason, for review.
    public static let posOrderConflict = ModelSpec(
        name: "pos.order.conflict", label: "Point of Sale Orders Kept for Review",
        fields: [
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict),
            .many2one("session_id", "Session", to: "pos.session", onDelete: .restrict),
            .many2one("order_id", "Order Kept", to: "pos.order", onDelete: .restrict),
            .char("access_token", "Order Key", required: true),
            .text("received", "Received"),
            .char("received_hash", "Received Digest", required: true),
            .char("stored_hash", "Stored Digest"),
            .text("reason", "Reason"),
        ],
        order: "id desc", recName: "access_token", companyScoped: true)

    /// An attendant's approval of one item at a self-checkout kiosk (see `TillAPI.attendant`):
    /// who approved, for which session and product, why, and the order that spent it. Written
    /// only by the kiosk's approval call; the token the kiosk presents is no field.
    public static let posAttendantApproval = ModelSpec(
        name: "pos.attendant.approval", label: "Point of Sale Attendant Approvals",
        fields: [
            FieldSpec("session_id", "Session", kind: .many2one(comodel: "pos.session", onDelete: .restrict), required: true, readonly: true),
            FieldSpec("company_id", "Company", kind: .many2one(comodel: "res.company", onDelete: .restrict), required: true, readonly: true),
            FieldSpec("product_id", "Product", kind: .many2one(comodel: "product.product", onDelete: .restrict), required: true, readonly: true),
            FieldSpec("attendant_id", "Attendant", kind: .many2one(comodel: "res.users", onDelete: .restrict), required: true, readonly: true),
            FieldSpec("reason", "Reason", kind: .selection([SelectionOption("age", "Age Check"), SelectionOption("weight", "Weighed Item")]),
                      required: true, readonly: true),
            FieldSpec("order_key", "Order Key", kind: .char(size: nil), readonly: true),
        ],
        order: "id desc", recName: "reason", companyScoped: true)

    /// Cash put into or taken out of a session's drawer (Odoo 17 keeps these as cash statement
    /// lines); written only through `pos.session.try_cash_in_out`.
    public static let posCashMove = ModelSpec(
        name: "pos.cash.move", label: "Point of Sale Cash Moves",
        fields: [
            FieldSpec("session_id", "Session", kind: .many2one(comodel: "pos.session", onDelete: .restrict), required: true, readonly: true),
            FieldSpec("company_id", "Company", kind: .many2one(comodel: "res.company", onDelete: .restrict), required: true, readonly: true),
            FieldSpec("amount", "Amount", kind: .decimal(precision: 16, scale: 2), required: true, readonly: true),
            FieldSpec("reason", "Reason", kind: .char(size: nil), required: true, readonly: true),
            FieldSpec("user_id", "Cashier", kind: .many2one(comodel: "res.users", onDelete: .restrict), readonly: true),
        ],
        order: "id", recName: "reason", companyScoped: true)

    /// A store's daily settlement (日结): the day's figures, frozen and chained (see
    /// `DailySettlements`).
    public static let posDailySettlement = ModelSpec(
        name: "pos.daily.settlement", label: "Point of Sale Daily Settlements",
        fields: [
            FieldSpec("name", "Settlement", kind: .char(size: nil), required: true, readonly: true),
            FieldSpec("company_id", "Store", kind: .many2one(comodel: "res.company", onDelete: .restrict), required: true, readonly: true),
            FieldSpec("business_day", "Business Day", kind: .date, required: true, readonly: true),
            FieldSpec("number", "Number", kind: .integer, required: true, readonly: true),
            FieldSpec("order_count", "Orders", kind: .integer, required: true, readonly: true),
            FieldSpec("amount_total", "Total", kind: .decimal(precision: 16, scale: 2), required: true, readonly: true),
            FieldSpec("cash_expected", "Cash Expected", kind: .decimal(precision: 16, scale: 2), required: true, readonly: true),
            FieldSpec("cash_counted", "Cash Counted", kind: .decimal(precision: 16, scale: 2), readonly: true),
            FieldSpec("cash_difference", "Cash Difference", kind: .decimal(precision: 16, scale: 2), readonly: true),
            FieldSpec("late_receipts", "Late Receipts", kind: .integer, required: true, readonly: true),
            FieldSpec("figures", "Figures", kind: .text, required: true, readonly: true),
            FieldSpec("previous_hash", "Previous Hash", kind: .char(size: nil), readonly: true),
            FieldSpec("hash", "Hash", kind: .char(size: nil), required: true, readonly: true),
        ],
        order: "business_day desc, id desc", companyScoped: true)
}
