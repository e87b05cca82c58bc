import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

/// Odoo's hierarchies stay trees, and a company is made the way Odoo scripts make one.
@Suite("Hierarchies: recursion refused, companies by name", .enabled(if: TestDatabase.isAvailable))
struct HierarchyTests {
    @Test func noRecordBecomesItsOwnAncestor() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let grandparent = try await store.create("res.partner", [["name": "Grandparent Co.", "is_company": true]])[0]
                let parent = try await store.create("res.partner", [["name": "Parent", "parent_id": .int(grandparent)]])[0]
                let child = try await store.create("res.partner", [["name": "Child", "parent_id": .int(parent)]])[0]
                for (record, newParent) in [(grandparent, child), (grandparent, grandparent), (parent, child)] {
                    let error = await #expect(throws: ChainstoreError.self) {
                        try await store.write("res.partner", ids: [record], ["parent_id": .int(newParent)])
                    }
                    #expect(error?.code == .validationError && error?.message.contains("recursive") == true, "\(error.map { String(reflecting: $0) } ?? "")")
                }
                // Moving within the tree is fine.
                try await store.write("res.partner", ids: [child], ["parent_id": .int(grandparent)])
            }
            // Trees that keep a parent path refuse a loop in the database itself.
            await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                    let top = try await store.create("product.category", [["name": "Drinks"]])[0]
                    let tea = try await store.create("product.category", [["name": "Tea", "parent_id": .int(top)]])[0]
                    try await store.write("product.category", ids: [top], ["parent_id": .int(tea)])
                }
            }
        }
    }

    @Test func anAdministratorMakesACompanyWithANameOnly() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let company = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let id = try await store.create("res.company", [["name": "Foshan Trading"]])[0]
                return try await store.read("res.company", ids: [id], fields: ["name", "parent_id"], load: .classicWrite)[0]
            }
            #expect(company["name"] == "Foshan Trading")
            #expect(company["parent_id"]?.intValue == 1, "a new company goes under the group by default")
        }
    }
}
