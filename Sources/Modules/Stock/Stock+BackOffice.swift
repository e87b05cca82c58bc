import ChainstoreDB

extension Stock {
    /// Where the back office lists inventory, and the business buttons of its forms.
    static let menus: [MenuItem] = [
        MenuItem(.inventory, "stock.picking", "Transfers"),
        MenuItem(.inventory, "stock.quant", "Stock on Hand"),
        MenuItem(.inventory, "stock.move", "Stock Moves"),
        MenuItem(.inventory, "stock.move.line", "Moves History"),
        MenuItem(.inventory, "stock.picking.batch", "Batch Transfers"),
        MenuItem(.inventory, "stock.count", "Inventory Counts"),
        MenuItem(.inventory, "stock.lot", "Lots/Serial Numbers"),
        MenuItem(.inventory, "stock.quant.package", "Packages"),
        MenuItem(.inventory, "stock.rfid.asset", "Returnable Assets"),
        MenuItem(.inventory, "stock.valuation.layer", "Stock Valuation"),
        MenuItem(.inventory, "stock.warehouse", "Warehouses"),
        MenuItem(.inventory, "stock.location", "Locations"),
        MenuItem(.inventory, "stock.picking.type", "Operation Types"),
        MenuItem(.inventory, "stock.putaway.rule", "Putaway Rules"),
        MenuItem(.inventory, "product.removal", "Removal Strategies"),
        MenuItem(.devices, "stock.rfid.reader", "RFID Readers"),
        MenuItem(.devices, "stock.rfid.sighting", "RFID Sightings"),
    ]

    static let views: [ViewSpec] = [
        ViewSpec(model: "stock.picking", kind: .list, fields: ["name", "partner_id", "picking_type_id", "scheduled_date", "origin", "company_id", "state"]),
        ViewSpec(model: "stock.picking", kind: .search, fields: ["name", "origin", "partner_id", "picking_type_id"]),
        ViewSpec(
            model: "stock.picking", kind: .form,
            fields: ["name", "partner_id", "picking_type_id", "location_id", "location_dest_id", "scheduled_date", "origin", "date_done", "backorder_id",
                     "company_id", "state", "move_ids", "note"],
            buttons: [
                ViewButton("action_confirm", "Mark as To Do", states: ["draft"]),
                ViewButton("action_assign", "Check Availability", states: ["confirmed", "waiting"]),
                ViewButton("button_validate", "Validate", states: ["draft", "waiting", "confirmed", "assigned"], primary: true),
                ViewButton("do_unreserve", "Unreserve", states: ["assigned"]),
                ViewButton("action_cancel", "Cancel", states: ["draft", "waiting", "confirmed", "assigned"]),
            ]),
        ViewSpec(model: "stock.move", kind: .list, fields: ["product_id", "product_uom_qty", "quantity", "product_uom", "location_id", "location_dest_id", "state"]),
        ViewSpec(model: "stock.quant", kind: .list, fields: ["product_id", "location_id", "lot_id", "package_id", "quantity", "reserved_quantity", "company_id"]),
        ViewSpec(model: "stock.quant", kind: .search, fields: ["product_id", "location_id", "lot_id"]),
        ViewSpec(model: "stock.backorder.confirmation", kind: .form, fields: ["pick_ids"], buttons: [
            ViewButton("process", "Create Backorder", primary: true), ViewButton("process_cancel_backorder", "No Backorder"),
        ]),
        ViewSpec(model: "stock.count", kind: .form, fields: ["name", "location_id", "product_ids", "reason", "state", "date_done", "company_id", "line_ids"],
                 buttons: [ViewButton("action_apply", "Apply", states: ["draft"], primary: true)]),
        ViewSpec(
            model: "stock.picking.batch", kind: .form,
            fields: ["name", "description", "user_id", "picking_type_id", "scheduled_date", "is_wave", "state", "company_id", "picking_ids"],
            buttons: [
                ViewButton("action_confirm", "Confirm", states: ["draft"], primary: true),
                ViewButton("action_done", "Validate", states: ["in_progress"], primary: true),
                ViewButton("action_cancel", "Cancel", states: ["draft", "in_progress"]),
            ]),
    ]

    /// Stock value on the dashboard: by city (by store for a city), by product category.
    static let dashboard: [DashboardCard] = [
        DashboardCard("stock.value_by_city", "Stock value by city", model: "stock.valuation.layer", groupby: "company_id",
                      measure: "value:sum", chart: .bar, limit: 10, rollUp: .city),
        DashboardCard("stock.value_by_category", "Stock value by category", model: "stock.valuation.layer", groupby: "categ_id",
                      measure: "value:sum", chart: .pie, limit: 8),
    ]
}
