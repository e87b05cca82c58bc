import Base
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// The demo's till: the demo cashier's store (`store1`) gets a warehouse when it has none, a cash
/// method, WeChat Pay and Alipay, and "Till 1", so `/pos` opens at once. Once only.
enum PosDemo {
    static func prepare(_ database: Database, registry: Registry, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            let found = try await tx.query("""
                SELECT u.company_id, c.name, NOT EXISTS (SELECT 1 FROM pos_config p WHERE p.company_id = u.company_id),
                    NOT EXISTS (SELECT 1 FROM stock_warehouse w WHERE w.company_id = u.company_id)
                FROM res_users u JOIN res_company c ON c.id = u.company_id WHERE u.login = 'store1'
                """).first
            guard let (company, name, noTill, noWarehouse) = try found?.decode((Int64, String, Bool, Bool).self), noTill else { return }
            let env = try await EnvLoader.load(tx, uid: 2, logger: logger).asSystem(reason: "demo till")
            let store = RecordStore(registry: registry, tx: tx, env: env)
            if noWarehouse {
                // Odoo's warehouse codes are at most 5 characters: "S" and the company id in base 36
                // (up to 1.6 million companies).
                let code = "S" + String(company, radix: 36).uppercased()
                _ = try await store.create("stock.warehouse", [["name": .string(name), "code": .string(code), "company_id": .int(company)]])
            }
            let methods = try await store.create("pos.payment.method", [
                ["name": "现金 Cash", "type": "cash", "company_id": .int(company), "sequence": 1],
                ["name": "微信支付 WeChat Pay", "type": "bank", "payment_channel": "wechat", "company_id": .int(company), "sequence": 2],
                ["name": "支付宝 Alipay", "type": "bank", "payment_channel": "alipay", "company_id": .int(company), "sequence": 3],
            ])
            _ = try await store.create("pos.config", [[
                "name": "Till 1 一号收银台", "company_id": .int(company), "payment_method_ids": [[6, 0, .array(methods.map(Value.int))]],
                "receipt_header": "欢迎光临", "receipt_footer": "谢谢惠顾",
            ]])
        }
    }
}
