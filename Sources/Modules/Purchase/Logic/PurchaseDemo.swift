import Barcode
import Base
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// The demo's supplier: Guangzhou Fresh Foods Co. (the base demo's vendor) gets a GLN, three
/// products it supplies (fresh milk tracked by lot), and a confirmed order from the group's main
/// warehouse; its portal user `supplier1` (a known password, this machine only) answers the order
/// and announces the shipment at `/supplier`. Once only.
enum PurchaseDemo {
    static func prepare(_ database: Database, registry: Registry, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            let found = try await tx.query("""
                SELECT p.id FROM res_partner p WHERE p.name = 'Guangzhou Fresh Foods Co.' AND p.company_id IS NULL
                AND NOT EXISTS (SELECT 1 FROM res_users WHERE login = 'supplier1') ORDER BY p.id LIMIT 1
                """).first
            guard let supplier = try found?.decode(Int64.self) else { return }
            let store = RecordStore(registry: registry, tx: tx, env: try await EnvLoader.load(tx, uid: 2, logger: logger).asSystem(reason: "demo supplier"))
            // GS1 keys in a range the generated catalogue never uses ("69" + ten digits below 4·10⁹).
            func key(_ body: String) throws -> String { body + String(try CheckDigit.gs1(body)) }
            try await store.write("res.partner", ids: [supplier], ["barcode": .string(try key("694900000000")), "supplier_rank": 1])
            let items: [(String, String, String, Double)] = [
                ("鲜牛奶 Fresh milk 1L", "lot", "694900000001", 8.5), ("原味酸奶 Yogurt 200g", "none", "694900000002", 3.2),
                ("豆浆 Soy milk 500ml", "none", "694900000003", 2.6),
            ]
            var lines: [Value] = []
            for (name, tracking, code, price) in items {
                let product = try await store.create("product.product", [[
                    "name": .string(name), "type": "product", "detailed_type": "product", "tracking": .string(tracking), "barcode": .string(try key(code)),
                ]])[0]
                let template = try await store.read("product.product", ids: [product], fields: ["product_tmpl_id"], load: .classicWrite)[0]["product_tmpl_id"]!
                _ = try await store.create("product.supplierinfo", [["partner_id": .int(supplier), "product_tmpl_id": template, "price": .double(price), "delay": 1]])
                lines.append([0, 0, ["product_id": .int(product), "product_qty": 48, "price_unit": .double(price)]])
            }
            let order = try await store.create("purchase.order", [["partner_id": .int(supplier), "company_id": 1, "order_line": .array(lines)]])[0]
            _ = try await registry.methods.method("purchase.order", "button_confirm")!.handler(MethodCall(store: store, ids: [order], args: [], kwargs: [:]))
            let portal = try await store.search("res.groups", domain: .leaf("xmlid", .equal, .string(Base.Group.portal)))
            let user = try await store.create("res.users", [[
                "name": "Guangzhou Fresh Foods 业务员", "login": "supplier1", "company_id": 1, "company_ids": [[6, 0, [1]]],
                "groups_id": [[6, 0, .array(portal.map(Value.int))]],
            ]])[0]
            let partner = try await store.read("res.users", ids: [user], fields: ["partner_id"], load: .classicWrite)[0]["partner_id"]!
            try await store.write("res.partner", ids: [partner.intValue!], ["parent_id": .int(supplier)])
            try await Users.setPassword(tx, login: "supplier1", password: "supplier1", published: true)
        }
    }
}
