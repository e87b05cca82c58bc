import Base
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

    /// The rule is resolved once per call: nothing for a user whose companies cover the tree,
    /// the subtree and the parents for everyone else; bound as constants, it finds exactly what
    /// the sub-select form (used where no reach was resolved) finds.
    @Test func theCompanyReachIsResolvedWithTheUserAndAgreesWithTheTree() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let partners = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.create("res.partner", [
                    ["name": "p-group", "company_id": 1], ["name": "p-city1", "company_id": .int(fx.city1)],
                    ["name": "p-store1", "company_id": .int(fx.store1)], ["name": "p-store2", "company_id": .int(fx.store2)],
                    ["name": "p-none", "company_id": false],
                ])
            }
            try await db.transaction(logger: TestDatabase.logger) { tx in
                let admin = try await EnvLoader.load(tx, uid: fx.groupAdmin, logger: TestDatabase.logger)
                #expect(admin.coversCompanyTree && admin.companyReach == nil)
                let city = try await EnvLoader.load(tx, uid: fx.cityUser, logger: TestDatabase.logger)
                #expect(!city.coversCompanyTree)
                #expect(city.companyReach == CompanyReach(below: [fx.city1, fx.store1], above: [1, fx.city1]))
                let narrowed = try await EnvLoader.load(tx, uid: fx.groupAdmin, context: ["allowed_company_ids": [.int(fx.city2)]], logger: TestDatabase.logger)
                #expect(!narrowed.coversCompanyTree)
                #expect(narrowed.companyReach == CompanyReach(below: [fx.city2, fx.store2], above: [1, fx.city2]))
                // A call naming exactly the user's own companies (a till's usual context) narrows
                // nothing: the same companies and reach as without it; any other list is checked.
                let cityAsSent = try await EnvLoader.load(tx, uid: fx.cityUser, context: ["allowed_company_ids": [.int(fx.city1)]], logger: TestDatabase.logger)
                #expect(cityAsSent.allowedCompanyIds == city.allowedCompanyIds && cityAsSent.companyId == fx.city1)
                #expect(cityAsSent.companyReach == city.companyReach && !cityAsSent.coversCompanyTree)
                let adminAsSent = try await EnvLoader.load(tx, uid: fx.groupAdmin, context: ["allowed_company_ids": [1]], logger: TestDatabase.logger)
                #expect(adminAsSent.coversCompanyTree && adminAsSent.companyReach == nil)
                let cityNarrowed = try await EnvLoader.load(tx, uid: fx.cityUser, context: ["allowed_company_ids": [.int(fx.store1)]], logger: TestDatabase.logger)
                #expect(cityNarrowed.companyReach == CompanyReach(below: [fx.store1], above: [1, fx.city1, fx.store1]))
                // A remembered caller's environment serves a call only where the call's list would
                // build the same one: absent, or the own companies with the current one first.
                #expect(city.keeps(allowedCompanies: nil) && city.keeps(allowedCompanies: false))
                #expect(city.keeps(allowedCompanies: [.int(fx.city1)]) && city.keeps(allowedCompanies: .int(fx.city1)))
                #expect(!city.keeps(allowedCompanies: [.int(fx.store1)]) && !city.keeps(allowedCompanies: [.int(fx.city1), .int(fx.store1)]))
                #expect(!city.keeps(allowedCompanies: []) && !city.keeps(allowedCompanies: "x"))
                #expect(admin.keeps(allowedCompanies: [1]) && !admin.keeps(allowedCompanies: [.int(fx.city2)]))
                // No company condition at all for the group's administrator.
                let adminStore = RecordStore(registry: registry, tx: tx, env: admin)
                #expect(adminStore.ruleDomain(try registry.model("res.partner"), .read) == .all)
            }
            for uid in [fx.cityUser, fx.storeUser1, fx.storeUser2] {
                try await GroupFixture.asUser(db, registry, uid: uid) { store throws in
                    var unresolved = store.env
                    unresolved.companyReach = nil
                    let slow = RecordStore(registry: registry, tx: store.tx, env: unresolved)
                    for model in ["res.partner", "res.company", "product.product"] {
                        let bound = try await store.search(model, domain: .all)
                        #expect(try await slow.search(model, domain: .all) == bound, "\(model) as \(uid)")
                    }
                    let seen = Set(try await store.search("res.partner", domain: .leaf("id", .in, .array(partners.map(Value.int)))))
                    let names = try await store.read("res.partner", ids: Array(seen), fields: ["name"]).compactMap { $0["name"]?.stringValue }
                    switch uid {
                    case fx.cityUser: #expect(Set(names) == ["p-city1", "p-store1", "p-none"])
                    case fx.storeUser1: #expect(Set(names) == ["p-store1", "p-none"])
                    default: #expect(Set(names) == ["p-store2", "p-none"])
                    }
                }
            }
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
