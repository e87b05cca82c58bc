import ChainstoreCore
import ChainstoreDB
import Foundation

/// Goods one company sends another (a DC to a store, a store to a store) travel through the
/// sender's transit place: each shipment gets its own place under its warehouse's transit
/// ("GZ1 Transit/GZ1/S2S/00042"), owned and valued by the sender and readable by the company it
/// is addressed to, so shipments never wait on one another's balance rows and nobody else sees
/// them. The receiver's receipt names the shipment (`shipment_id`) and takes from its place only.
enum Shipments {
    /// After transfers are created: a transfer to a warehouse's transit place becomes a shipment
    /// with its own place; a receipt naming a shipment takes its goods from that shipment's place
    /// (and, when it lists no goods, everything the shipment sent).
    static func prepare(_ store: RecordStore, pickings: [Int64]) async throws {
        let tx = store.tx
        let outgoing: SQLBuilder = """
            SELECT p.id, p.name, p.company_id, p.dest_company_id, l.id FROM stock_picking p
            JOIN stock_warehouse w ON w.transit_location_id = p.location_dest_id AND w.company_id = p.company_id
            JOIN stock_location l ON l.id = w.transit_location_id
            WHERE p.id = ANY(\(pickings)) ORDER BY p.id
            """
        let system = store.asSystem(reason: "the transit place of a new shipment")
        for row in try await tx.query(outgoing) {
            let (picking, name, company, destination, root) = try row.decode((Int64, String, Int64, Int64?, Int64).self)
            guard let destination else {
                throw ChainstoreError.userError("Transfer \(name) goes to transit: name the company it is sent to (dest_company_id).")
            }
            let place = try await system.create("stock.location", [[
                "name": .string(name), "location_id": .int(root), "usage": "transit", "company_id": .int(company), "dest_company_id": .int(destination),
            ]])[0]
            try await tx.query("""
                WITH p AS (UPDATE stock_picking SET location_dest_id = \(place) WHERE id = \(picking))
                UPDATE stock_move SET location_dest_id = \(place) WHERE picking_id = \(picking) AND (location_dest_id IS NULL OR location_dest_id = \(root))
                """)
        }
        let incoming: SQLBuilder = """
            SELECT r.id, r.name, r.company_id, s.id, s.name, s.dest_company_id, s.location_dest_id, sl.dest_company_id,
                   NOT EXISTS (SELECT 1 FROM stock_move m WHERE m.picking_id = r.id)
            FROM stock_picking r JOIN stock_picking s ON s.id = r.shipment_id JOIN stock_location sl ON sl.id = s.location_dest_id
            WHERE r.id = ANY(\(pickings)) ORDER BY r.id
            """
        for row in try await tx.query(incoming) {
            let (receipt, name, company, shipment, shipmentName, addressee, place, placeAddressee, empty) = try row.decode(
                (Int64, String, Int64, Int64, String, Int64?, Int64, Int64?, Bool).self)
            // The shipment must be one the caller can see, addressed to the receipt's company.
            guard try await !store.search("stock.picking", domain: .leaf("id", .equal, .int(shipment))).isEmpty else {
                throw ChainstoreError.accessError("Receipt \(name) names a shipment that does not exist or that you cannot see.")
            }
            guard addressee == company, placeAddressee == company else {
                throw ChainstoreError.userError("Shipment \(shipmentName) is not addressed to the company of receipt \(name).")
            }
            try await tx.query("""
                WITH r AS (UPDATE stock_picking SET location_id = \(place) WHERE id = \(receipt))
                UPDATE stock_move SET location_id = \(place) WHERE picking_id = \(receipt)
                """)
            if empty {
                let sent = try await tx.query("""
                    SELECT product_id, sum(quantity) FROM stock_move WHERE picking_id = \(shipment) AND state = \(MoveState.done)
                    GROUP BY product_id ORDER BY product_id
                    """).map { try $0.decode((Int64, Decimal).self) }
                _ = try await store.create("stock.move", sent.map { product, quantity in
                    ["picking_id": .int(receipt), "product_id": .int(product), "product_uom_qty": .number(quantity),
                     "location_id": .int(place)]
                })
            }
        }
    }

    /// A place of another company a move (or line) may take from: the place of the shipment its
    /// transfer receives, when that shipment is addressed to the move's company. (SQL over the
    /// row `alias` — a move or a line, with `company_id` and `picking_id` — and `sl` its source.)
    static func receivable(_ alias: String) -> String {
        """
        coalesce(sl.usage = 'transit' AND sl.dest_company_id = \(alias).company_id
                 AND sl.id = (SELECT s.location_dest_id FROM stock_picking r JOIN stock_picking s ON s.id = r.shipment_id WHERE r.id = \(alias).picking_id), false)
        """
    }
}
