import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

@Suite("Multi-company record rules", .enabled(if: TestDatabase.isAvailable))
struct CompanyIsolationTests {
    @Test func aStoreUserCannotReachAnotherStoresRecords() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let theirs = try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in
                try await store.create("res.partner", [["name": "SZ customer", "ref": "SZ-1"]])[0]
            }
            let shared = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.create("res.partner", [["name": "Group supplier", "company_id": false]])[0]
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store throws in
                #expect(try await store.search("res.partner", domain: .leaf("ref", .equal, "SZ-1")).isEmpty)
                #expect(try await store.searchCount("res.partner", domain: .leaf("id", .equal, .int(theirs))) == 0)
                #expect(try await store.searchRead("res.partner", domain: .leaf("id", .equal, .int(theirs))).isEmpty)
                #expect(try await store.nameSearch("res.partner", name: "SZ customer").isEmpty)
                #expect(try await store.readGroup("res.partner", domain: .leaf("id", .equal, .int(theirs)), fields: [], groupby: ["company_id"]).isEmpty)
                #expect(try await store.search("res.partner", domain: .leaf("id", .equal, .int(shared))) == [shared])
            }
            for attempt in ["read", "write", "unlink"] {
                let error = await #expect(throws: ChainstoreError.self) {
                    try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                        switch attempt {
                        case "read": _ = try await store.read("res.partner", ids: [theirs])
                        case "write": try await store.write("res.partner", ids: [theirs], ["name": "hijacked"])
                        default: try await store.unlink("res.partner", ids: [theirs])
                        }
                    }
                }
                #expect(error?.code == .accessError, "\(attempt)")
            }
            let moved = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    let mine = try await store.create("res.partner", [["name": "mine"]])[0]
                    try await store.write("res.partner", ids: [mine], ["company_id": .int(fx.store2)])
                }
            }
            #expect(moved?.code == .accessError)
            let planted = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    _ = try await store.create("res.partner", [["name": "planted", "company_id": .int(fx.store2)]])
                }
            }
            #expect(planted?.code == .accessError)
            let name = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.read("res.partner", ids: [theirs], fields: ["name"]).first?["name"]
            }
            #expect(name == "SZ customer")
        }
    }

    @Test func cityUsersSeeTheirStoresAndAllowedCompaniesOnlyNarrow() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let (gz, sz) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                (try await store.create("res.partner", [["name": "gz", "company_id": .int(fx.store1)]])[0],
                 try await store.create("res.partner", [["name": "sz", "company_id": .int(fx.store2)]])[0])
            }
            try await GroupFixture.asUser(db, registry, uid: fx.cityUser) { store in
                let visible = try await store.search("res.partner", domain: .leaf("id", .in, [.int(gz), .int(sz)]))
                #expect(visible == [gz])
                let companies = try await store.search("res.company", domain: .all)
                #expect(Set(companies) == [1, fx.city1, fx.store1])
            }
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin, context: ["allowed_company_ids": [.int(fx.city2)]]) { store throws in
                #expect(try await store.search("res.partner", domain: .leaf("id", .in, [.int(gz), .int(sz)])) == [sz])
            }
            let widened = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1, context: ["allowed_company_ids": [.int(fx.store2)]]) { _ in }
            }
            #expect(widened?.code == .accessError)
        }
    }

    @Test func accessRightsAreCheckedPerOperation() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let denied = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                    _ = try await store.create("res.company", [["name": "Rogue", "parent_id": .int(fx.store1)]])
                }
            }
            #expect(denied?.code == .accessError)
            let created = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.create("res.company", [["name": "GZ Store 2", "parent_id": .int(fx.city1)]])[0]
            }
            let path = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.search("res.company", domain: .leaf("id", .childOf, .int(fx.city1)))
            }
            #expect(Set(path) == [fx.city1, fx.store1, created])
            let cycle = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                    try await store.write("res.company", ids: [fx.city1], ["parent_id": .int(created)])
                }
            }
            #expect(cycle?.code == .validationError)
        }
    }
}
