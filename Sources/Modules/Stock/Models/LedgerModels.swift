import ChainstoreCore

extension ModelSpec {
    /// How stock is chosen when it leaves a place: first in, last in, closest location, or
    /// first to expire.
    public static let productRemoval = ModelSpec(
        name: "product.removal", label: "Removal Strategy",
        fields: [
            .char("name", "Name", required: true),
            .char("method", "Method", required: true),
        ])

    /// "Goods of this product (or category) arriving in this place go to that shelf."
    public static let stockPutawayRule = ModelSpec(
        name: "stock.putaway.rule", label: "Putaway Rule",
        fields: [
            .many2one("product_id", "Product", to: "product.product", onDelete: .cascade),
            .many2one("category_id", "Product Category", to: "product.category", onDelete: .cascade),
            .many2one("location_in_id", "When product arrives in", to: "stock.location", required: true, onDelete: .cascade),
            .many2one("location_out_id", "Store to sublocation", to: "stock.location", required: true, onDelete: .cascade),
            .integer("sequence", "Priority", default: .value(0)),
            .many2one("company_id", "Company", to: "res.company", onDelete: .cascade, default: .compute { .int($0.companyId) }),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "sequence, product_id, id", displayNameSQL: "(SELECT pt.name FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id WHERE pp.id = $t.product_id)", companyScoped: true)

    /// A lot or serial number of one product, with its expiry dates.
    public static let stockLot = ModelSpec(
        name: "stock.lot", label: "Lot/Serial",
        fields: [
            .char("name", "Lot/Serial Number", required: true, index: true),
            .char("ref", "Internal Reference"),
            .many2one("product_id", "Product", to: "product.product", required: true, onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict,
                default: .compute { .int($0.companyId) }),
            .text("note", "Description"),
            .datetime("expiration_date", "Expiration Date"),
            .datetime("use_date", "Best before Date"),
            .datetime("removal_date", "Removal Date"),
            .datetime("alert_date", "Alert Date"),
            .one2many("quant_ids", "Quants", to: "stock.quant", inverse: "lot_id"),
            FieldSpec("product_qty", "On Hand Quantity", kind: .decimal(precision: 16, scale: 3))
                .computed(sql: "(SELECT coalesce(sum(q.quantity), 0) FROM stock_quant q JOIN stock_location l ON l.id = q.location_id WHERE q.lot_id = $t.id AND l.usage = 'internal')"),
        ],
        order: "name, id", companyScoped: true)

    /// A case or a pallet (its name is its SSCC): moving it moves everything in it.
    public static let stockQuantPackage = ModelSpec(
        name: "stock.quant.package", label: "Packages",
        fields: [
            .char("name", "Package Reference", required: true, index: true),
            FieldSpec("location_id", "Location", kind: .many2one(comodel: "stock.location", onDelete: .restrict), index: true,
                computedInDatabase: true),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .selection("package_use", "Package Use", [SelectionOption("disposable", "Disposable Box"), SelectionOption("reusable", "Reusable Box")],
                required: true, default: .value("disposable")),
            .date("pack_date", "Pack Date"),
            .one2many("quant_ids", "Bulk Content", to: "stock.quant", inverse: "package_id"),
            // Ours: a pallet packed for one company (cross-docking): only its deliveries take from it.
            .many2one("ship_to_company_id", "Deliver For", to: "res.company", onDelete: .setNull),
        ],
        order: "name, id", companyScoped: true)

    /// A balance: how much of a product is in a place (by lot, package and owner), and how much
    /// of it open moves hold. Changed only by moves, in the same transaction.
    public static let stockQuant = ModelSpec(
        name: "stock.quant", label: "Quants",
        fields: [
            ledgerColumn(.many2one(comodel: "product.product", onDelete: .restrict), "product_id", "Product"),
            ledgerColumn(.many2one(comodel: "stock.location", onDelete: .restrict), "location_id", "Location"),
            ledgerColumn(.many2one(comodel: "stock.lot", onDelete: .restrict), "lot_id", "Lot/Serial Number"),
            ledgerColumn(.many2one(comodel: "stock.quant.package", onDelete: .restrict), "package_id", "Package"),
            ledgerColumn(.many2one(comodel: "res.partner", onDelete: .restrict), "owner_id", "Owner"),
            ledgerColumn(.many2one(comodel: "res.company", onDelete: .restrict), "company_id", "Company"),
            .companyBranch,
            ledgerColumn(.decimal(precision: 16, scale: 3), "quantity", "Quantity"),
            ledgerColumn(.decimal(precision: 16, scale: 3), "reserved_quantity", "Reserved Quantity"),
            ledgerColumn(.datetime, "in_date", "Incoming Date"),
            FieldSpec("available_quantity", "Available Quantity", kind: .decimal(precision: 16, scale: 3))
                .computed(sql: "$t.quantity - $t.reserved_quantity"),
        ],
        order: "id", displayNameSQL: "(SELECT pt.name FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id WHERE pp.id = $t.product_id)", companyScoped: true, auditedInDatabase: true,
        readableByCompanies: ["location_id.dest_company_id"])

    /// A transfer: a receipt, a delivery, an internal or store-to-store transfer, a return.
    public static let stockPicking = ModelSpec(
        name: "stock.picking", label: "Transfer",
        fields: [
            .char("name", "Reference", index: true, default: .value("/")),
            .char("origin", "Source Document", index: true),
            .text("note", "Notes"),
            .many2one("partner_id", "Contact", to: "res.partner"),
            .many2one("picking_type_id", "Operation Type", to: "stock.picking.type", required: true, onDelete: .restrict),
            .many2one("location_id", "Source Location", to: "stock.location", onDelete: .restrict),
            .many2one("location_dest_id", "Destination Location", to: "stock.location", onDelete: .restrict),
            FieldSpec("state", "Status", kind: .selection(PickingState.options), index: true, computedInDatabase: true),
            .selection("move_type", "Shipping Policy", [
                SelectionOption("direct", "As soon as possible"), SelectionOption("one", "When all products are ready"),
            ], required: true, default: .value("direct")),
            .selection("priority", "Priority", [SelectionOption("0", "Normal"), SelectionOption("1", "Urgent")], default: .value("0")),
            .datetime("scheduled_date", "Scheduled Date"),
            .datetime("date_deadline", "Deadline"),
            FieldSpec("date_done", "Date of Transfer", kind: .datetime, computedInDatabase: true),
            FieldSpec("backorder_id", "Back Order of", kind: .many2one(comodel: "stock.picking", onDelete: .setNull), index: true,
                computedInDatabase: true),
            .one2many("backorder_ids", "Back Orders", to: "stock.picking", inverse: "backorder_id"),
            .many2one("user_id", "Responsible", to: "res.users"),
            .many2one("owner_id", "Assign Owner", to: "res.partner"),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            // Store transfers: the company a shipment to transit is addressed to, and on the
            // receiver's side the shipment a receipt takes from transit.
            .many2one("dest_company_id", "Receiving Company", to: "res.company", onDelete: .restrict),
            .many2one("shipment_id", "Shipment Received", to: "stock.picking", onDelete: .restrict),
            .one2many("move_ids", "Stock Moves", to: "stock.move", inverse: "picking_id"),
            .one2many("move_line_ids", "Operations", to: "stock.move.line", inverse: "picking_id"),
            FieldSpec("batch_id", "Batch Transfer", kind: .many2one(comodel: "stock.picking.batch", onDelete: .setNull), index: true),
            FieldSpec("picking_type_code", "Type of Operation", kind: .selection(PickingTypeCode.options))
                .computed(sql: "(SELECT pt.code FROM stock_picking_type pt WHERE pt.id = $t.picking_type_id)"),
        ],
        order: "priority desc, scheduled_date, id desc", companyScoped: true, auditedInDatabase: true, readableByCompanies: ["dest_company_id"])

    /// The demand to move a quantity of one product from one place to another.
    public static let stockMove = ModelSpec(
        name: "stock.move", label: "Stock Move",
        fields: [
            .char("name", "Description"),
            FieldSpec("reference", "Reference", kind: .char(size: nil), index: true, computedInDatabase: true),
            .char("origin", "Source Document"),
            .integer("sequence", "Sequence", default: .value(10)),
            .selection("priority", "Priority", [SelectionOption("0", "Normal"), SelectionOption("1", "Urgent")], default: .value("0")),
            .datetime("date", "Date Scheduled"),
            .datetime("date_deadline", "Deadline"),
            .many2one("product_id", "Product", to: "product.product", required: true, onDelete: .restrict),
            .decimal("product_uom_qty", "Demand", precision: 16, scale: 3, required: true, default: .value(0)),
            .many2one("product_uom", "UoM", to: "uom.uom", onDelete: .restrict),
            FieldSpec("product_qty", "Real Quantity", kind: .decimal(precision: 16, scale: 3), computedInDatabase: true),
            .decimal("quantity", "Quantity", precision: 16, scale: 3, default: .value(0)),
            .boolean("picked", "Picked"),
            .many2one("location_id", "Source Location", to: "stock.location", onDelete: .restrict),
            .many2one("location_dest_id", "Destination Location", to: "stock.location", onDelete: .restrict),
            .many2one("picking_id", "Transfer", to: "stock.picking", onDelete: .cascade),
            .many2one("picking_type_id", "Operation Type", to: "stock.picking.type"),
            .many2one("partner_id", "Destination Address", to: "res.partner"),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            FieldSpec("state", "Status", kind: .selection(MoveState.options), index: true, computedInDatabase: true),
            .selection("procure_method", "Supply Method", [
                SelectionOption("make_to_stock", "Default: Take From Stock"), SelectionOption("make_to_order", "Advanced: Apply Procurement Rules"),
            ], required: true, default: .value("make_to_stock")),
            .decimal("price_unit", "Unit Price", precision: 16, scale: 4, default: .value(0)),
            .many2one("origin_returned_move_id", "Origin return move", to: "stock.move"),
            .many2one("restrict_lot_id", "Restrict Lot", to: "stock.lot"),
            .text("description_picking", "Description of Picking"),
            FieldSpec("is_inventory", "Inventory", kind: .boolean, computedInDatabase: true),
            .one2many("move_line_ids", "Move Lines", to: "stock.move.line", inverse: "move_id"),
        ],
        order: "sequence, id", companyScoped: true, auditedInDatabase: true, readableByCompanies: ["picking_id.dest_company_id"])

    /// One line of goods moved, the ledger entry: from a place (lot, package) to a place
    /// (package). While open it holds its reservation on the quant it came from.
    public static let stockMoveLine = ModelSpec(
        name: "stock.move.line", label: "Product Moves (Stock Move Line)",
        fields: [
            .many2one("move_id", "Stock Operation", to: "stock.move", onDelete: .cascade),
            .many2one("picking_id", "Transfer", to: "stock.picking", onDelete: .cascade),
            .many2one("product_id", "Product", to: "product.product", onDelete: .restrict),
            .many2one("product_uom_id", "Unit of Measure", to: "uom.uom", onDelete: .restrict),
            .decimal("quantity", "Quantity", precision: 16, scale: 3, default: .value(0)),
            FieldSpec("quantity_product_uom", "Quantity in Product UoM", kind: .decimal(precision: 16, scale: 3), computedInDatabase: true),
            .boolean("picked", "Picked"),
            .many2one("lot_id", "Lot/Serial Number", to: "stock.lot", onDelete: .restrict),
            .char("lot_name", "Lot/Serial Number Name"),
            .many2one("package_id", "Source Package", to: "stock.quant.package", onDelete: .restrict),
            .many2one("result_package_id", "Destination Package", to: "stock.quant.package", onDelete: .restrict),
            .many2one("owner_id", "From Owner", to: "res.partner", onDelete: .restrict),
            .many2one("location_id", "From", to: "stock.location", onDelete: .restrict),
            .many2one("location_dest_id", "To", to: "stock.location", onDelete: .restrict),
            FieldSpec("state", "Status", kind: .selection(MoveState.options), index: true, computedInDatabase: true),
            FieldSpec("date", "Date", kind: .datetime, computedInDatabase: true),
            FieldSpec("reference", "Reference", kind: .char(size: nil), computedInDatabase: true),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            FieldSpec("reserved_quant_id", "Reserved On", kind: .many2one(comodel: "stock.quant", onDelete: .restrict), index: true,
                computedInDatabase: true),
            FieldSpec("quantity_reserved", "Reserved Quantity", kind: .decimal(precision: 16, scale: 3), computedInDatabase: true),
        ],
        order: "id", displayNameSQL: "(SELECT pt.name FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id WHERE pp.id = $t.product_id)", companyScoped: true, auditedInDatabase: true,
        readableByCompanies: ["picking_id.dest_company_id"])

    /// Odoo's "Create a backorder?" question after a partial validation.
    public static let stockBackorderConfirmation = ModelSpec(
        name: "stock.backorder.confirmation", label: "Backorder Confirmation",
        fields: [
            .many2many("pick_ids", "Transfers", to: "stock.picking", relation: "stock_backorder_confirmation_pick_rel",
                column1: "wizard_id", column2: "picking_id"),
        ],
        displayNameSQL: "'Create Backorder?'")

    /// A balance column: readable by everyone who sees the quant, written only by the ledger.
    private static func ledgerColumn(_ kind: FieldKind, _ name: String, _ label: String) -> FieldSpec {
        var index = false
        if case .many2one = kind { index = true }
        return FieldSpec(name, label, kind: kind, index: index, computedInDatabase: true)
    }
}

public enum PickingState: String, Sendable, CaseIterable {
    case draft, waiting, confirmed, assigned, done, cancel

    static let options = [
        SelectionOption("draft", "Draft"), SelectionOption("waiting", "Waiting Another Operation"), SelectionOption("confirmed", "Waiting"),
        SelectionOption("assigned", "Ready"), SelectionOption("done", "Done"), SelectionOption("cancel", "Cancelled"),
    ]
}

public enum MoveState: String, Sendable, CaseIterable {
    case draft, waiting, confirmed, partiallyAvailable = "partially_available", assigned, done, cancel

    static let options = [
        SelectionOption("draft", "New"), SelectionOption("waiting", "Waiting Another Move"), SelectionOption("confirmed", "Waiting Availability"),
        SelectionOption("partially_available", "Partially Available"), SelectionOption("assigned", "Available"),
        SelectionOption("done", "Done"), SelectionOption("cancel", "Cancelled"),
    ]
}

enum PickingTypeCode {
    static let options = [
        SelectionOption("incoming", "Receipt"), SelectionOption("outgoing", "Delivery"), SelectionOption("internal", "Internal Transfer"),
    ]
}
