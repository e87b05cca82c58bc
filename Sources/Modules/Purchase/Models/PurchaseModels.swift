import ChainstoreCore

extension ModelSpec {
    /// A request for quotation, then a purchase order: Odoo 17's `purchase.order`.
    public static let purchaseOrder = ModelSpec(
        name: "purchase.order", label: "Purchase Order",
        fields: [
            FieldSpec("name", "Order Reference", kind: .char(size: nil), index: true, computedInDatabase: true),
            .many2one("partner_id", "Vendor", to: "res.partner", required: true, onDelete: .restrict),
            .char("partner_ref", "Vendor Reference"),
            .char("origin", "Source Document"),
            FieldSpec("state", "Status", kind: .selection(PurchaseState.options), index: true, computedInDatabase: true),
            .datetime("date_order", "Order Deadline"),
            FieldSpec("date_approve", "Confirmation Date", kind: .datetime, computedInDatabase: true),
            FieldSpec("date_planned", "Expected Arrival", kind: .datetime, readonly: true)
                .computed(sql: "(SELECT min(pol.date_planned) FROM purchase_order_line pol WHERE pol.order_id = $t.id)"),
            .one2many("order_line", "Order Lines", to: "purchase.order.line", inverse: "order_id"),
            .many2one("user_id", "Buyer", to: "res.users", default: .compute { .int($0.uid) }),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .many2one("currency_id", "Currency", to: "res.currency", onDelete: .restrict),
            .many2one("picking_type_id", "Deliver To", to: "stock.picking.type", onDelete: .restrict),
            .many2one("group_id", "Procurement Group", to: "procurement.group"),
            .text("notes", "Terms and Conditions"),
            .selection("priority", "Priority", [SelectionOption("0", "Normal"), SelectionOption("1", "Urgent")], default: .value("0")),
            .boolean("mail_reception_confirmed", "Reception Confirmed"),
            FieldSpec("amount_untaxed", "Untaxed Amount", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT coalesce(sum(pla.subtotal), 0) FROM purchase_order_line pol, purchase_line_amounts(pol.id) pla WHERE pol.order_id = $t.id)"),
            FieldSpec("amount_tax", "Taxes", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT coalesce(sum(pla.tax), 0) FROM purchase_order_line pol, purchase_line_amounts(pol.id) pla WHERE pol.order_id = $t.id)"),
            FieldSpec("amount_total", "Total", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT coalesce(sum(pla.total), 0) FROM purchase_order_line pol, purchase_line_amounts(pol.id) pla WHERE pol.order_id = $t.id)"),
            .one2many("picking_ids", "Receptions", to: "stock.picking", inverse: "purchase_id"),
            FieldSpec("incoming_picking_count", "Incoming Shipment count", kind: .integer, readonly: true)
                .computed(sql: "(SELECT count(*) FROM stock_picking spk WHERE spk.purchase_id = $t.id)"),
            FieldSpec("receipt_status", "Receipt Status", kind: .selection([
                SelectionOption("pending", "Not Received"), SelectionOption("partial", "Partially Received"), SelectionOption("full", "Fully Received"),
            ]), readonly: true).computed(sql: "purchase_receipt_status($t.id)"),
            FieldSpec("effective_date", "Arrival", kind: .datetime, readonly: true)
                .computed(sql: "(SELECT min(spk.date_done) FROM stock_picking spk WHERE spk.purchase_id = $t.id AND spk.state = 'done')"),
            FieldSpec("is_shipped", "Is Shipped", kind: .boolean, readonly: true)
                .computed(sql: "(purchase_receipt_status($t.id) = 'full')"),
            FieldSpec("auto_sale_order_id", "Source Sales Order", kind: .many2one(comodel: "sale.order", onDelete: .setNull), readonly: true, index: true),
            FieldSpec("reorder_date", "Reordering Day", kind: .date, readonly: true, help: "The day the reordering run made this request for quotation."),
            .one2many("asn_ids", "Shipping Notices", to: "purchase.asn", inverse: "purchase_id"),
        ],
        order: "priority desc, id desc", companyScoped: true, auditedInDatabase: true)

    /// A line of a purchase order: product, quantity, price, taxes, expected date; what has
    /// arrived so far follows the stock ledger.
    public static let purchaseOrderLine = ModelSpec(
        name: "purchase.order.line", label: "Purchase Order Line",
        fields: [
            // Sorted by the order's priority kept on the line (`order_priority`): the default order is an index.
            .many2one("order_id", "Order Reference", to: "purchase.order", required: true, onDelete: .cascade).sorted(byColumn: "order_priority"),
            .integer("sequence", "Sequence", default: .value(10)),
            .text("name", "Description"),
            .many2one("product_id", "Product", to: "product.product", required: true, onDelete: .restrict),
            .decimal("product_qty", "Quantity", precision: 16, scale: 3, required: true, default: .value(1)),
            .many2one("product_uom", "Unit of Measure", to: "uom.uom", onDelete: .restrict),
            FieldSpec("product_uom_qty", "Total Quantity", kind: .decimal(precision: 16, scale: 3), readonly: true)
                .computed(sql: "(SELECT round(chainstore_uom_convert($t.product_qty, $t.product_uom, pt.uom_id), 3) FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id WHERE pp.id = $t.product_id)"),
            .decimal("price_unit", "Unit Price", precision: 16, scale: 4, required: true, default: .value(0)),
            .decimal("discount", "Discount (%)", precision: 6, scale: 2, default: .value(0)),
            .many2many("taxes_id", "Taxes", to: "account.tax", relation: "account_tax_purchase_order_line_rel",
                       column1: "purchase_order_line_id", column2: "account_tax_id"),
            FieldSpec("price_subtotal", "Subtotal", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT pla.subtotal FROM purchase_line_amounts($t.id) pla)"),
            FieldSpec("price_tax", "Tax", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT pla.tax FROM purchase_line_amounts($t.id) pla)"),
            FieldSpec("price_total", "Total", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT pla.total FROM purchase_line_amounts($t.id) pla)"),
            .datetime("date_planned", "Expected Arrival"),
            FieldSpec("qty_received", "Received Qty", kind: .decimal(precision: 16, scale: 3), readonly: true)
                .computed(sql: "purchase_line_received($t.id)"),
            FieldSpec("qty_received_method", "Received Qty Method", kind: .selection([
                SelectionOption("manual", "Manual"), SelectionOption("stock_moves", "Stock Moves"),
            ]), readonly: true).computed(sql: "'stock_moves'"),
            .one2many("move_ids", "Reservation", to: "stock.move", inverse: "purchase_line_id"),
            .many2one("orderpoint_id", "Orderpoint", to: "stock.warehouse.orderpoint", onDelete: .setNull),
            FieldSpec("company_id", "Company", kind: .many2one(comodel: "res.company", onDelete: .restrict), index: true, computedInDatabase: true),
            FieldSpec("partner_id", "Partner", kind: .many2one(comodel: "res.partner", onDelete: .restrict), readonly: true)
                .computed(sql: "(SELECT po.partner_id FROM purchase_order po WHERE po.id = $t.order_id)"),
            FieldSpec("state", "Status", kind: .selection(PurchaseState.options), readonly: true)
                .computed(sql: "(SELECT po.state FROM purchase_order po WHERE po.id = $t.order_id)"),
            FieldSpec("currency_id", "Currency", kind: .many2one(comodel: "res.currency", onDelete: .restrict), readonly: true)
                .computed(sql: "(SELECT po.currency_id FROM purchase_order po WHERE po.id = $t.order_id)"),
            FieldSpec("supplier_qty", "Confirmed by Vendor", kind: .decimal(precision: 16, scale: 3), readonly: true,
                      help: "The quantity the vendor confirmed in its answer through the supplier portal."),
            FieldSpec("supplier_date", "Date Promised by Vendor", kind: .datetime, readonly: true),
            FieldSpec("supplier_note", "Vendor's Note", kind: .text, readonly: true),
        ],
        order: "order_id, sequence, id", displayNameSQL: "(SELECT po.name FROM purchase_order po WHERE po.id = $t.order_id) || ': ' || coalesce($t.name, '')",
        companyScoped: true, auditedInDatabase: true)

    /// What groups the documents a procurement makes (Odoo's `procurement.group`); its model
    /// method `run_scheduler` runs the reordering rules.
    public static let procurementGroup = ModelSpec(
        name: "procurement.group", label: "Procurement Group",
        fields: [
            .char("name", "Reference", required: true),
            .selection("move_type", "Delivery Type", [
                SelectionOption("direct", "Partial"), SelectionOption("one", "All at once"),
            ], required: true, default: .value("direct")),
            .many2one("partner_id", "Partner", to: "res.partner"),
        ],
        order: "id desc")

    /// A reordering rule (Odoo 17's `stock.warehouse.orderpoint`): below the minimum, order up
    /// to the maximum; or, with `replenish_method = velocity`, order up to what the sales of the
    /// last weeks say the place sells until the next delivery, plus safety stock. The quantities
    /// are computed when read (never stored, never stale).
    public static let stockWarehouseOrderpoint = ModelSpec(
        name: "stock.warehouse.orderpoint", label: "Minimum Inventory Rule",
        fields: [
            FieldSpec("name", "Name", kind: .char(size: nil), index: true, computedInDatabase: true),
            .selection("trigger", "Trigger", [SelectionOption("auto", "Auto"), SelectionOption("manual", "Manual")], required: true, default: .value("auto")),
            .boolean("active", "Active", default: .value(.true)),
            .date("snoozed_until", "Snoozed"),
            .many2one("warehouse_id", "Warehouse", to: "stock.warehouse", required: true, onDelete: .cascade),
            // Sorted by the location's name kept on the rule (`location_name`): the default
            // order of 25 million rules is read from an index, not sorted.
            .many2one("location_id", "Location", to: "stock.location", onDelete: .cascade).sorted(byColumn: "location_name"),
            .many2one("product_id", "Product", to: "product.product", required: true, onDelete: .cascade),
            FieldSpec("product_tmpl_id", "Product Template", kind: .many2one(comodel: "product.template", onDelete: .setNull), readonly: true)
                .computed(sql: "(SELECT pp.product_tmpl_id FROM product_product pp WHERE pp.id = $t.product_id)"),
            FieldSpec("product_category_id", "Product Category", kind: .many2one(comodel: "product.category", onDelete: .setNull), readonly: true)
                .computed(sql: "(SELECT pt.categ_id FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id WHERE pp.id = $t.product_id)"),
            FieldSpec("product_uom", "Unit of Measure", kind: .many2one(comodel: "uom.uom", onDelete: .setNull), readonly: true)
                .computed(sql: "(SELECT pt.uom_id FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id WHERE pp.id = $t.product_id)"),
            .decimal("product_min_qty", "Min Quantity", precision: 16, scale: 3, required: true, default: .value(0)),
            .decimal("product_max_qty", "Max Quantity", precision: 16, scale: 3, required: true, default: .value(0)),
            .decimal("qty_multiple", "Multiple Quantity", precision: 16, scale: 3, required: true, default: .value(1)),
            .decimal("visibility_days", "Visibility Days", precision: 8, scale: 2, default: .value(0)),
            .many2one("group_id", "Procurement Group", to: "procurement.group"),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .companyBranch,
            .many2one("supplier_id", "Vendor", to: "product.supplierinfo", onDelete: .setNull),
            FieldSpec("vendor_id", "Vendor", kind: .many2one(comodel: "res.partner", onDelete: .setNull), readonly: true)
                .computed(sql: "(SELECT si.partner_id FROM product_supplierinfo si WHERE si.id = $t.supplier_id)"),
            proposal("qty_on_hand", "On Hand", .decimal(precision: 16, scale: 3)),
            proposal("qty_forecast", "Forecast", .decimal(precision: 16, scale: 3)),
            proposal("qty_to_order", "To Order", .decimal(precision: 16, scale: 3)),
            proposal("lead_days", "Lead Days", .decimal(precision: 8, scale: 2)),
            proposal("lead_days_date", "Lead Days Date", .date),
            // Order-up-to from sales (the group's stores): the method, the weeks of sales it
            // reads, the days until the next delivery, the safety factor (1.65 ≈ 95 % of cycles
            // without a stock-out), and what it found.
            .selection("replenish_method", "Replenishment Method", [
                SelectionOption("min_max", "Min/Max"), SelectionOption("velocity", "Sales Velocity"),
            ], required: true, default: .value("min_max")),
            .integer("velocity_weeks", "Weeks of Sales", required: true, default: .value(4)),
            .decimal("review_days", "Review Period (Days)", precision: 8, scale: 2, required: true, default: .value(7)),
            .decimal("service_factor", "Safety Factor", precision: 6, scale: 3, required: true, default: .value(1.65)),
            proposal("daily_sales", "Average Daily Sales", .decimal(precision: 16, scale: 4)),
            proposal("daily_sales_deviation", "Daily Sales Deviation", .decimal(precision: 16, scale: 4)),
            proposal("order_up_to", "Order Up To", .decimal(precision: 16, scale: 3)),
            FieldSpec("procure_exception", "Exception", kind: .char(size: nil), computedInDatabase: true),
        ],
        order: "location_id, company_id, id", companyScoped: true, auditedInDatabase: true)

    /// When a store receives from a supplier (its distribution centre): the weekdays, the order
    /// deadline (`cutoff_days` before the delivery day at `cutoff_hour`, China time), the truck
    /// run and the drop sequence. A store's order to that supplier is planned for the first
    /// delivery day still open and refused for a day whose deadline has passed.
    public static let deliverySchedule = ModelSpec(
        name: "replenishment.delivery.schedule", label: "Delivery Schedule",
        fields: [
            .char("name", "Name"),
            .boolean("active", "Active", default: .value(.true)),
            .many2one("company_id", "Store", to: "res.company", required: true, onDelete: .cascade, default: .compute { .int($0.companyId) }),
            .many2one("partner_id", "Supplier", to: "res.partner", required: true, onDelete: .cascade),
            .boolean("monday", "Monday"), .boolean("tuesday", "Tuesday"), .boolean("wednesday", "Wednesday"), .boolean("thursday", "Thursday"),
            .boolean("friday", "Friday"), .boolean("saturday", "Saturday"), .boolean("sunday", "Sunday"),
            .integer("cutoff_days", "Order Deadline (Days Before)", required: true, default: .value(2)),
            .decimal("cutoff_hour", "Order Deadline (Hour)", precision: 4, scale: 2, required: true, default: .value(18)),
            .char("route", "Route"),
            .integer("sequence", "Drop Sequence", default: .value(10)),
        ],
        order: "sequence, id", companyScoped: true)

    /// An advance shipping notice from a supplier (GS1 DESADV): what it sends against a purchase
    /// order, pallet by pallet. Announced, its pallets wait on the order's receipt; received, each
    /// line shows what arrived of it.
    public static let purchaseAsn = ModelSpec(
        name: "purchase.asn", label: "Advance Shipping Notice",
        fields: [
            .char("name", "ASN Number", required: true),
            .many2one("partner_id", "Vendor", to: "res.partner", required: true, onDelete: .restrict),
            .many2one("purchase_id", "Purchase Order", to: "purchase.order", required: true, onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict),
            .many2one("picking_id", "Receipt", to: "stock.picking", onDelete: .setNull),
            .selection("state", "Status", [
                SelectionOption("announced", "Announced"), SelectionOption("received", "Received"), SelectionOption("cancel", "Cancelled"),
            ], required: true, default: .value("announced")),
            .integer("version", "Version", default: .value(1)),
            .char("digest", "Content Digest"),
            .char("supplier_gln", "Supplier GLN"),
            .char("ship_to_gln", "Ship-to GLN"),
            .datetime("despatch_at", "Despatched"),
            .datetime("expected_at", "Expected Arrival"),
            .char("vehicle_plate", "Vehicle"),
            .char("driver_phone", "Driver's Phone"),
            .text("warnings", "Warnings"),
            .one2many("package_ids", "Pallets", to: "purchase.asn.package", inverse: "asn_id"),
            .one2many("line_ids", "Contents", to: "purchase.asn.line", inverse: "asn_id"),
        ],
        order: "id desc", companyScoped: true, auditedInDatabase: true)

    /// A pallet (or case) of a shipping notice, named by its SSCC; the receipt's package of the
    /// same name holds its contents.
    public static let purchaseAsnPackage = ModelSpec(
        name: "purchase.asn.package", label: "Shipping Notice Pallet",
        fields: [
            .many2one("asn_id", "Shipping Notice", to: "purchase.asn", required: true, onDelete: .cascade),
            .char("sscc", "SSCC", required: true),
            .selection("kind", "Kind", [SelectionOption("pallet", "Pallet"), SelectionOption("case", "Case")], required: true, default: .value("pallet")),
            .char("parent_sscc", "On Pallet"),
            .decimal("gross_weight_kg", "Gross Weight (kg)", precision: 12, scale: 3),
            .many2one("package_id", "Package", to: "stock.quant.package", onDelete: .setNull),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict),
        ],
        order: "asn_id, id", displayNameSQL: "$t.sscc", companyScoped: true)

    /// What a pallet holds, as announced (product, lot, dates, quantity) and as received.
    public static let purchaseAsnLine = ModelSpec(
        name: "purchase.asn.line", label: "Shipping Notice Line",
        fields: [
            .many2one("asn_id", "Shipping Notice", to: "purchase.asn", required: true, onDelete: .cascade),
            .many2one("package_id", "Pallet", to: "purchase.asn.package", onDelete: .cascade),
            .many2one("purchase_line_id", "Purchase Order Line", to: "purchase.order.line", onDelete: .setNull),
            .many2one("product_id", "Product", to: "product.product", required: true, onDelete: .restrict),
            .char("gtin", "GTIN"),
            .char("supplier_code", "Vendor Product Code"),
            .decimal("quantity", "Announced", precision: 16, scale: 3, required: true, default: .value(0)),
            .char("lot_name", "Lot"),
            .date("production_date", "Production Date"),
            .date("best_before_date", "Best Before"),
            .date("expiry_date", "Expiry Date"),
            .many2one("move_line_id", "Receipt Line", to: "stock.move.line", onDelete: .setNull),
            .decimal("received_qty", "Received", precision: 16, scale: 3),
            .selection("difference", "Difference", [
                SelectionOption("ok", "As announced"), SelectionOption("short", "Short"), SelectionOption("over", "Over"),
                SelectionOption("unannounced", "Not announced"),
            ]),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict),
        ],
        order: "asn_id, id",
        displayNameSQL: "(SELECT pt.name FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id WHERE pp.id = $t.product_id)",
        companyScoped: true)

    /// One figure of the orderpoint's proposal, computed for the records read by the function
    /// the reordering run uses (`Reordering.figures`).
    static func proposal(_ name: String, _ label: String, _ kind: FieldKind) -> FieldSpec {
        FieldSpec(name, label, kind: kind, readonly: true).computedForReadRecords()
    }

    /// What purchasing adds to other modules' models.
    static let purchaseExtensions: [ModelExtension] = [
        ModelExtension(model: "stock.move", fields: [
            .many2one("purchase_line_id", "Purchase Order Line", to: "purchase.order.line", onDelete: .setNull),
        ]),
        ModelExtension(model: "stock.picking", fields: [
            FieldSpec("purchase_id", "Purchase Orders", kind: .many2one(comodel: "purchase.order", onDelete: .setNull), readonly: true, index: true),
        ]),
        ModelExtension(model: "sale.order", fields: [
            FieldSpec("auto_purchase_order_id", "Source Purchase Order", kind: .many2one(comodel: "purchase.order", onDelete: .setNull), readonly: true,
                      index: true),
        ]),
        ModelExtension(model: "res.company", fields: [
            .selection("po_double_validation", "Levels of Approvals", [
                SelectionOption("one_step", "Confirm purchase orders in one step"),
                SelectionOption("two_step", "Get 2 levels of approvals to confirm a purchase order"),
            ], default: .value("one_step")),
            .monetary("po_double_validation_amount", "Double validation amount", default: .value(5000)),
            .decimal("po_lead", "Purchase Lead Time", precision: 8, scale: 2, default: .value(0)),
            .decimal("days_to_purchase", "Days to Purchase", precision: 8, scale: 2, default: .value(0)),
        ]),
    ]
}

public enum PurchaseState: String, Sendable, CaseIterable {
    case draft, sent, toApprove = "to approve", purchase, done, cancel

    static let options = [
        SelectionOption("draft", "RFQ"), SelectionOption("sent", "RFQ Sent"), SelectionOption("to approve", "To Approve"),
        SelectionOption("purchase", "Purchase Order"), SelectionOption("done", "Locked"), SelectionOption("cancel", "Cancelled"),
    ]
}
