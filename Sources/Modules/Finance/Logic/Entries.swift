import ChainstoreCore
import ChainstoreDB
import Foundation

/// Balanced entries for the lender's and the borrower's books (finance spec §4.2, §4.3): each
/// disbursement, interest posting, repayment and fee; exported to the group's accounting system
/// after a cursor that never skips a row committed late.
enum Entries {
    struct Line {
        let book: String, account: String, debit: Decimal, credit: Decimal
    }

    /// Writes one entry per book for `loan` (the borrower's only when the borrower keeps its
    /// books here); each book's lines must balance (the table checks too).
    static func post(_ tx: Transaction, loan: Int64, event: String, move: String, date: String?, lines: [Line]) async throws {
        let kept = lines.filter { $0.debit != 0 || $0.credit != 0 }
        guard !kept.isEmpty else { return }
        let sql: SQLBuilder = """
            INSERT INTO finance_entry (move, book, company_id, borrower_company_id, partner_id, loan_id, event, date, account, debit, credit)
            SELECT \(move), x.book, CASE WHEN x.book = 'lender' THEN l.company_id ELSE l.borrower_company_id END, l.borrower_company_id,
                   CASE WHEN x.book = 'lender' THEN l.borrower_id ELSE l.lender_id END, l.id, \(event), coalesce(\(date)::date, \(Finance.today)),
                   x.account, x.debit, x.credit
            FROM finance_loan l, unnest(\(kept.map(\.book)), \(kept.map(\.account)), \(kept.map(\.debit)), \(kept.map(\.credit))) AS x(book, account, debit, credit)
            WHERE l.id = \(loan) AND (x.book = 'lender' OR l.borrower_company_id IS NOT NULL)
            """
        try await tx.query(sql)
    }

    /// `finance.entry.export_entries(after="", limit=1000, format="json")`: the entries the caller
    /// may read, in commit order after `after` (the cursor the previous call answered), up to
    /// those of transactions still running; asking again with the same cursor gives the same rows.
    /// Answers `{"cursor", "entries"}` (or `"csv"`).
    static func export(_ call: MethodCall) async throws -> Value {
        let cursor = call.argument(0, "after")?.stringValue ?? ""
        let limit = min(max(Int(call.argument(1, "limit")?.intValue ?? 1000), 1), 10_000)
        let format = call.argument(2, "format")?.stringValue ?? "json"
        guard ["json", "csv"].contains(format) else { throw ChainstoreError.valueError("format is json or csv") }
        var afterTx: Int64 = 0, afterId: Int64 = 0
        if !cursor.isEmpty {
            let parts = cursor.split(separator: ":").compactMap { Int64($0) }
            guard parts.count == 2 else { throw ChainstoreError.valueError("The cursor \(cursor) is not one this export answered.") }
            (afterTx, afterId) = (parts[0], parts[1])
        }
        // Rows of transactions older than every one still running are final: a later commit
        // can only add rows after them.
        let horizon = try await call.store.tx.one("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint").decode(Int64.self)
        let after: Domain = .or([
            .leaf("tx", .greater, .int(afterTx)), .and([.leaf("tx", .equal, .int(afterTx)), .leaf("id", .greater, .int(afterId))]),
        ])
        let ids = try await call.store.search("finance.entry", domain: .and([after, .leaf("tx", .less, .int(horizon))]), limit: limit, order: "tx, id")
        let sql: SQLBuilder = """
            SELECT e.tx, e.id, e.move, e.book, e.company_id, e.borrower_company_id, e.partner_id, e.loan_id, e.event, e.date::text, e.account,
                   e.debit, e.credit
            FROM finance_entry e WHERE e.id = ANY(\(ids)) ORDER BY e.tx, e.id
            """
        var entries: [Value] = []
        var csv = "move,book,company_id,borrower_company_id,partner_id,loan_id,event,date,account,debit,credit\n"
        var next = cursor
        for row in try await call.store.tx.query(sql) {
            let (tx, id, move, book, company, borrower, partner, loan, event, date, account, debit, credit) = try row.decode(
                (Int64, Int64, String, String, Int64, Int64?, Int64?, Int64?, String, String, String, Decimal, Decimal).self)
            next = "\(tx):\(id)"
            if format == "csv" {
                func text(_ id: Int64?) -> String { id.map { String($0) } ?? "" }
                let fields = [move, book, String(company), text(borrower), text(partner), text(loan), event, date, account, "\(debit)", "\(credit)"]
                csv += fields.map(quoted).joined(separator: ",") + "\n"
                continue
            }
            var entry: RecordValues = ["id": .int(id), "move": .string(move), "book": .string(book), "company_id": .int(company)]
            entry["borrower_company_id"] = borrower.map(Value.int) ?? .false
            entry["partner_id"] = partner.map(Value.int) ?? .false
            entry["loan_id"] = loan.map(Value.int) ?? .false
            entry["event"] = .string(event)
            entry["date"] = .string(date)
            entry["account"] = .string(account)
            entry["debit"] = .string("\(debit)")
            entry["credit"] = .string("\(credit)")
            entries.append(.dict(entry))
        }
        return format == "csv" ? ["cursor": .string(next), "csv": .string(csv)] : ["cursor": .string(next), "entries": .array(entries)]
    }

    /// A CSV field, quoted when it holds a comma or a quote.
    static func quoted(_ field: String) -> String {
        guard field.contains(",") || field.contains("\"") else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
