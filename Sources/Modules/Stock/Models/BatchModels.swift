import ChainstoreCore

extension ModelSpec {
    /// Transfers prepared and shipped together (Odoo 17's `stock.picking.batch`); a wave
    /// (`is_wave`) is a truck run's deliveries for one day, picked at once.
    public static let stockPickingBatch = ModelSpec(
        name: "stock.picking.batch", label: "Batch Transfer",
        fields: [
            FieldSpec("name", "Batch Transfer", kind: .char(size: nil), index: true, computedInDatabase: true),
            .char("description", "Description"),
            .many2one("user_id", "Responsible", to: "res.users"),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict, default: .compute { .int($0.companyId) }),
            FieldSpec("state", "State", kind: .selection([
                SelectionOption("draft", "Draft"), SelectionOption("in_progress", "In progress"), SelectionOption("done", "Done"),
                SelectionOption("cancel", "Cancelled"),
            ]), index: true, computedInDatabase: true),
            .boolean("is_wave", "This batch is a wave"),
            .many2one("picking_type_id", "Operation Type", to: "stock.picking.type", onDelete: .restrict),
            .datetime("scheduled_date", "Scheduled Date"),
            .one2many("picking_ids", "Transfers", to: "stock.picking", inverse: "batch_id"),
            FieldSpec("move_line_count", "Move Lines", kind: .integer, readonly: true)
                .computed(sql: "(SELECT count(*) FROM stock_move_line sml JOIN stock_picking spk ON spk.id = sml.picking_id WHERE spk.batch_id = $t.id)"),
        ],
        order: "id desc", companyScoped: true, auditedInDatabase: true)
}
