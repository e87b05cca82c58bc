import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

@Suite("Generic record operations", .enabled(if: TestDatabase.isAvailable))
struct RecordOperationsTests {
    @Test func createReadWriteUnlinkRoundTrip() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let ids = try await store.create("res.partner", [
                    ["name": "Li Lei", "email": "li@example.cn", "credit_limit": 1234.5, "date": "2024-02-29"],
                    ["name": "Han Meimei", "is_company": true],
                ])
                #expect(ids.count == 2 && ids[0] < ids[1])
                let rows = try await store.read("res.partner", ids: [ids[1], ids[0], 999_999], fields: ["name", "company_id", "credit_limit", "date", "ref", "is_company"])
                #expect(rows.count == 2)
                #expect(rows[0]["id"] == .int(ids[1]))
                #expect(rows[1]["name"] == "Li Lei")
                #expect(rows[1]["credit_limit"] == .double(1234.5))
                #expect(rows[1]["date"] == "2024-02-29")
                #expect(rows[1]["ref"] == .false)
                #expect(rows[1]["company_id"] == [.int(fx.store1), "GZ Store 1"])
                try await store.write("res.partner", ids: [ids[0]], ["ref": "C-001", "email": false])
                let after = try await store.read("res.partner", ids: [ids[0]], fields: ["ref", "email"])
                #expect(after[0]["ref"] == "C-001" && after[0]["email"] == .false)
                try await store.unlink("res.partner", ids: [ids[0]])
                #expect(try await store.read("res.partner", ids: [ids[0]]).isEmpty)
                let missing = await #expect(throws: ChainstoreError.self) { try await store.write("res.partner", ids: [ids[0]], ["ref": "x"]) }
                #expect(missing?.code == .missingError)
            }
        }
    }

    @Test func searchWithOrderLimitOffsetAndCount() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let names = ["Delta", "alpha", "Charlie", "bravo", "Echo"]
                let ids = try await store.create("res.partner", names.map { ["name": .string($0), "ref": .string($0.uppercased())] })
                let domain = Domain.leaf("id", .in, .array(ids.map(Value.int)))
                let byName = try await store.search("res.partner", domain: domain, order: "ref desc")
                #expect(byName == [ids[4], ids[0], ids[2], ids[3], ids[1]])
                let page = try await store.search("res.partner", domain: domain, offset: 1, limit: 2, order: "ref asc")
                #expect(page == [ids[3], ids[2]])
                #expect(try await store.searchCount("res.partner", domain: domain) == 5)
                #expect(try await store.searchCount("res.partner", domain: domain, limit: 3) == 3)
                let rows = try await store.searchRead("res.partner", domain: .leaf("ref", .equal, "ECHO"), fields: ["name"])
                #expect(rows == [["id": .int(ids[4]), "name": "Echo"]])
                await #expect(throws: ChainstoreError.self) { try await store.search("res.partner", domain: domain, order: "nope") }
            }
        }
    }

    @Test func everyOperatorFamily() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let parent = try await store.create("res.partner", [["name": "ACME", "is_company": true, "ref": "P"]])[0]
                let ids = try await store.create("res.partner", [
                    ["name": "Ann", "parent_id": .int(parent), "ref": "A1", "credit_limit": 10, "date": "2024-01-10"],
                    ["name": "bob", "ref": "B1", "credit_limit": 20, "date": "2024-02-10"],
                    ["name": "Cid", "credit_limit": 30],
                ])
                func find(_ domain: Value) async throws -> Set<Int64> {
                    Set(try await store.search("res.partner", domain: .allOf([try Domain.parse(domain), .leaf("id", .in, .array((ids + [parent]).map(Value.int)))])))
                }
                #expect(try await find([["ref", "=", "A1"]]) == [ids[0]])
                #expect(try await find([["ref", "!=", "A1"]]) == [ids[1], ids[2], parent])
                #expect(try await find([["ref", "=", false]]) == [ids[2]])
                #expect(try await find([["ref", "!=", false]]) == [ids[0], ids[1], parent])
                #expect(try await find([["credit_limit", ">", 10]]) == [ids[1], ids[2]])
                #expect(try await find([["credit_limit", ">=", 20], ["credit_limit", "<=", 20]]) == [ids[1]])
                #expect(try await find([["credit_limit", "<", 20]]) == [ids[0]])
                #expect(try await find([["ref", "=?", false]]).count == 4)
                #expect(try await find([["name", "like", "o"]]) == [ids[1]])
                #expect(try await find([["name", "ilike", "B"]]) == [ids[1]])
                #expect(try await find([["name", "not ilike", "b"]]) == [ids[0], ids[2], parent])
                #expect(try await find([["name", "not like", "A"]]) == [ids[1], ids[2]])
                #expect(try await find([["name", "=like", "A%"]]) == [ids[0], parent])
                #expect(try await find([["name", "=ilike", "b%"]]) == [ids[1]])
                #expect(try await find([["ref", "in", ["A1", "B1"]]]) == [ids[0], ids[1]])
                #expect(try await find([["ref", "in", ["A1", false]]]) == [ids[0], ids[2]])
                #expect(try await find([["ref", "not in", ["A1"]]]) == [ids[1], ids[2], parent])
                #expect(try await find([["ref", "in", []]]).isEmpty)
                #expect(try await find(["|", ["ref", "=", "A1"], ["ref", "=", "B1"]]) == [ids[0], ids[1]])
                #expect(try await find(["!", ["ref", "=", "A1"]]) == [ids[1], ids[2], parent])
                #expect(try await find([["parent_id.ref", "=", "P"]]) == [ids[0]])
                #expect(try await find([["parent_id", "ilike", "acm"]]) == [ids[0]])
                #expect(try await find([["child_ids.name", "=", "Ann"]]) == [parent])
                #expect(try await find([["child_ids", "=", false]]) == [ids[0], ids[1], ids[2]])
                #expect(try await find([["id", "child_of", .int(parent)]]) == [parent, ids[0]])
                #expect(try await find([["id", "parent_of", .int(ids[0])]]) == [parent, ids[0]])
                #expect(try await find([["date", ">=", "2024-02-01"]]) == [ids[1]])
                #expect(try await find([["create_date", "<=", "2999-01-01"]]).count == 4)
                #expect(try await find([["display_name", "ilike", "ACME, Ann"]]) == [ids[0]])
            }
        }
    }

    @Test func activeFilteringFollowsOdoo() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let ids = try await store.create("res.partner", [["name": "Old", "active": false], ["name": "New"]])
                let mine = Domain.leaf("id", .in, .array(ids.map(Value.int)))
                #expect(try await store.search("res.partner", domain: mine) == [ids[1]])
                #expect(try await store.search("res.partner", domain: .allOf([mine, .leaf("active", .in, [true, false])])).count == 2)
                #expect(try await store.read("res.partner", ids: [ids[0]], fields: ["active"])[0]["active"] == .false)
            }
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1, context: ["active_test": false]) { store throws in
                #expect(try await store.searchCount("res.partner", domain: .leaf("name", .in, ["Old", "New"])) == 2)
            }
        }
    }

    @Test func x2manyCommands() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                let tags = try await store.create("res.partner.category", [["name": "VIP"], ["name": "Wholesale"], ["name": "Staff"]])
                let partner = try await store.create("res.partner", [[
                    "name": "Merchant", "is_company": true,
                    "category_id": [[6, 0, [.int(tags[0]), .int(tags[1])]]],
                    "child_ids": [[0, 0, ["name": "Clerk A"]], [0, 0, ["name": "Clerk B"]]],
                ]])[0]
                func state() async throws -> (tags: [Value], children: [Value]) {
                    let row = try await store.read("res.partner", ids: [partner], fields: ["category_id", "child_ids"])[0]
                    return (row["category_id"]!.arrayValue!, row["child_ids"]!.arrayValue!)
                }
                var now = try await state()
                #expect(now.tags == [.int(tags[0]), .int(tags[1])])
                #expect(now.children.count == 2)
                let clerkA = now.children[0].intValue!
                let clerkB = now.children[1].intValue!
                try await store.write("res.partner", ids: [partner], ["category_id": [[3, .int(tags[0])], [4, .int(tags[2])]]])
                #expect(try await state().tags == [.int(tags[1]), .int(tags[2])])
                try await store.write("res.partner", ids: [partner], ["category_id": [[5]]])
                #expect(try await state().tags.isEmpty)
                try await store.write("res.partner", ids: [partner], ["category_id": [[0, 0, ["name": "New Tag"]]], "child_ids": [[1, .int(clerkA), ["name": "Clerk A2"]], [3, .int(clerkB)]]])
                now = try await state()
                #expect(now.tags.count == 1)
                #expect(now.children == [.int(clerkA)])
                #expect(try await store.read("res.partner", ids: [clerkA], fields: ["name"])[0]["name"] == "Clerk A2")
                #expect(try await store.read("res.partner", ids: [clerkB], fields: ["parent_id"])[0]["parent_id"] == .false)
                try await store.write("res.partner", ids: [partner], ["child_ids": [[4, .int(clerkB)], [2, .int(clerkA)]]])
                #expect(try await state().children == [.int(clerkB)])
                #expect(try await store.read("res.partner", ids: [clerkA]).isEmpty)
                try await store.write("res.partner", ids: [partner], ["child_ids": [[6, 0, []]]])
                #expect(try await state().children.isEmpty)
                let newTag = try await store.search("res.partner.category", domain: .leaf("name", .equal, "New Tag"))
                try await store.write("res.partner", ids: [partner], ["category_id": [[6, 0, .array(newTag.map(Value.int))]]])
                try await store.write("res.partner", ids: [partner], ["category_id": [[2, .int(newTag[0])]]])
                #expect(try await store.search("res.partner.category", domain: .leaf("name", .equal, "New Tag")).isEmpty)
                await #expect(throws: ChainstoreError.self) {
                    try await store.write("res.partner", ids: [partner], ["category_id": [[9, 1]]])
                }
            }
        }
    }

    @Test func metadataNameSearchDefaultsAndGroups() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            try await GroupFixture.asUser(db, registry, uid: fx.storeUser1, context: ["default_ref": "DEF"]) { store in
                let fields = try await store.fieldsGet("res.partner", names: ["name", "parent_id", "type", "nope"], attributes: ["type", "relation", "selection"])
                #expect(fields.keys.sorted() == ["name", "parent_id", "type"])
                #expect(fields["parent_id"]?["relation"] == "res.partner")
                #expect(fields["type"]?["selection"]?.arrayValue?.first == ["contact", "Contact"])
                let defaults = try await store.defaultGet("res.partner", fields: ["ref", "type", "active", "name"])
                #expect(defaults == ["ref": "DEF", "type": "contact", "active": true])
                let company = try await store.create("res.partner", [["name": "Pearl River Trading", "is_company": true]])[0]
                let contact = try await store.create("res.partner", [["name": "Wang", "parent_id": .int(company)]])[0]
                #expect(try await store.read("res.partner", ids: [contact], fields: ["ref"])[0]["ref"] == "DEF")
                let found = try await store.nameSearch("res.partner", name: "pearl", limit: 10)
                #expect(found.contains([.int(contact), "Pearl River Trading, Wang"]))
                try await store.write("res.partner", ids: [contact], ["email": "wang@pearl.example"])
                #expect(try await store.nameSearch("res.partner", name: "wang@pearl").map { $0.arrayValue?.first } == [.int(contact)])
                #expect(try await store.nameSearch("res.partner", name: "pearl", op: .notIlike, limit: 10).allSatisfy { $0.arrayValue?.first != .int(contact) })
                _ = try await store.create("res.partner", [
                    ["name": "G1", "credit_limit": 5, "date": "2024-01-03"], ["name": "G2", "credit_limit": 7, "date": "2024-01-20"],
                    ["name": "G3", "credit_limit": 11, "date": "2024-03-02"],
                ])
                let groups = try await store.readGroup("res.partner", domain: .leaf("name", .in, ["G1", "G2", "G3"]), fields: ["credit_limit:sum"], groupby: ["date:month"])
                #expect(groups.count == 2)
                #expect(groups[0]["date:month"] == "January 2024")
                #expect(groups[0]["date_count"] == 2)
                #expect(groups[0]["credit_limit"] == .double(12))
                #expect(groups[1]["__range"]?["date:month"]?["to"] == "2024-04-01")
                let byYear = try await store.readGroup("res.partner", domain: .leaf("name", .in, ["G1", "G2", "G3"]), fields: ["total:sum(credit_limit)"], groupby: ["date:year", "company_id"], lazy: false)
                #expect(byYear.count == 1 && byYear[0]["__count"] == 3 && byYear[0]["total"] == .double(23))
                #expect(byYear[0]["company_id"] == [.int(fx.store1), "GZ Store 1"])
                let weeks = try await store.readGroup("res.partner", domain: .leaf("name", .in, ["G1", "G2", "G3"]), fields: [], groupby: ["date:week"])
                #expect(weeks.map { $0["date:week"] } == ["W01 2024", "W03 2024", "W09 2024"])
            }
        }
    }

    @Test func badInputIsAClearErrorAndLeavesNothing() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let fx = try await GroupFixture.make(db, registry)
            let attempts: [RecordValues] = [
                ["name": "X", "no_such_field": 1],
                ["name": "X", "credit_limit": "a lot"],
                ["name": "X", "date": "2024-02-30"],
                ["name": "X", "type": "not-a-type"],
                ["name": "X", "parent_id": 987_654],
                ["name": .string("'; DROP TABLE res_partner; --"), "ref": .string(String(repeating: "x", count: 10)), "parent_id": "1"],
            ]
            for vals in attempts {
                do {
                    _ = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in try await store.create("res.partner", [["name": "Batch mate"], vals]) }
                    Issue.record("accepted \(vals)")
                } catch let error as ChainstoreError {
                    #expect([.valueError, .validationError].contains(error.code), "\(error)")
                }
            }
            let count = try await GroupFixture.asUser(db, registry, uid: fx.storeUser1) { store in
                try await store.searchCount("res.partner", domain: .leaf("name", .in, ["Batch mate", "X"]))
            }
            #expect(count == 0)
            let requiredMissing = await #expect(throws: ChainstoreError.self) {
                try await GroupFixture.asUser(db, registry, uid: fx.groupAdmin) { store in try await store.create("res.company", [["parent_id": 1]]) }
            }
            #expect(requiredMissing?.code == .validationError)
        }
    }
}
