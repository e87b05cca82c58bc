import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import Testing

@Suite("Domain compiler")
struct DomainCompilerTests {
    let registry = try! Modules.registry()

    func compile(_ domain: Value, model: String = "res.partner") throws -> SQLBuilder {
        var compiler = DomainCompiler(registry: registry)
        var sql = SQLBuilder()
        try compiler.compile(try Domain.parse(domain), model: try registry.model(model), alias: "t", into: &sql)
        return sql
    }

    @Test func valuesAreAlwaysBound() throws {
        let hostile = "x'); DROP TABLE res_partner; --"
        let sql = try compile([["name", "=", .string(hostile)], ["email", "ilike", .string(hostile)]])
        #expect(!sql.text.contains("DROP"))
        #expect(sql.text == #"(t."name" = $1::text AND t."email"::text ILIKE $2::text)"#)
        #expect(sql.binds == [.text(hostile), .text("%" + hostile + "%")])
    }

    @Test func hostileFieldNamesAreRejectedByTheRegistry() {
        for name in ["name\"; DROP TABLE x; --", "id) OR (1=1", "nonexistent", "name.zzz"] {
            do {
                _ = try compile([[.string(name), "=", 1]])
                Issue.record("accepted \(name)")
            } catch let error as ChainstoreError {
                #expect(error.code == .valueError)
                #expect(error.message.contains("Invalid field"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func equalFalseIsNullAndNotEqualIncludesNull() throws {
        #expect(try compile([["ref", "=", false]]).text == #"t."ref" IS NULL"#)
        #expect(try compile([["ref", "!=", "X"]]).text == #"(t."ref" IS NULL OR t."ref" <> $1::text)"#)
        #expect(try compile([["is_company", "=", false]]).text == #"(t."is_company" IS NULL OR NOT t."is_company")"#)
    }

    @Test func membershipWithFalseInsideTheList() throws {
        let sql = try compile([["parent_id", "in", [1, 2, false]]])
        #expect(sql.text == #"(t."parent_id" = ANY($1::bigint[]) OR t."parent_id" IS NULL)"#)
        #expect(sql.binds == [.intArray([1, 2])])
        #expect(try compile([["id", "in", []]]).text == "FALSE")
        #expect(try compile([["id", "not in", []]]).text == "(TRUE)")
        #expect(try compile([["ref", "not in", ["a"]]]).text == #"(t."ref" <> ALL($1::text[]) OR t."ref" IS NULL)"#)
    }

    @Test func datetimeBoundsWithADateOnly() throws {
        let sql = try compile([["create_date", "<=", "2024-02-05"]])
        #expect(sql.binds == [.text("2024-02-05 23:59:59+00")])
        #expect(try compile([["create_date", ">=", "2024-02-05"]]).binds == [.text("2024-02-05 00:00:00+00")])
    }

    @Test func wrongValueTypesAreValueErrors() {
        for domain: Value in [[["date", "=", "2024-13-40"]], [["id", "=", "abc"]], [["is_company", "=", "yes"]], [["credit_limit", ">", "lots"]]] {
            #expect(throws: ChainstoreError.self) { try compile(domain) }
        }
    }

    @Test func pathsBecomeSubselects() throws {
        let sql = try compile([["parent_id.name", "=", "ACME"]])
        #expect(sql.text == #"t."parent_id" IN (SELECT d1.id FROM "res_partner" d1 WHERE d1."name" = $1::text)"#)
        let negative = try compile([["category_id.name", "!=", "VIP"]])
        #expect(negative.text.hasPrefix("NOT EXISTS (SELECT 1 FROM \"res_partner_res_partner_category_rel\""))
    }

    @Test func childOfUsesParentPathWhenKept() throws {
        let sql = try compile([["company_id", "child_of", 3]])
        // The subtree as an index range on the path, read once (not a pattern per row).
        #expect(sql.text.contains(#"t."company_id" IN (SELECT d2.id FROM "res_company" d1 JOIN "res_company" d2 ON d2.parent_path ~>=~ d1.parent_path"#
            + #" AND d2.parent_path ~<~ (left(d1.parent_path, -1) || '0') WHERE d1.id = ANY($1::bigint[]))"#))
        let recursive = try compile([["parent_id", "child_of", 3]])
        #expect(recursive.text.contains("WITH RECURSIVE"))
    }

    @Test func equalIfSetAndRawLike() throws {
        #expect(try compile([["ref", "=?", false]]).text == "TRUE")
        #expect(try compile([["ref", "=?", "A"]]).text == #"t."ref" = $1::text"#)
        #expect(try compile([["name", "=like", "A_%"]]).binds == [.text("A_%")])
    }
}
