import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import Foundation
import Testing

@Suite("SQL builder")
struct SQLBuilderTests {
    enum State: String { case done, cancel }

    @Test func interpolatedValuesAreBoundNeverSpliced() {
        let hostile = "x'); DROP TABLE stock_move; --"
        let ids: [Int64] = [3, 5]
        let sql: SQLBuilder = "SELECT id FROM stock_move WHERE name = \(hostile) AND id = ANY(\(ids)) AND product_qty > \(Decimal(string: "1.005")!)"
        #expect(sql.text == "SELECT id FROM stock_move WHERE name = $1::text AND id = ANY($2::bigint[]) AND product_qty > $3::text::numeric")
        #expect(sql.binds == [.text(hostile), .intArray([3, 5]), .text("1.005")])
        #expect(!sql.text.contains("DROP"))
    }

    @Test func optionalsStatesAndDecimalArraysAreBound() {
        let none: Int64? = nil
        let quantities = [Decimal(string: "0.1")!, Decimal(12)]
        let sql: SQLBuilder = "\(none) \(State.done) \([State.done, .cancel]) \(quantities) \(true)"
        #expect(sql.text == "$1::bigint $2::text $3::text[] $4::text[]::numeric[] $5::boolean")
        #expect(sql.binds == [.null, .text("done"), .textArray(["done", "cancel"]), .textArray(["0.1", "12"]), .bool(true)])
    }

    @Test func fragmentsKeepTheirBindsRenumbered() {
        let inner: SQLBuilder = "state = \("done") AND company_id = \(Int64(7))"
        var outer: SQLBuilder = "SELECT 1 WHERE id = \(Int64(1)) AND (\(inner))"
        outer += " AND uid = "
        outer.bind(.int(9))
        outer += " OR " as SQLBuilder
        outer += inner
        #expect(outer.text == "SELECT 1 WHERE id = $1::bigint AND (state = $2::text AND company_id = $3::bigint) AND uid = $4::bigint OR state = $5::text AND company_id = $6::bigint")
        #expect(outer.binds == [.int(1), .text("done"), .int(7), .int(9), .text("done"), .int(7)])
    }

    @Test func identifiersComeFromTheRegistry() throws {
        let registry = try Modules.registry()
        let model = try registry.model("stock.move")
        let sql: SQLBuilder = "SELECT \(column: model.fields["product_qty"]!, of: "m") FROM \(table: model) m WHERE m.id = \(Int64(4))"
        #expect(sql.text == #"SELECT m."product_qty" FROM "stock_move" m WHERE m.id = $1::bigint"#)
    }

    @Test func oneIdIsComparedAsAValueSeveralAsAnArray() {
        var one: SQLBuilder = "SELECT 1 FROM t WHERE id"
        one.appendEquals(ids: [7])
        #expect(one.text == "SELECT 1 FROM t WHERE id = $1::bigint")
        #expect(one.binds == [.int(7)])
        var several: SQLBuilder = "SELECT 1 FROM t WHERE id"
        several.appendEquals(ids: [7, 8])
        #expect(several.text == "SELECT 1 FROM t WHERE id = ANY($1::bigint[])")
        #expect(several.binds == [.intArray([7, 8])])
    }

    @Test func identifiersAreQuotedWithTheirQuotesDoubled() {
        #expect(quoted("name") == #""name""#)
        #expect(quoted(#"a"b"#) == #""a""b""#)
    }

    @Test func bytesPrintAsTwoHexDigitsEach() {
        #expect([0x00, 0x0a, 0xff, 0x10].hexDigits() == "000aff10")
        #expect([0xab, 0x01].hexDigits(uppercase: true) == "AB01")
        #expect([UInt8]().hexDigits() == "")
    }

    /// `sql += """ … \(value) … """` takes `+=`'s `String` overload unless the literal says
    /// `as SQLBuilder`: the value would be pasted into the SQL, not bound. Every multi-line
    /// literal appended with `+=` that interpolates must name its type.
    @Test func everyAppendedMultiLineLiteralWithValuesNamesItsType() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var checked = 0
        var unnamed: [String] = []
        for case let file as URL in files where file.pathExtension == "swift" {
            let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
            var index = 0
            while index < lines.count {
                defer { index += 1 }
                guard lines[index].hasSuffix("+= \"\"\"") else { continue }
                let start = index
                index += 1
                while index < lines.count, !lines[index].contains("\"\"\"") { index += 1 }
                guard index < lines.count, lines[(start + 1)..<index].contains(where: { $0.contains("\\(") }) else { continue }
                checked += 1
                if !lines[index].contains(" as SQLBuilder"), !lines[index].contains(" as String") {
                    unnamed.append("\(file.lastPathComponent):\(start + 1)")
                }
            }
        }
        #expect(checked > 0, "no appended multi-line literal found under \(sources.path)")
        #expect(unnamed.isEmpty, "appended without naming SQLBuilder or String: \(unnamed)")
    }
}
