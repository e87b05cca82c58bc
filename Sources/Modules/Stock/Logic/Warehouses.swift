import ChainstoreCore
import ChainstoreDB

/// What a new warehouse brings with it, as in Odoo: a view location named by its code, its
/// stock location under it ("DC1/Stock"), and its receipts, deliveries and internal transfers
/// (from the vendors' location, to the customers'), returns from customers, and store-to-store
/// transfers through its own transit place ("WH Transit", its company's stock while on the way).
enum Warehouses {
    static let vendors: Int64 = 2
    static let customers: Int64 = 3
    static let virtual: Int64 = 4

    static let hooks: [RecordHook] = [
        .afterCreate("stock.warehouse") { store, ids, _ in
            let system = store.asSystem(reason: "locations and operation types of new warehouses")
            for warehouse in try await store.read("stock.warehouse", ids: ids, fields: ["code", "company_id"], load: .classicWrite) {
                guard let id = warehouse["id"]?.intValue, let code = warehouse["code"], let company = warehouse["company_id"] else { continue }
                let view = try await system.create("stock.location", [["name": code, "usage": "view", "company_id": company]])[0]
                let stock = try await system.create("stock.location", [
                    ["name": "Stock", "location_id": .int(view), "usage": "internal", "company_id": company],
                ])[0]
                let transit = try await system.create("stock.location", [
                    ["name": .string("\(code.stringValue ?? "") Transit"), "location_id": .int(virtual), "usage": "transit", "company_id": company],
                ])[0]
                try await system.write("stock.warehouse", ids: [id], ["view_location_id": .int(view), "lot_stock_id": .int(stock),
                                                                     "transit_location_id": .int(transit)])
                let types = try await system.create("stock.picking.type", [
                    ["name": "Receipts", "code": "incoming", "sequence_code": "IN", "warehouse_id": .int(id), "company_id": company,
                     "default_location_src_id": .int(vendors), "default_location_dest_id": .int(stock), "sequence": 1],
                    ["name": "Delivery Orders", "code": "outgoing", "sequence_code": "OUT", "warehouse_id": .int(id), "company_id": company,
                     "default_location_src_id": .int(stock), "default_location_dest_id": .int(customers), "sequence": 2],
                    ["name": "Internal Transfers", "code": "internal", "sequence_code": "INT", "warehouse_id": .int(id), "company_id": company,
                     "default_location_src_id": .int(stock), "default_location_dest_id": .int(stock), "sequence": 3],
                    ["name": "Returns", "code": "incoming", "sequence_code": "RET", "warehouse_id": .int(id), "company_id": company,
                     "default_location_src_id": .int(customers), "default_location_dest_id": .int(stock), "sequence": 4],
                    ["name": "Store Transfers", "code": "outgoing", "sequence_code": "S2S", "warehouse_id": .int(id), "company_id": company,
                     "default_location_src_id": .int(stock), "default_location_dest_id": .int(transit), "sequence": 5],
                ])
                try await system.write("stock.picking.type", ids: [types[1]], ["return_picking_type_id": .int(types[3])])
            }
        },
    ]
}
