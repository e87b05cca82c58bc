import ChainstoreCore
import ChainstoreDB
import Crypto
import Foundation

/// The store's daily settlement (日结): when the last session of a store's business day (China
/// time, by the session's opening) closes, the day's Z figures — the same computation as the
/// sessions' report — are frozen in `pos.daily.settlement` (a session of that day opened after
/// the settlement makes a second record when it closes), numbered without gaps per store and
/// chained: the record's hash is SHA-256 of the previous record's hash followed by its own
/// figures (canonical JSON), so a changed or removed record breaks every hash after it. The
/// table refuses updates and deletes; `verify_chain` recomputes the chain.
enum DailySettlements {
    static let methods: [ModelMethod] = [
        // `pos.daily.settlement.verify_chain(company_id=None)`: {"checked", "broken": [names]}.
        ModelMethod(model: "pos.daily.settlement", name: "verify_chain", receiver: .model) { call in
            let company = call.argument(0, "company_id")?.intValue
            let rows = try await call.store.searchRead(
                "pos.daily.settlement", domain: company.map { .leaf("company_id", .equal, .int($0)) } ?? .all,
                fields: ["name", "company_id", "number", "figures", "previous_hash", "hash"], order: "id", load: .classicWrite)
            var last: [Int64: (number: Int64, hash: String)] = [:]
            var broken: [Value] = []
            for row in rows.sorted(by: { ($0["company_id"]?.intValue ?? 0, $0["number"]?.intValue ?? 0) < ($1["company_id"]?.intValue ?? 0, $1["number"]?.intValue ?? 0) }) {
                let store = row["company_id"]?.intValue ?? 0, number = row["number"]?.intValue ?? 0
                let previous = last[store]
                let expected = hash(previous: previous?.hash, figures: row["figures"]?.stringValue ?? "")
                if row["hash"]?.stringValue != expected || row["previous_hash"]?.stringValue != previous?.hash
                    || number != (previous?.number ?? 0) + 1
                {
                    broken.append(row["name"] ?? .false)
                }
                last[store] = (number, row["hash"]?.stringValue ?? "")
            }
            return .dict(["checked": .int(Int64(rows.count)), "broken": .array(broken)])
        },
    ]

    static func hash(previous: String?, figures: String) -> String {
        SHA256.hash(data: Array(((previous ?? "") + figures).utf8)).hexDigits()
    }

    /// Settles every store and business day of `sessions` that has no session left open.
    static func settle(_ store: RecordStore, sessions: [Int64]) async throws {
        let system = store.asSystem(reason: "the store's daily settlement")
        let days = try await store.tx.query("""
            SELECT DISTINCT company_id, ((start_at AT TIME ZONE 'Asia/Shanghai')::date)::text FROM pos_session
            WHERE id = ANY(\(sessions)) AND start_at IS NOT NULL ORDER BY 1, 2
            """).map { try $0.decode((Int64, String).self) }
        for (company, day) in days {
            try await store.tx.query("SELECT pg_advisory_xact_lock(hashtext('pos.daily.settlement/' || \(company)::text))")
            // The day's closed sessions no settlement holds yet; none while one of the day is open.
            let state = try await store.tx.query("""
                SELECT EXISTS (SELECT 1 FROM pos_session WHERE company_id = \(company) AND state <> 'closed'
                               AND (start_at AT TIME ZONE 'Asia/Shanghai')::date = \(day)::date),
                    array(SELECT s.id FROM pos_session s WHERE s.company_id = \(company) AND (s.start_at AT TIME ZONE 'Asia/Shanghai')::date = \(day)::date
                          AND NOT EXISTS (SELECT 1 FROM pos_daily_settlement d WHERE d.company_id = s.company_id AND d.session_ids @> ARRAY[s.id])
                          ORDER BY s.id)
                """)[0].decode((Bool, [Int64]).self)
            guard !state.0, !state.1.isEmpty else { continue }
            let daySessions = state.1
            let details = try await SaleDetails.compute(system, sessions: daySessions)
            let figures = details.report.canonicalJSON
            let previous = try await store.tx.query("""
                SELECT number, hash FROM pos_daily_settlement WHERE company_id = \(company) ORDER BY number DESC LIMIT 1
                """).first.map { try $0.decode((Int64, String).self) }
            let number = (previous?.0 ?? 0) + 1
            let cash = details.payments.first { $0["cash"] == .true }
            func decimal(_ value: Value?) -> Decimal? { value?.doubleValue.flatMap { Decimal(string: "\($0)") } }
            let late = details.report.dictValue?["late_receipts"]?.intValue ?? 0
            try await store.tx.query("""
                INSERT INTO pos_daily_settlement (name, company_id, business_day, number, session_ids, order_count, amount_total, cash_expected,
                    cash_counted, cash_difference, late_receipts, figures, previous_hash, hash, create_uid, create_date, write_uid, write_date)
                VALUES ('Z/' || \(company)::text || '/' || \(day) || '/' || lpad(\(number)::text, 5, '0'), \(company), \(day)::date, \(number),
                    \(daySessions), \(Int64(details.orderCount)), \(details.total), \(details.expectedCash), \(decimal(cash?["money_counted"])),
                    \(decimal(cash?["money_difference"])), \(late), \(figures), \(previous?.1), \(hash(previous: previous?.1, figures: figures)),
                    \(store.env.uid), now(), \(store.env.uid), now())
                """)
        }
    }
}
