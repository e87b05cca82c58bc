import ChainstoreCore
import Testing

@Suite("Domain parsing")
struct DomainParseTests {
    @Test func emptyAndFalseMatchEverything() throws {
        #expect(try Domain.parse([]) == .all)
        #expect(try Domain.parse(.false) == .all)
    }

    @Test func implicitAndOfConsecutiveTerms() throws {
        let domain = try Domain.parse([["name", "=", "A"], ["ref", "!=", false]])
        #expect(domain == .and([.leaf("name", .equal, "A"), .leaf("ref", .notEqual, .false)]))
    }

    @Test func prefixOperators() throws {
        let domain = try Domain.parse(["|", ["a", "=", 1], "!", ["b", "in", [1, 2]]])
        #expect(domain == .or([.leaf("a", .equal, 1), .not(.leaf("b", .in, [1, 2]))]))
    }

    @Test func trueAndFalseLeaves() throws {
        #expect(try Domain.parse([[1, "=", 1]]) == .all)
        #expect(try Domain.parse([[0, "=", 1]]) == Domain.none)
    }

    @Test func dottedPathsAreSplit() throws {
        #expect(try Domain.parse([["parent_id.name", "ilike", "x"]]) == .leaf(path: ["parent_id", "name"], op: .ilike, value: "x"))
    }

    @Test(arguments: [
        Value.string("name"),
        [["name", "=="]],
        [["name", "===", 1]],
        ["&", ["a", "=", 1]],
        ["|"],
        [["", "=", 1]],
        [["a..b", "=", 1]],
        [[1, "=", 2]],
        [42],
    ] as [Value])
    func malformedDomainsAreValueErrors(_ value: Value) {
        #expect(throws: ChainstoreError.self) { try Domain.parse(value) }
        do { _ = try Domain.parse(value) } catch let error as ChainstoreError { #expect(error.code == .valueError) } catch {}
    }

    @Test func deepNestingIsRefusedNotCrashed() {
        let items: [Value] = Array(repeating: "!", count: 100_000) + [["a", "=", 1]]
        #expect(throws: ChainstoreError.self) { try Domain.parse(.array(items)) }
    }

    @Test func everyOperatorOfTheSpecParses() throws {
        for op in ["=", "!=", ">", ">=", "<", "<=", "=?", "like", "not like", "ilike", "not ilike", "=like", "=ilike", "in", "not in", "child_of", "parent_of"] {
            let domain = try Domain.parse([["name", .string(op), "x"]])
            guard case .leaf(_, let parsed, _) = domain else { Issue.record("no leaf for \(op)"); continue }
            #expect(parsed.rawValue == op)
        }
    }
}
