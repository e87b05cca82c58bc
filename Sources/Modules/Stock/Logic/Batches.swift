import ChainstoreCore
import ChainstoreDB

/// Batches and waves of transfers (Odoo 17's `stock.picking.batch`): confirmed together, picked
/// from one list in the order of the shelves, done together.
enum Batches {
    static func batches(_ call: MethodCall) async throws -> [Int64] { try await call.recordsToWrite("stock.picking.batch") }

    static func pickings(_ tx: Transaction, _ batches: [Int64]) async throws -> [Int64] {
        try await tx.query("SELECT id FROM stock_picking WHERE batch_id = ANY(\(batches)) AND state NOT IN ('done', 'cancel') ORDER BY id")
            .map { try $0.decode(Int64.self) }
    }

    static func refuse(_ tx: Transaction, _ batches: [Int64], unless states: [String], doing: String) async throws {
        let sql: SQLBuilder = "SELECT name, state FROM stock_picking_batch WHERE id = ANY(\(batches)) AND state <> ALL(\(states)) ORDER BY id LIMIT 1"
        if let row = try await tx.query(sql).first {
            let (name, state) = try row.decode((String, String).self)
            throw ChainstoreError.userError("\(name) is \(state.replacingOccurrences(of: "_", with: " ")): it cannot be \(doing).")
        }
    }

    static func setState(_ store: RecordStore, _ batches: [Int64], _ state: String) async throws {
        try await store.tx.query("UPDATE stock_picking_batch SET state = \(state), write_uid = \(store.env.uid), write_date = now() WHERE id = ANY(\(batches))")
    }

    static let methods: [ModelMethod] = [
        // Draft → in progress: its transfers are confirmed and reserved.
        ModelMethod(model: "stock.picking.batch", name: "action_confirm", receiver: .records) { call in
            let ids = try await batches(call)
            try await refuse(call.store.tx, ids, unless: ["draft"], doing: "confirmed")
            let pickings = try await pickings(call.store.tx, ids)
            guard !pickings.isEmpty else { throw ChainstoreError.userError("A batch needs transfers to be confirmed.") }
            let ledger = Ledger(store: call.store.asSystem(reason: "transfers of a batch"))
            try await ledger.confirm(try await ledger.moveIds(ofPickings: pickings, states: [.draft]))
            try await ledger.assign(try await ledger.moveIds(ofPickings: pickings, states: [.confirmed, .partiallyAvailable]))
            try await setState(call.store, ids, "in_progress")
            return .true
        },
        // Every transfer of the batch done: what was not picked (no quantity set) is picked as
        // planned; what cannot be goes to a backorder outside the batch. A wave's deliveries are
        // packed first, each on a pallet of its own named by an SSCC (when the company has a GS1
        // prefix).
        ModelMethod(model: "stock.picking.batch", name: "action_done", receiver: .records) { call in
            let ids = try await batches(call)
            try await refuse(call.store.tx, ids, unless: ["draft", "in_progress"], doing: "done")
            let pickings = try await pickings(call.store.tx, ids)
            let ledger = Ledger(store: call.store.asSystem(reason: "transfers of a batch"))
            if !pickings.isEmpty {
                let unpicked = try await call.store.tx.query("""
                    UPDATE stock_move SET quantity = product_uom_qty, write_uid = \(call.store.env.uid), write_date = now()
                    WHERE picking_id = ANY(\(pickings)) AND quantity = 0 AND state NOT IN ('done', 'cancel', 'draft') RETURNING id
                    """).map { try $0.decode(Int64.self) }
                if !unpicked.isEmpty { try await ledger.setQuantity(unpicked) }
                // A wave's deliveries leave on pallets: one per transfer, named by an SSCC.
                let shipped: SQLBuilder = """
                    SELECT p.id FROM stock_picking p JOIN stock_picking_batch b ON b.id = p.batch_id AND b.is_wave
                    JOIN stock_picking_type pt ON pt.id = p.picking_type_id AND pt.code = 'outgoing'
                    WHERE p.id = ANY(\(pickings)) ORDER BY p.id
                    """
                try await Pallets.pack(ledger.store, pickings: try await call.store.tx.query(shipped).map { try $0.decode(Int64.self) })
                _ = try await ledger.validate(pickings, rest: .backorder)
            }
            try await setState(call.store, ids, "done")
            return .true
        },
        ModelMethod(model: "stock.picking.batch", name: "action_cancel", receiver: .records) { call in
            let ids = try await batches(call)
            try await refuse(call.store.tx, ids, unless: ["draft", "in_progress"], doing: "cancelled")
            try await call.store.tx.query("UPDATE stock_picking SET batch_id = NULL WHERE batch_id = ANY(\(ids)) AND state <> 'done'")
            try await setState(call.store, ids, "cancel")
            return .true
        },
        // The pick list of one batch: each product to take from each place, in the order of the
        // places' names (the walk through the shelves), with the transfers it goes to.
        ModelMethod(model: "stock.picking.batch", name: "pick_list", receiver: .records) { call in
            guard call.ids.count == 1 else { throw ChainstoreError.userError("A pick list is for one batch at a time.") }
            let model = try call.store.model("stock.picking.batch")
            try await call.store.checkAccess(model, .read)
            try await call.store.lockAndCheck(model, ids: call.ids, operation: .read)
            return .array(try await pickList(call.store.tx, batch: call.ids[0]).map { line in
                ["location": .string(line.location), "product_id": .int(line.product), "default_code": .string(line.code), "product": .string(line.name),
                 "quantity": .double(line.quantity), "pickings": .array(line.pickings.map(Value.string))]
            })
        },
    ]

    /// One line of a pick list: a product to take from a place, for these transfers.
    struct PickLine: Sendable {
        let location: String, product: Int64, code: String, name: String, quantity: Double, pickings: [String]
    }

    /// What to take for the batch's open transfers, place by place in the order of their names.
    static func pickList(_ tx: Transaction, batch: Int64) async throws -> [PickLine] {
        try await tx.query("""
            SELECT l.complete_name, m.product_id, coalesce(p.default_code, ''), t.name, sum(m.product_qty)::float8,
                   array_agg(DISTINCT pk.name ORDER BY pk.name)
            FROM stock_picking pk JOIN stock_move m ON m.picking_id = pk.id AND m.state NOT IN ('done', 'cancel')
            JOIN stock_location l ON l.id = m.location_id JOIN product_product p ON p.id = m.product_id JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE pk.batch_id = \(batch)
            GROUP BY l.complete_name, m.product_id, p.default_code, t.name ORDER BY l.complete_name, p.default_code, t.name
            """).map { row in
            let (location, product, code, name, quantity, transfers) = try row.decode((String, Int64, String, String, Double, [String]).self)
            return PickLine(location: location, product: product, code: code, name: name, quantity: quantity, pickings: transfers)
        }
    }
}
