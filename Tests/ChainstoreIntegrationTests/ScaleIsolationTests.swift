import Base
import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Testing

/// Company rules on a generated group large enough that a city's subtree is read by the query
/// rather than bound (more than `CompanyReach.boundLimit` stores), with stock in every store:
/// for every company-scoped model, each kind of user finds exactly the rows that hand-written SQL
/// over the company tree says are theirs, and is refused every other row through read, write
/// and delete.
@Suite("Company rules at the group's shape", .enabled(if: TestDatabase.isAvailable))
struct ScaleIsolationTests {
    static let plan = ScaleDemo.Plan(cities: 2, stores: 700, skus: 300)

    @Test func everyKindOfUserReachesExactlyItsCompaniesRows() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            _ = try await ScaleDemo.generate(db, plan: Self.plan, logger: TestDatabase.logger)
            // Balances reached through a path to further companies: a Shenzhen store's transit
            // place bound for a Guangzhou store holds the Shenzhen store's goods, the group's and
            // a Guangzhou store's, and goods of no company (outside the city's branch, in no
            // branch, in it, and in no branch without a company).
            _ = try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("""
                    WITH place AS (
                        UPDATE stock_location SET dest_company_id = (SELECT company_id FROM res_users WHERE login = 'gz000001.manager')
                        WHERE id = (SELECT l.id FROM stock_location l JOIN res_users u ON u.company_id = l.company_id
                                    WHERE u.login = 'sz000351.cashier' AND l.usage = 'transit')
                        RETURNING id, company_id)
                    INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity, in_date)
                    SELECT (SELECT id FROM product_product ORDER BY id OFFSET c.k LIMIT 1), place.id, c.company, 5, 0, now()
                    FROM place, (VALUES (0, (SELECT company_id FROM place)), (1, (SELECT id FROM res_company WHERE parent_id IS NULL)),
                                        (2, (SELECT company_id FROM res_users WHERE login = 'gz000002.cashier')), (3, NULL)) c(k, company)
                    """))
            }
            let logins = ["gz.city.manager", "gz000001.manager", "gz000002.cashier", "sz000351.cashier", "admin"]
            let uids = try await db.transaction(logger: TestDatabase.logger) { tx in
                var uids: [String: Int64] = [:]
                for login in logins { uids[login] = try await Users.uid(tx, login: login) }
                return uids
            }
            let sz = try #require(try await db.transaction(logger: TestDatabase.logger) { tx in
                try await tx.query(SQLBuilder("SELECT id FROM res_company WHERE code = 'GD-SZ'")).first?.decode(Int64.self)
            })
            var checked: Set<String> = []
            var refusedRows = 0
            let callers: [(String, RecordValues)] = logins.map { ($0, [:]) } + [("admin", ["allowed_company_ids": [.int(sz)]])]
            for (login, context) in callers {
                let uid = try #require(uids[login])
                var everything = context
                everything["active_test"] = false
                let (models, refused) = try await GroupFixture.asUser(db, registry, uid: uid, context: everything) { store throws in
                    var checked: [String] = []
                    var refusedRows = 0
                    if login == "gz.city.manager" {
                        // The city is too large to bind: its rows are those of its branch.
                        #expect(store.env.companyReach?.below == nil && !store.env.coversCompanyTree)
                        #expect(store.env.companyReach?.wholeBranches == true && store.env.companyReach?.branches?.count == 1)
                        let partner = try registry.model("res.partner")
                        #expect(store.branchSplit(partner, .read) == [store.env.companyReach?.branches?.first, nil])
                    }
                    for model in registry.models.values.sorted(by: { $0.name < $1.name }) where model.companyScoped {
                        guard try await Self.hasCompanyColumn(store.tx, model), Self.onlyTheCompanyRule(registry, model, store.env),
                              (try? await store.checkAccess(model, .read)) != nil else { continue }
                        let readable = Set(try await Self.truth(store, model, .read))
                        let found = try await store.search(model.name, domain: .all)
                        #expect(Set(found) == readable, "\(model.name) as \(login) \(context)")
                        #expect(found.count == readable.count, "\(model.name) as \(login): a row found twice")
                        #expect(try await store.searchCount(model.name, domain: .all) == readable.count, "\(model.name) as \(login)")
                        // A page, in the default order, is that part of the whole (a city's pages
                        // are read per branch range of the table's index, then merged).
                        let page = try await store.search(model.name, domain: .all, offset: 3, limit: 9)
                        #expect(page == Array(found.dropFirst(3).prefix(9)), "a page of \(model.name) as \(login)")
                        // Read with a link: a page's names are joined once the page is cut (and so are a
                        // read's by ids), a whole result's looked up row by row; all three agree.
                        let rows = try await store.searchRead(model.name, domain: .all, fields: ["id", "company_id"], offset: 3, limit: 9)
                        #expect(rows.map { $0["id"] } == page.map { Value.int($0) }, "a page of \(model.name) read as \(login)")
                        let whole = try await store.searchRead(model.name, domain: .all, fields: ["company_id"])
                        let company = Dictionary(whole.map { ($0["id"]!, $0["company_id"]) }, uniquingKeysWith: { first, _ in first })
                        let byIds = try await store.read(model.name, ids: page, fields: ["company_id"])
                        #expect(rows.map { $0["company_id"] } == page.map { company[.int($0)] ?? nil }, "a page's companies of \(model.name) as \(login)")
                        #expect(byIds.map { $0["company_id"] } == page.map { company[.int($0)] ?? nil }, "companies of \(model.name) by ids as \(login)")
                        let last = max(found.count - 6, 0)
                        let lastPage = try await store.search(model.name, domain: .all, offset: last, limit: 9)
                        #expect(lastPage == Array(found.dropFirst(last)), "the last page of \(model.name) as \(login)")
                        checked.append(model.name)
                        let writable = try await Self.truth(store, model, .write)
                        if let own = writable.first {
                            try await store.lockAndCheck(model, ids: [own], operation: .write)
                        }
                        // Another company's row, if the group has one: refused whatever is done with it.
                        guard let foreign = try await Self.outside(store, model, readable) else { continue }
                        refusedRows += 1
                        let read = await #expect(throws: ChainstoreError.self) { _ = try await store.read(model.name, ids: [foreign], fields: ["id"]) }
                        #expect(read?.code == .accessError, "read \(model.name) \(foreign) as \(login)")
                        for operation in [Operation.write, .unlink] {
                            let changed = await #expect(throws: ChainstoreError.self) {
                                try await store.lockAndCheck(model, ids: [foreign], operation: operation)
                            }
                            #expect(changed?.code == .accessError, "\(operation) \(model.name) \(foreign) as \(login)")
                        }
                    }
                    return (checked, refusedRows)
                }
                checked.formUnion(models)
                refusedRows += refused
            }
            // The rows that matter most were among those checked, with other companies' rows refused.
            for model in ["res.partner", "stock.quant", "stock.location", "stock.picking", "stock.move", "product.product", "stock.warehouse"] {
                #expect(checked.contains(model), "\(model) was not checked")
            }
            #expect(refusedRows > 50)
            // The city manager's balances include the four bound for its store, each once.
            let bound = try await GroupFixture.asUser(db, registry, uid: try #require(uids["gz.city.manager"])) { store throws in
                let parts = store.branchParts(try registry.model("stock.quant"), .read)
                #expect(parts?.count == 3, "a city's balances: its branch, no branch, and the rows bound for it")
                return try await store.searchRead("stock.quant", domain: .leaf("location_id.dest_company_id", .notEqual, .false),
                                                  fields: ["company_id"], limit: 10)
            }
            #expect(bound.count == 4)
        }
    }

    static func hasCompanyColumn(_ tx: Transaction, _ model: ModelSpec) async throws -> Bool {
        var sql = SQLBuilder("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'company_id' AND table_name = ")
        sql.bind(.text(model.table))
        return try await tx.query(sql).first?.decode(Int64.self) ?? 0 > 0
    }

    /// Models whose rows the company rule alone decides for this user (no module rule applies).
    static func onlyTheCompanyRule(_ registry: Registry, _ model: ModelSpec, _ env: Env) -> Bool {
        [Operation.read, .write].allSatisfy { operation in
            !registry.rules(for: model.name, operation).contains { $0.groups.isEmpty || $0.groups.contains(where: env.groups.contains) }
        }
    }

    /// The rows the user may reach, by hand over the company tree: no company, a company under an
    /// allowed one, (reading what branches share) a company above one, or (reading) a company
    /// under an allowed one named through the model's other company paths.
    static func truth(_ store: RecordStore, _ model: ModelSpec, _ operation: Operation) async throws -> [Int64] {
        var below = SQLBuilder("SELECT id FROM res_company")
        if !store.env.coversCompanyTree {
            below = SQLBuilder("SELECT c.id FROM res_company c, res_company r WHERE r.id = ANY(")
            below.bind(.intArray(store.env.allowedCompanyIds), cast: "bigint[]")
            below += ") AND c.parent_path LIKE r.parent_path || '%'"
        }
        var sql = SQLBuilder("SELECT t.id FROM \(table: model) t WHERE t.company_id IS NULL OR t.company_id IN (")
        sql.append(below)
        sql += ")"
        if operation == .read {
            if model.sharedWithBranches {
                sql += " OR t.company_id IN (SELECT x::bigint FROM res_company r, unnest(string_to_array(rtrim(r.parent_path, '/'), '/')) x WHERE r.id = ANY("
                sql.bind(.intArray(store.env.allowedCompanyIds), cast: "bigint[]")
                sql += "))"
            }
            for path in model.readableByCompanies {
                sql += " OR "
                try reach(store.registry, model, alias: "t", path: path.split(separator: ".").map(String.init), below: below, into: &sql)
            }
        }
        return try await store.tx.query(sql).map { try $0.decode(Int64.self) }
    }

    static func reach(_ registry: Registry, _ model: ModelSpec, alias: String, path: [String], below: SQLBuilder, into sql: inout SQLBuilder) throws {
        sql += "\(alias).\(path[0]) IN (" as String
        if path.count == 1 {
            sql.append(below)
        } else {
            guard case .many2one(let comodel, _) = try #require(model.fields[path[0]]).kind, let target = registry.models[comodel] else {
                Issue.record("\(model.name).\(path[0]) is not a many2one")
                return
            }
            let next = alias + "x"
            sql += "SELECT \(next).id FROM \(target.table) \(next) WHERE " as String
            try reach(registry, target, alias: next, path: Array(path.dropFirst()), below: below, into: &sql)
        }
        sql += ")"
    }

    static func outside(_ store: RecordStore, _ model: ModelSpec, _ readable: Set<Int64>) async throws -> Int64? {
        var sql = SQLBuilder("SELECT id FROM \(table: model) WHERE NOT (id = ANY(")
        sql.bind(.intArray(Array(readable)), cast: "bigint[]")
        sql += ")) ORDER BY id LIMIT 1"
        return try await store.tx.query(sql).first?.decode(Int64.self)
    }
}
