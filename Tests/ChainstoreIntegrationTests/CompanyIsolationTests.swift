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

    /// Partners keep their company's branch (the city it lies in), through every change that can
    /// alter it: a partner made or given to another company, a store moved to another city, a
    /// city moved under another. A city's users too many to bind find their rows by it, so a
    /// stale branch would hide a row from them or show it to the wrong city.
    @Test func rowsKeepTheirCompanysBranchThroughMoves() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let (inStore1, inStore2, shared) = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                let made = try await store.create("res.partner", [
                    ["name": "b-store1", "company_id": .int(fx.store1)], ["name": "b-store2", "company_id": .int(fx.store2)],
                    ["name": "b-none", "company_id": false],
                ])
                return (made[0], made[1], made[2])
            }
            @Sendable func branches() async throws -> [Int64: Int64?] {
                try await db.transaction(logger: TestDatabase.logger) { tx in
                    var sql = SQLBuilder("SELECT id, company_branch FROM res_partner WHERE id = ANY(")
                    sql.bind(.intArray([inStore1, inStore2, shared]), cast: "bigint[]")
                    sql += ") UNION ALL SELECT -id, branch_id FROM res_company WHERE id = ANY("
                    sql.bind(.intArray([1, fx.city1, fx.city2, fx.store1, fx.store2]), cast: "bigint[]")
                    sql += ")"
                    return try await tx.query(sql).reduce(into: [:]) { found, row in
                        let (id, branch) = try row.decode((Int64, Int64?).self)
                        found[id] = branch
                    }
                }
            }
            // A city whose stores are too many to bind reads its rows by branch; seen as such a
            // city, the visible partners of a page are exactly those of its branch and no company.
            @Sendable func seenByCity(_ city: Int64) async throws -> Set<Int64> {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin, context: ["allowed_company_ids": [.int(city)]]) { store in
                    var env = store.env
                    let reach = try #require(env.companyReach)
                    env.companyReach = CompanyReach(below: nil, above: reach.above, branches: reach.branches, wholeBranches: reach.wholeBranches)
                    let large = RecordStore(registry: registry, tx: store.tx, env: env)
                    let ids = [inStore1, inStore2, shared].map { Value.int($0) }
                    let page = Set(try await large.search("res.partner", domain: .leaf("id", .in, .array(ids)), limit: 10))
                    #expect(page == Set(try await large.search("res.partner", domain: .leaf("id", .in, .array(ids)))))
                    return page
                }
            }
            var now = try await branches()
            #expect(now[-1] == .some(nil) && now[-fx.city1] == fx.city1 && now[-fx.store1] == fx.city1 && now[-fx.store2] == fx.city2)
            #expect(now[inStore1] == fx.city1 && now[inStore2] == fx.city2 && now[shared] == .some(nil))
            #expect(try await seenByCity(fx.city1) == [inStore1, shared])
            #expect(try await seenByCity(fx.city2) == [inStore2, shared])

            // The store moves to the other city: its partners go with it.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.write("res.company", ids: [fx.store1], ["parent_id": .int(fx.city2)])
            }
            now = try await branches()
            #expect(now[-fx.store1] == fx.city2 && now[inStore1] == fx.city2)
            #expect(try await seenByCity(fx.city1) == [shared])
            #expect(try await seenByCity(fx.city2) == [inStore1, inStore2, shared])

            // A partner given to another company, and one given none; a client cannot set the branch.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.write("res.partner", ids: [inStore2], ["company_id": .int(fx.city1)])
                try await store.write("res.partner", ids: [inStore1], ["company_id": false, "company_branch": .int(fx.city2)])
            }
            now = try await branches()
            #expect(now[inStore2] == fx.city1 && now[inStore1] == .some(nil))

            // A city moved under the other: it and everything under it are in that city's branch.
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.write("res.partner", ids: [inStore1], ["company_id": .int(fx.store2)])
                try await store.write("res.company", ids: [fx.city2], ["parent_id": .int(fx.city1)])
            }
            now = try await branches()
            #expect(now[-fx.city2] == fx.city1 && now[-fx.store2] == fx.city1 && now[-fx.store1] == fx.city1)
            #expect(now[inStore1] == fx.city1 && now[inStore2] == fx.city1)
            #expect(try await seenByCity(fx.city1) == [inStore1, inStore2, shared])
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
                #expect(city.companyReach == CompanyReach(below: [fx.city1, fx.store1], above: [1, fx.city1], branches: [fx.city1], wholeBranches: true))
                let narrowed = try await EnvLoader.load(tx, uid: fx.groupAdmin, context: ["allowed_company_ids": [.int(fx.city2)]], logger: TestDatabase.logger)
                #expect(!narrowed.coversCompanyTree)
                #expect(narrowed.companyReach == CompanyReach(below: [fx.city2, fx.store2], above: [1, fx.city2], branches: [fx.city2], wholeBranches: true))
                // A call naming exactly the user's own companies (a till's usual context) narrows
                // nothing: the same companies and reach as without it; any other list is checked.
                let cityAsSent = try await EnvLoader.load(tx, uid: fx.cityUser, context: ["allowed_company_ids": [.int(fx.city1)]], logger: TestDatabase.logger)
                #expect(cityAsSent.allowedCompanyIds == city.allowedCompanyIds && cityAsSent.companyId == fx.city1)
                #expect(cityAsSent.companyReach == city.companyReach && !cityAsSent.coversCompanyTree)
                let adminAsSent = try await EnvLoader.load(tx, uid: fx.groupAdmin, context: ["allowed_company_ids": [1]], logger: TestDatabase.logger)
                #expect(adminAsSent.coversCompanyTree && adminAsSent.companyReach == nil)
                let cityNarrowed = try await EnvLoader.load(tx, uid: fx.cityUser, context: ["allowed_company_ids": [.int(fx.store1)]], logger: TestDatabase.logger)
                #expect(cityNarrowed.companyReach == CompanyReach(below: [fx.store1], above: [1, fx.city1, fx.store1], branches: [fx.city1]))
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
