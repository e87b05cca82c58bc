import ChainstoreCore
import ChainstoreDB

/// Transfers other modules make for their documents (a purchase order's receipt, a sales
/// order's delivery): created with the system's rights, as Odoo's `_create_picking` does,
/// linked to the document, confirmed and reserved.
public enum StockDocuments {
    /// Creates `picking` (with its `move_ids` commands), sets `link` (a column other modules add
    /// to `stock_picking`, e.g. `purchase_id`) to `document`, confirms it; returns its id.
    public static func createConfirmed(_ store: RecordStore, picking: RecordValues, link: String, document: Int64) async throws -> Int64 {
        guard store.registry.models["stock.picking"]?.fields[link]?.isStored == true else {
            throw ChainstoreError.valueError("stock.picking has no link \(link)")
        }
        let system = store.asSystem(reason: "transfers of confirmed documents")
        let id = try await system.create("stock.picking", [picking])[0]
        try await system.tx.query("UPDATE stock_picking SET \(identifier: link) = \(document) WHERE id = \(id)")
        let ledger = Ledger(store: system)
        try await ledger.confirm(try await ledger.moveIds(ofPickings: [id], states: [.draft]))
        return id
    }

    /// Cancels the open transfers linked to `documents` through `link`.
    public static func cancelOpen(_ store: RecordStore, link: String, documents: [Int64]) async throws {
        guard store.registry.models["stock.picking"]?.fields[link]?.isStored == true else {
            throw ChainstoreError.valueError("stock.picking has no link \(link)")
        }
        let open: SQLBuilder = "SELECT id FROM stock_picking WHERE \(identifier: link) = ANY(\(documents)) AND state NOT IN ('done', 'cancel') ORDER BY id"
        let pickings = try await store.tx.query(open).map { try $0.decode(Int64.self) }
        guard !pickings.isEmpty else { return }
        let ledger = Ledger(store: store.asSystem(reason: "transfers of cancelled documents"))
        try await ledger.cancel(try await ledger.moveIds(ofPickings: pickings, states: [.draft, .waiting, .confirmed, .partiallyAvailable, .assigned]))
    }
}
