import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// Every change of a transfer, a move, a move line or a balance writes its audit rows in the
    /// same transaction, whoever makes it (the generic path, the ledger's own SQL, a scan, a
    /// count): statement-level triggers (`AuditTriggers`) read the changed rows from transition
    /// tables, so a statement that changes a hundred rows writes its hundred audit rows in one
    /// more statement.
    static let auditLedger = Migration("0008_audit_ledger", sql: [
        AuditTriggers.create(table: "stock_picking", model: "stock.picking", columns: [
            "name", "origin", "note", "partner_id", "picking_type_id", "location_id", "location_dest_id", "state", "move_type", "priority",
            "scheduled_date", "date_deadline", "date_done", "backorder_id", "user_id", "owner_id", "company_id",
        ]),
        AuditTriggers.create(table: "stock_move", model: "stock.move", columns: [
            "name", "reference", "origin", "sequence", "priority", "date", "date_deadline", "product_id", "product_uom_qty", "product_uom",
            "product_qty", "quantity", "picked", "location_id", "location_dest_id", "picking_id", "picking_type_id", "partner_id", "company_id",
            "state", "procure_method", "price_unit", "origin_returned_move_id", "restrict_lot_id", "description_picking", "is_inventory",
        ]),
        AuditTriggers.create(table: "stock_move_line", model: "stock.move.line", columns: [
            "move_id", "picking_id", "product_id", "product_uom_id", "quantity", "quantity_product_uom", "picked", "lot_id", "lot_name",
            "package_id", "result_package_id", "owner_id", "location_id", "location_dest_id", "state", "date", "reference", "company_id",
            "reserved_quant_id", "quantity_reserved",
        ]),
        AuditTriggers.create(table: "stock_quant", model: "stock.quant", columns: [
            "product_id", "location_id", "lot_id", "package_id", "owner_id", "company_id", "quantity", "reserved_quantity", "in_date",
        ], createdWhen: "n.quantity <> 0 OR n.reserved_quantity <> 0"),
    ].joined(separator: "\n"))
}
