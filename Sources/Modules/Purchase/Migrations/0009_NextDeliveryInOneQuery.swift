import ChainstoreCore
import ChainstoreDB
import Foundation

extension Migration {
    /// The next delivery day open for ordering in one query: the store's schedules with the
    /// supplier, crossed with the four weeks of days, grouped by day, the first day whose
    /// earliest deadline is still ahead. The function called `replenishment_deadline` for each
    /// of the 28 days instead (a query each): 0.8 ms a store and supplier with a schedule, 80 ms
    /// of a 100-store reordering batch. The same answer (a day no active schedule delivers on has
    /// no deadline and is never chosen; a day two schedules deliver on closes at the earlier
    /// deadline; no schedule, no day).
    static let nextDeliveryInOneQuery = Migration("0009_next_delivery_in_one_query", sql: """
        CREATE OR REPLACE FUNCTION replenishment_next_delivery(buyer bigint, supplier bigint, earliest date, at timestamptz) RETURNS date LANGUAGE sql STABLE AS $fn$
            SELECT min(d.day) FROM (
                SELECT g.day::date AS day
                FROM replenishment_delivery_schedule s
                CROSS JOIN generate_series(earliest::timestamp, earliest::timestamp + interval '27 days', interval '1 day') g(day)
                WHERE s.active AND s.company_id = buyer AND s.partner_id = supplier
                  AND (ARRAY[s.monday, s.tuesday, s.wednesday, s.thursday, s.friday, s.saturday, s.sunday])[extract(isodow FROM g.day)::int]
                GROUP BY g.day
                HAVING min(((g.day::date - s.cutoff_days)::timestamp + make_interval(secs => (s.cutoff_hour * 3600)::float8)) AT TIME ZONE 'Asia/Shanghai') > at) d
        $fn$;
        """)
}
