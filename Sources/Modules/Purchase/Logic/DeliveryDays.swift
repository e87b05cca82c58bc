import ChainstoreCore
import ChainstoreDB
import Foundation

/// Order deadlines: a store's order to a supplier it has a delivery schedule with is planned for
/// the first delivery day from the date asked for whose deadline has not passed, and refused
/// when the day asked for is a delivery day whose deadline has passed.
enum DeliveryDays {
    /// Whether `text` is a calendar date written YYYY-MM-DD.
    static func isDate(_ text: String) -> Bool {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text).map { formatter.string(from: $0) == text } ?? false
    }

    static func plan(_ tx: Transaction, _ orders: [Int64]) async throws {
        let sql: SQLBuilder = """
            WITH asked AS (
                SELECT o.id, o.name, o.company_id, o.partner_id,
                       greatest((min(l.date_planned) AT TIME ZONE 'Asia/Shanghai')::date, (now() AT TIME ZONE 'Asia/Shanghai')::date) AS day
                FROM purchase_order o JOIN purchase_order_line l ON l.order_id = o.id
                WHERE o.id = ANY(\(orders))
                  AND EXISTS (SELECT 1 FROM replenishment_delivery_schedule s WHERE s.active AND s.company_id = o.company_id AND s.partner_id = o.partner_id)
                GROUP BY o.id)
            SELECT a.id, a.name, to_char(a.day, 'YYYY-MM-DD'),
                   to_char(replenishment_deadline(a.company_id, a.partner_id, a.day) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
                   replenishment_deadline(a.company_id, a.partner_id, a.day) <= now(),
                   to_char(replenishment_next_delivery(a.company_id, a.partner_id, a.day, now()), 'YYYY-MM-DD')
            FROM asked a ORDER BY a.id
            """
        for row in try await tx.query(sql) {
            let (order, name, day, deadline, closed, next) = try row.decode((Int64, String, String, String?, Bool?, String?).self)
            if closed == true, let deadline {
                throw ChainstoreError.userError(
                    "\(name): ordering for delivery on \(day) closed at \(deadline) (China time); the next delivery still open is \(next ?? "not within four weeks").")
            }
            guard let next else { throw ChainstoreError.userError("\(name): no delivery day from this supplier is open for orders within four weeks.") }
            try await tx.query("""
                UPDATE purchase_order_line SET date_planned = (\(next)::date + time '12:00') AT TIME ZONE 'Asia/Shanghai' WHERE order_id = \(order)
                """)
        }
    }
}
