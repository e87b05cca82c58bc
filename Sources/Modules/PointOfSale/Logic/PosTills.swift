import ChainstoreCore
import ChainstoreDB
import Foundation

/// Where a till's goods come from: its warehouse (the one set on the till, or its store's
/// first), through that warehouse's "PoS Orders" operation type (the store's stock to the
/// customers; returns come back through the warehouse's return type), made with the first till
/// that needs it. A till whose store has no warehouse cannot open a session: it could not take
/// its sales out of stock.
enum PosTills {
    static let hooks: [RecordHook] = [
        .afterCreate("pos.config") { store, ids, _ in try await placeStock(store, ids: ids, again: false) },
        .afterWrite("pos.config", fields: ["warehouse_id", "company_id"]) { store, ids, values in
            if values["picking_type_id"] == nil { try await placeStock(store, ids: ids, again: true) }
        },
        .afterCreate("pos.session") { store, ids, _ in
            let sql: SQLBuilder = """
                SELECT c.name FROM pos_session s JOIN pos_config c ON c.id = s.config_id WHERE s.id = ANY(\(ids)) AND c.picking_type_id IS NULL LIMIT 1
                """
            if let row = try await store.tx.query(sql).first {
                throw ChainstoreError.userError(
                    "Till \(try row.decode(String.self)) has no warehouse to sell from: create its store's warehouse, or set the till's warehouse")
            }
        },
    ]

    static func placeStock(_ store: RecordStore, ids: [Int64], again: Bool) async throws {
        let system = store.asSystem(reason: "the stock operation of a till")
        let sql: SQLBuilder = """
            SELECT c.id, w.id, w.lot_stock_id, w.company_id,
                (SELECT t.id FROM stock_picking_type t WHERE t.warehouse_id = w.id AND t.code = 'outgoing' AND t.sequence_code = 'POS' ORDER BY t.id LIMIT 1),
                (SELECT t.id FROM stock_picking_type t WHERE t.warehouse_id = w.id AND t.code = 'incoming' AND t.default_location_src_id = \(Int64(3))
                 ORDER BY t.sequence, t.id LIMIT 1)
            FROM pos_config c
            JOIN stock_warehouse w ON w.id = coalesce(c.warehouse_id,
                (SELECT x.id FROM stock_warehouse x WHERE x.company_id = c.company_id AND x.active ORDER BY x.sequence, x.id LIMIT 1))
            WHERE c.id = ANY(\(ids)) AND (c.picking_type_id IS NULL OR \(again)) AND w.lot_stock_id IS NOT NULL
            ORDER BY c.id
            """
        for row in try await store.tx.query(sql) {
            let (config, warehouse, stock, company, existing, returns) = try row.decode((Int64, Int64, Int64, Int64, Int64?, Int64?).self)
            var type = existing
            if type == nil {
                var values: RecordValues = [
                    "name": "PoS Orders", "code": "outgoing", "sequence_code": "POS", "warehouse_id": .int(warehouse), "company_id": .int(company),
                    "default_location_src_id": .int(stock), "default_location_dest_id": 3, "sequence": 6,
                ]
                if let returns { values["return_picking_type_id"] = .int(returns) }
                type = try await system.create("stock.picking.type", [values])[0]
            }
            try await system.write("pos.config", ids: [config], ["warehouse_id": .int(warehouse), "picking_type_id": type.map(Value.int) ?? .false])
        }
    }
}
