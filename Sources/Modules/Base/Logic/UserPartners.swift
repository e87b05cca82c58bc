import ChainstoreCore
import ChainstoreDB

/// A user's own partner, as in Odoo: made with the user (unless one is given), and kept with the
/// user's name, email, language and time zone. It belongs to the user's company, so a store's
/// staff are not listed to every other store.
enum UserPartners {
    static let synced: Set<String> = ["name", "email", "lang", "tz"]

    static let hooks: [RecordHook] = [
        .afterCreate("res.users") { store, ids, _ in
            let system = store.asSystem(reason: "a new user's partner")
            let users = try await system.read("res.users", ids: ids, fields: ["name", "email", "lang", "tz", "company_id", "partner_id"],
                                              load: .classicWrite)
            for user in users where user["partner_id"]?.intValue == nil {
                guard let id = user["id"]?.intValue else { continue }
                var partner: RecordValues = ["name": user["name"] ?? .string(""), "company_id": user["company_id"] ?? .false]
                for field in ["email", "lang", "tz"] { if let value = user[field], !value.isEmpty { partner[field] = value } }
                let made = try await system.create("res.partner", [partner])[0]
                try await system.write("res.users", ids: [id], ["partner_id": .int(made)])
            }
        },
        .afterWrite("res.users", fields: synced) { store, ids, values in
            let system = store.asSystem(reason: "a user's partner follows the user")
            var changes: RecordValues = [:]
            for (name, value) in values where synced.contains(name) { changes[name] = value }
            let partners = try await system.read("res.users", ids: ids, fields: ["partner_id"], load: .classicWrite).compactMap { $0["partner_id"]?.intValue }
            if !partners.isEmpty, !changes.isEmpty { try await system.write("res.partner", ids: partners, changes) }
        },
    ]
}
