import ChainstoreCore

extension ModelSpec {
    /// A place goods can be: a warehouse's view and stock, a shelf or bin (with its own barcode),
    /// or a virtual place (vendors, customers, inventory loss, transit). Shown as "WH/Stock".
    public static let stockLocation = ModelSpec(
        name: "stock.location", label: "Inventory Locations",
        fields: [
            .char("name", "Location Name", required: true),
            FieldSpec("complete_name", "Full Location Name", kind: .char(size: nil), index: true, computedInDatabase: true),
            .many2one("location_id", "Parent Location", to: "stock.location", onDelete: .restrict),
            .one2many("child_ids", "Contains", to: "stock.location", inverse: "location_id"),
            .selection("usage", "Location Type", [
                SelectionOption("supplier", "Vendor Location"), SelectionOption("view", "View"),
                SelectionOption("internal", "Internal Location"), SelectionOption("customer", "Customer Location"),
                SelectionOption("inventory", "Inventory Loss"), SelectionOption("production", "Production"),
                SelectionOption("transit", "Transit Location"),
            ], required: true, default: .value("internal")),
            .char("barcode", "Barcode", index: true),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .boolean("scrap_location", "Is a Scrap Location?"),
            .many2one("removal_strategy_id", "Removal Strategy", to: "product.removal"),
            .char("rfid_tag", "RFID Tag (GIAI)", index: true),
            .boolean("active", "Active", default: .value(.true)),
            // A shipment's transit place: owned (and valued) by the sender, readable by the receiver.
            FieldSpec("dest_company_id", "Receiving Company", kind: .many2one(comodel: "res.company", onDelete: .restrict), readonly: true, index: true),
            // The warehouse whose view the place lies under: the first step of its path.
            FieldSpec("warehouse_id", "Warehouse", kind: .many2one(comodel: "stock.warehouse", onDelete: .setNull), readonly: true)
                .computed(sql: "(SELECT w.id FROM stock_warehouse w WHERE w.view_location_id = split_part($t.parent_path, '/', 1)::bigint)"),
        ],
        order: "complete_name, id", recName: "complete_name", companyScoped: true,
        parentField: "location_id", hasParentPath: true, readableByCompanies: ["dest_company_id"])

    /// A distribution centre or a store's back room: its locations and operation types are made
    /// with it.
    public static let stockWarehouse = ModelSpec(
        name: "stock.warehouse", label: "Warehouse",
        fields: [
            .char("name", "Warehouse", required: true),
            .char("code", "Short Name", required: true),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict,
                default: .compute { .int($0.companyId) }),
            .many2one("partner_id", "Address", to: "res.partner"),
            FieldSpec("view_location_id", "View Location", kind: .many2one(comodel: "stock.location", onDelete: .restrict), readonly: true, index: true),
            FieldSpec("lot_stock_id", "Location Stock", kind: .many2one(comodel: "stock.location", onDelete: .restrict), readonly: true, index: true),
            FieldSpec("transit_location_id", "Transit Location", kind: .many2one(comodel: "stock.location", onDelete: .restrict), readonly: true,
                      index: true),
            .integer("sequence", "Sequence", default: .value(10)),
            .boolean("active", "Active", default: .value(.true)),
            // Odoo's operation types of the warehouse (made with it), and its one-step routes.
            operationType("in_type_id", "In Type", prefix: "IN"),
            operationType("out_type_id", "Out Type", prefix: "OUT"),
            operationType("int_type_id", "Internal Type", prefix: "INT"),
            operationType("return_type_id", "Return Type", prefix: "RET"),
            FieldSpec("reception_steps", "Incoming Shipments", kind: .selection([
                SelectionOption("one_step", "Receive goods directly (1 step)"), SelectionOption("two_steps", "Receive goods in input and then stock (2 steps)"),
                SelectionOption("three_steps", "Receive goods in input, then quality and then stock (3 steps)"),
            ]), readonly: true).computed(sql: "'one_step'"),
            FieldSpec("delivery_steps", "Outgoing Shipments", kind: .selection([
                SelectionOption("ship_only", "Deliver goods directly (1 step)"), SelectionOption("pick_ship", "Send goods in output and then deliver (2 steps)"),
                SelectionOption("pick_pack_ship", "Pack goods, send goods in output and then deliver (3 steps)"),
            ]), readonly: true).computed(sql: "'ship_only'"),
        ],
        order: "sequence, id", companyScoped: true)

    static func operationType(_ name: String, _ label: String, prefix: String) -> FieldSpec {
        FieldSpec(name, label, kind: .many2one(comodel: "stock.picking.type", onDelete: .setNull), readonly: true)
            .computed(sql: "(SELECT pt.id FROM stock_picking_type pt WHERE pt.warehouse_id = $t.id AND pt.sequence_code = '\(prefix)' ORDER BY pt.id LIMIT 1)")
    }

    /// Receipts, deliveries and internal transfers of a warehouse.
    public static let stockPickingType = ModelSpec(
        name: "stock.picking.type", label: "Picking Type",
        fields: [
            .char("name", "Operation Type", required: true),
            .selection("code", "Type of Operation", [
                SelectionOption("incoming", "Receipt"), SelectionOption("outgoing", "Delivery"), SelectionOption("internal", "Internal Transfer"),
            ], required: true),
            .char("sequence_code", "Sequence Prefix", required: true),
            .many2one("warehouse_id", "Warehouse", to: "stock.warehouse", onDelete: .cascade),
            .many2one("default_location_src_id", "Default Source Location", to: "stock.location", onDelete: .restrict),
            .many2one("default_location_dest_id", "Default Destination Location", to: "stock.location", onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict,
                default: .compute { .int($0.companyId) }),
            .integer("sequence", "Sequence", default: .value(10)),
            .boolean("active", "Active", default: .value(.true)),
            .many2one("return_picking_type_id", "Operation Type for Returns", to: "stock.picking.type"),
            .boolean("use_create_lots", "Create New Lots/Serial Numbers", default: .value(.true)),
            .boolean("use_existing_lots", "Use Existing Lots/Serial Numbers", default: .value(.true)),
        ],
        order: "sequence, id", companyScoped: true)

    /// What inventory adds to the catalogue and the organisation.
    static let stockExtensions: [ModelExtension] = [
        ModelExtension(model: "product.category", fields: [
            .many2one("removal_strategy_id", "Force Removal Strategy", to: "product.removal"),
            .selection("property_cost_method", "Costing Method", [
                SelectionOption("standard", "Standard Price"), SelectionOption("fifo", "First In First Out (FIFO)"),
                SelectionOption("average", "Average Cost (AVCO)"),
            ], required: true, default: .value("average")),
        ]),
        ModelExtension(model: "res.company", fields: [
            .boolean("allow_negative_stock", "Allow Negative Stock"),
            // Ours: the pallets the company packs are named by SSCCs under its GS1 prefix.
            .char("gs1_company_prefix", "GS1 Company Prefix"),
            FieldSpec("sscc_last_serial", "Last SSCC Serial", kind: .integer, readonly: true, default: .value(0)),
        ]),
    ]
}
