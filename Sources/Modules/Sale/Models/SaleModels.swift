import ChainstoreCore

extension ModelSpec {
    /// A quotation, then a sales order (Odoo 17's `sale.order`): what a distribution centre sells
    /// to a store, made by hand or mirrored from the store's purchase order.
    public static let saleOrder = ModelSpec(
        name: "sale.order", label: "Sales Order",
        fields: [
            FieldSpec("name", "Order Reference", kind: .char(size: nil), index: true, computedInDatabase: true),
            .many2one("partner_id", "Customer", to: "res.partner", required: true, onDelete: .restrict),
            .char("client_order_ref", "Customer Reference"),
            .char("origin", "Source Document"),
            FieldSpec("state", "Status", kind: .selection(SaleState.options), index: true, computedInDatabase: true),
            .datetime("date_order", "Order Date"),
            .datetime("commitment_date", "Delivery Date"),
            .many2one("user_id", "Salesperson", to: "res.users", default: .compute { .int($0.uid) }),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .many2one("currency_id", "Currency", to: "res.currency", onDelete: .restrict),
            .many2one("warehouse_id", "Warehouse", to: "stock.warehouse", onDelete: .restrict),
            .one2many("order_line", "Order Lines", to: "sale.order.line", inverse: "order_id"),
            .text("note", "Terms and conditions"),
            .boolean("auto_generated", "Auto Generated Sales Order"),
            FieldSpec("amount_untaxed", "Untaxed Amount", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT coalesce(sum(sla.subtotal), 0) FROM sale_order_line sol, sale_line_amounts(sol.id) sla WHERE sol.order_id = $t.id)"),
            FieldSpec("amount_tax", "Taxes", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT coalesce(sum(sla.tax), 0) FROM sale_order_line sol, sale_line_amounts(sol.id) sla WHERE sol.order_id = $t.id)"),
            FieldSpec("amount_total", "Total", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT coalesce(sum(sla.total), 0) FROM sale_order_line sol, sale_line_amounts(sol.id) sla WHERE sol.order_id = $t.id)"),
            .one2many("picking_ids", "Transfers", to: "stock.picking", inverse: "sale_id"),
            FieldSpec("delivery_count", "Delivery Orders", kind: .integer, readonly: true)
                .computed(sql: "(SELECT count(*) FROM stock_picking spk WHERE spk.sale_id = $t.id)"),
            FieldSpec("delivery_status", "Delivery Status", kind: .selection([
                SelectionOption("pending", "Not Delivered"), SelectionOption("partial", "Partially Delivered"), SelectionOption("full", "Fully Delivered"),
            ]), readonly: true).computed(sql: "sale_delivery_status($t.id)"),
        ],
        order: "date_order desc, id desc", companyScoped: true, auditedInDatabase: true)

    /// A line of a sales order; what has left the warehouse follows the stock ledger.
    public static let saleOrderLine = ModelSpec(
        name: "sale.order.line", label: "Sales Order Line",
        fields: [
            // Sorted by the order's date kept on the line (`order_date`): the default order is an index.
            .many2one("order_id", "Order Reference", to: "sale.order", required: true, onDelete: .cascade).sorted(byColumn: "order_date"),
            .integer("sequence", "Sequence", default: .value(10)),
            .text("name", "Description"),
            .many2one("product_id", "Product", to: "product.product", required: true, onDelete: .restrict),
            .decimal("product_uom_qty", "Quantity", precision: 16, scale: 3, required: true, default: .value(1)),
            .many2one("product_uom", "Unit of Measure", to: "uom.uom", onDelete: .restrict),
            .decimal("price_unit", "Unit Price", precision: 16, scale: 4, required: true, default: .value(0)),
            .decimal("discount", "Discount (%)", precision: 6, scale: 2, default: .value(0)),
            .many2many("tax_id", "Taxes", to: "account.tax", relation: "account_tax_sale_order_line_rel",
                       column1: "sale_order_line_id", column2: "account_tax_id"),
            FieldSpec("price_subtotal", "Subtotal", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT sla.subtotal FROM sale_line_amounts($t.id) sla)"),
            FieldSpec("price_tax", "Total Tax", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT sla.tax FROM sale_line_amounts($t.id) sla)"),
            FieldSpec("price_total", "Total", kind: .monetary(currencyField: "currency_id"), readonly: true)
                .computed(sql: "(SELECT sla.total FROM sale_line_amounts($t.id) sla)"),
            FieldSpec("qty_delivered", "Delivery Quantity", kind: .decimal(precision: 16, scale: 3), readonly: true)
                .computed(sql: "sale_line_delivered($t.id)"),
            .one2many("move_ids", "Stock Moves", to: "stock.move", inverse: "sale_line_id"),
            FieldSpec("company_id", "Company", kind: .many2one(comodel: "res.company", onDelete: .restrict), index: true, computedInDatabase: true),
            FieldSpec("order_partner_id", "Customer", kind: .many2one(comodel: "res.partner", onDelete: .restrict), readonly: true)
                .computed(sql: "(SELECT so.partner_id FROM sale_order so WHERE so.id = $t.order_id)"),
            FieldSpec("state", "Order Status", kind: .selection(SaleState.options), readonly: true)
                .computed(sql: "(SELECT so.state FROM sale_order so WHERE so.id = $t.order_id)"),
            FieldSpec("currency_id", "Currency", kind: .many2one(comodel: "res.currency", onDelete: .restrict), readonly: true)
                .computed(sql: "(SELECT so.currency_id FROM sale_order so WHERE so.id = $t.order_id)"),
        ],
        order: "order_id, sequence, id", displayNameSQL: "(SELECT so.name FROM sale_order so WHERE so.id = $t.order_id) || ': ' || coalesce($t.name, '')",
        companyScoped: true, auditedInDatabase: true)

    static let saleExtensions: [ModelExtension] = [
        ModelExtension(model: "stock.move", fields: [.many2one("sale_line_id", "Sale Line", to: "sale.order.line", onDelete: .setNull)]),
        ModelExtension(model: "stock.picking", fields: [
            FieldSpec("sale_id", "Sales Order", kind: .many2one(comodel: "sale.order", onDelete: .setNull), readonly: true, index: true),
        ]),
    ]
}

public enum SaleState: String, Sendable, CaseIterable {
    case draft, sent, sale, cancel

    static let options = [
        SelectionOption("draft", "Quotation"), SelectionOption("sent", "Quotation Sent"), SelectionOption("sale", "Sales Order"),
        SelectionOption("cancel", "Cancelled"),
    ]
}
