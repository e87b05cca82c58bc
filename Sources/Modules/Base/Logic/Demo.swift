import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// The small demo of `serve --demo`: `admin` gets a password (CHAINSTORE_ADMIN_PASSWORD or
/// `admin`), and a city subsidiary with one store and its cashier exist, so the company rules can
/// be seen at work.
public enum Demo {
    /// The group's own demo users (made here).
    static let staff: [(login: String, password: String, role: String)] = [
        ("admin", ProcessInfo.processInfo.environment["CHAINSTORE_ADMIN_PASSWORD"] ?? "admin", "group administrator"),
        ("gz.manager", "gz.manager", "Guangzhou city subsidiary"),
        ("store1", "store1", "cashier of Guangzhou Store 001"),
    ]
    /// Every demo login `serve --demo` prints; the supplier's portal user is the purchase module's.
    public static let logins = staff + [("supplier1", "supplier1", "supplier portal of Guangzhou Fresh Foods Co.")]

    public static func prepare(_ database: Database, registry: Registry, logger: Logger) async throws {
        try await database.transaction(logger: logger) { tx in
            if try await !Users.passwordIsSet(tx, login: "admin") {
                // The default `admin` is known to the world; one chosen through the environment is not.
                let chosen = ProcessInfo.processInfo.environment["CHAINSTORE_ADMIN_PASSWORD"] != nil
                try await Users.setPassword(tx, login: "admin", password: staff[0].password, published: !chosen)
            }
            var check = SQLBuilder("SELECT count(*) FROM res_users WHERE login = ")
            check.bind(.text("store1"))
            guard try await tx.query(check).first?.decode(Int64.self) == 0 else { return }
            let env = try await EnvLoader.load(tx, uid: 2, logger: logger).asSystem(reason: "demo data")
            let store = RecordStore(registry: registry, tx: tx, env: env)
            // The generated group's Guangzhou (`chainstore demo`) when there is one.
            let generated = try await store.search("res.company", domain: .leaf("code", .equal, "GD-GZ"))
            let city: Int64
            if let found = generated.first {
                city = found
            } else {
                city = try await store.create("res.company", [["name": "Guangzhou City Subsidiary", "parent_id": 1, "company_kind": "city"]])[0]
            }
            let shop = try await store.create("res.company", [["name": "Guangzhou Store 001", "parent_id": .int(city), "company_kind": "store"]])[0]
            _ = try await store.create("res.users", [
                ["name": "Guangzhou Manager", "login": "gz.manager", "company_id": .int(city), "company_ids": [[6, 0, [.int(city)]]], "groups_id": [[6, 0, [1]]]],
                ["name": "Store 001 Cashier", "login": "store1", "company_id": .int(shop), "company_ids": [[6, 0, [.int(shop)]]], "groups_id": [[6, 0, [1]]]],
            ])
            _ = try await store.create("res.partner", [
                ["name": "Guangzhou Fresh Foods Co.", "is_company": true, "company_id": false],
                ["name": "Walk-in Customer", "company_id": .int(shop)],
            ])
            for (login, password, _) in staff.dropFirst() {
                try await Users.setPassword(tx, login: login, password: password, published: true)
            }
        }
    }
}
