import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

/// The edges of the rules: paths through relations, link commands, deletions' side effects.
@Suite("Rule boundaries", .enabled(if: TestDatabase.isAvailable))
struct RuleBoundaryTests {
    @Test func pathsAndX2manyValuesStayWithinTheRelatedModelsRules() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let secret = try await GroupFixture.asUser(db, registry, uid: fx.storeUser2) { store in
                try await store.create("res.partner", [["name": "SZ supplier", "vat": "DE123", "is_company": true]])[0]
            }
            let probe = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                try await store.create("res.partner", [["name": "probe", "parent_id": .int(secret)]])[0]
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let leaked = try await store.search("res.partner", domain: try Domain.parse([["id", "=", .int(probe)], ["parent_id.vat", "=like", "DE1%"]]))
                #expect(leaked.isEmpty)
                let viaAny = try await store.searchCount("res.partner", domain: try Domain.parse([["parent_id", "any", [["vat", "=", "DE123"]]]]))
                #expect(viaAny == 0)
                let siblings = try await store.searchCount("res.company", domain: try Domain.parse([["id", "=", 1], ["child_ids.name", "=", "Shenzhen"]]))
                #expect(siblings == 0)
                let branches = try await store.read("res.company", ids: [1], fields: ["child_ids"])[0]["child_ids"]
                #expect(branches == [.int(fx.city1)])
            }
        }
    }

    @Test func negationFollowsOdooForNulls() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let ids = try await store.create("res.partner", [["name": "rich", "credit_limit": 5000], ["name": "poor", "credit_limit": 10], ["name": "unknown"]])
                let mine = Domain.leaf("id", .in, .array(ids.map(Value.int)))
                let notRich = try await store.search("res.partner", domain: .allOf([mine, try Domain.parse(["!", ["credit_limit", ">", 1000]])]))
                #expect(notRich == [ids[1]])
                let notPattern = try await store.search("res.partner", domain: .allOf([mine, try Domain.parse(["!", ["ref", "=like", "A%"]])]))
                #expect(notPattern.isEmpty, "NOT of an unknown (NULL) value is unknown, as in Odoo")
            }
        }
    }

    @Test func linkCommandsAreCheckedAndAudited() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let tags = try await store.create("res.partner.category", [["name": "Z"], ["name": "Y"], ["name": "Old", "active": false]])
                let partner = try await store.create("res.partner", [["name": "linked"]])[0]
                try await store.write("res.partner", ids: [partner], ["category_id": [[4, .int(tags[0])], [2, .int(tags[1])], [3, .int(tags[0])]]])
                #expect(try await store.read("res.partner", ids: [partner], fields: ["category_id"])[0]["category_id"] == [])
                #expect(try await store.search("res.partner.category", domain: .leaf("name", .equal, "Y")).isEmpty)
                try await store.write("res.partner", ids: [partner], ["category_id": [[4, .int(tags[2])]]])
                let withArchived = RecordStore(registry: registry, tx: store.tx, env: store.env.withContext(["active_test": false]))
                #expect(try await withArchived.read("res.partner", ids: [partner], fields: ["category_id"])[0]["category_id"] == [.int(tags[2])])
            }
        }
    }

    @Test func aSubsidiaryAdministratorCannotGrantCompaniesAboveIt() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let cityAdmin = try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.create("res.users", [[
                    "name": "GZ admin", "login": "gz.admin", "company_id": .int(fx.city1),
                    "company_ids": [[6, 0, [.int(fx.city1)]]], "groups_id": [[6, 0, [1, 2]]],
                ]])[0]
            }
            let escalation = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: cityAdmin) { store in
                    try await store.write("res.users", ids: [cityAdmin], ["company_ids": [[4, 1]]])
                }
            }
            #expect(escalation?.code == .accessError)
            try await GroupFixture.asUser(db, registry, uid: cityAdmin) { store in
                try await store.write("res.users", ids: [fx.storeUser1], ["company_ids": [[4, .int(fx.city1)]]])
            }
        }
    }

    @Test func deletionSideEffectsAreAuditedAndSecretsStayOut() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let (root, child, company, contact, tag) = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let root = try await store.create("res.partner.category", [["name": "Root"]])[0]
                let child = try await store.create("res.partner.category", [["name": "Child", "parent_id": .int(root)]])[0]
                let company = try await store.create("res.partner", [["name": "Parent Co", "is_company": true, "category_id": [[6, 0, [.int(child)]]]]])[0]
                let contact = try await store.create("res.partner", [["name": "Contact", "parent_id": .int(company)]])[0]
                try await store.unlink("res.partner.category", ids: [root])
                try await store.unlink("res.partner", ids: [company])
                return (root, child, company, contact, child)
            }
            try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in
                try await store.unlink("res.users", ids: [fx.storeUser2])
            }
            let trail = try await db.withoutTransaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT model || ':' || record_id || ':' || operation || ':' || coalesce(old_values::text, '') || '>' || coalesce(new_values::text, '') FROM audit_log WHERE operation <> 'create' ORDER BY id")).map { try $0.decode(String.self) }
            }
            #expect(trail.contains { $0.hasPrefix("res.partner.category:\(child):unlink") })
            #expect(trail.contains { $0.hasPrefix("res.partner.category:\(root):unlink") })
            #expect(trail.contains { $0.hasPrefix("res.partner:\(company):write") && $0.contains("category_id") }, "\(trail)")
            #expect(trail.contains { $0.hasPrefix("res.partner:\(contact):write") && $0.contains("parent_id") }, "\(trail)")
            #expect(trail.contains { $0.hasPrefix("res.users:\(fx.storeUser2):unlink") })
            #expect(!trail.contains { $0.contains("password") })
            _ = tag
        }
    }

    @Test func hostileShapesAreValueErrorsNotCrashes() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let longPath = String(repeating: "parent_id.", count: 100_000) + "name"
                await #expect(throws: ChainstoreError.self) { try await store.search("res.partner", domain: try Domain.parse([[.string(longPath), "=", "x"]])) }
                var nested: Value = [["name", "=", "x"]]
                for _ in 0..<200 { nested = [["parent_id", "any", nested]] }
                let deep = nested
                let error = await #expect(throws: ChainstoreError.self) { try await store.search("res.partner", domain: try Domain.parse(deep)) }
                #expect(error?.code == .valueError)
                let groups = try await store.readGroup("res.partner", domain: .all, fields: ["credit_limit:sum"], groupby: ["date"])
                #expect(groups.allSatisfy { $0["date"] != nil })
            }
        }
    }
}
