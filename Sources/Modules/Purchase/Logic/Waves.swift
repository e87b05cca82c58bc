import ChainstoreCore
import ChainstoreDB
import Foundation

/// Delivery waves: the distribution centre's deliveries to stores for one day are grouped, per
/// truck run (the stores' delivery schedules' `route`) and operation type, into waves
/// (`stock.picking.batch` with `is_wave`), picked from one list and shipped together. The job
/// makes the waves of every day whose order deadline has passed; `build_waves(date)` makes a
/// day's at once.
enum Waves {
    /// Groups the caller's unbatched store deliveries of `day` ("YYYY-MM-DD"), or of every day
    /// whose deadline has passed when nil, into waves; returns the waves made.
    static func build(_ store: RecordStore, day: String?) async throws -> [Int64] {
        // Both statements are driven by the deliveries, each looking up its order, DC, store and
        // schedule: joined freely, a plan (the generic plan of a prepared statement among them)
        // walked every delivery of the DC once per store with a schedule (one DC's 10,000 stores:
        // over 100 M rows, 2–7 minutes; now 0.14 s), or every schedule of the DC once per
        // delivery (200 deliveries × 11,080 schedules: 6 s; now 10 ms).
        let schedule: SQLBuilder = """
            CROSS JOIN LATERAL (SELECT so.partner_id FROM sale_order so WHERE so.id = pk.sale_id OFFSET 0) so
            CROSS JOIN LATERAL (SELECT dc.partner_id FROM res_company dc WHERE dc.id = pk.company_id OFFSET 0) dc
            CROSS JOIN LATERAL (SELECT shop.id FROM res_company shop WHERE shop.partner_id = so.partner_id OFFSET 0) shop
            CROSS JOIN LATERAL (SELECT s.sequence, s.id, s.route FROM replenishment_delivery_schedule s
                                WHERE s.active AND s.company_id = shop.id AND s.partner_id = dc.partner_id OFFSET 0) s
            """
        let candidates: SQLBuilder = """
            SELECT DISTINCT ON (pk.id) pk.id
            FROM stock_picking pk
            \(schedule)
            WHERE pk.batch_id IS NULL AND pk.state IN ('waiting', 'confirmed', 'assigned') AND pk.scheduled_date IS NOT NULL
              AND pk.sale_id IS NOT NULL
              AND (\(day)::date IS NULL OR (pk.scheduled_date AT TIME ZONE 'Asia/Shanghai')::date = \(day)::date)
              AND (\(day)::date IS NOT NULL
                   OR replenishment_deadline(shop.id, dc.partner_id, (pk.scheduled_date AT TIME ZONE 'Asia/Shanghai')::date) <= now())
            ORDER BY pk.id, s.sequence, s.id
            """
        let found = try await store.tx.query(candidates).map { try $0.decode(Int64.self) }
        guard !found.isEmpty else { return [] }
        // Only what the caller may change.
        let ids = try await store.search("stock.picking", domain: .leaf("id", .in, .array(found.map(Value.int))))
        guard !ids.isEmpty else { return [] }
        let uid = store.env.uid
        return try await store.tx.query("""
            WITH cand AS (
                SELECT DISTINCT ON (pk.id) pk.id, pk.company_id, pk.picking_type_id, coalesce(s.route, '') AS route,
                       (pk.scheduled_date AT TIME ZONE 'Asia/Shanghai')::date AS day
                FROM stock_picking pk
                \(schedule)
                WHERE pk.id = ANY(\(ids)) ORDER BY pk.id, s.sequence, s.id),
            groups AS (SELECT DISTINCT company_id, picking_type_id, route, day FROM cand),
            made AS (
                INSERT INTO stock_picking_batch (name, description, company_id, state, is_wave, picking_type_id, scheduled_date,
                                                 create_uid, create_date, write_uid, write_date)
                SELECT 'WAVE/' || lpad(nextval('stock_picking_batch_name_seq')::text, 5, '0'), nullif(g.route, ''), g.company_id, 'draft', true,
                       g.picking_type_id, (g.day::timestamp + interval '6 hours') AT TIME ZONE 'Asia/Shanghai', \(uid), now(), \(uid), now()
                FROM groups g ORDER BY g.day, g.company_id, g.route
                RETURNING id, company_id, picking_type_id, coalesce(description, '') AS route, ((scheduled_date AT TIME ZONE 'Asia/Shanghai')::date) AS day),
            joined AS (
                UPDATE stock_picking pk SET batch_id = made.id, write_uid = \(uid), write_date = now()
                FROM cand JOIN made ON made.company_id = cand.company_id AND made.picking_type_id = cand.picking_type_id
                    AND made.route = cand.route AND made.day = cand.day
                WHERE pk.id = cand.id)
            SELECT id FROM made ORDER BY id
            """).map { try $0.decode(Int64.self) }
    }

    static let job = Job("purchase.waves", "Replenishment: delivery waves", every: .seconds(900)) { context in
        let made = try await context.database.transaction(logger: context.logger) { tx in
            try await context.lease?.fence(tx)
            let env = Env.system(reason: "delivery waves", logger: context.logger)
            return try await build(RecordStore(registry: context.node.registry, tx: tx, env: env), day: nil)
        }
        if !made.isEmpty { context.logger.info("delivery waves made", metadata: ["waves": "\(made.count)"]) }
    }

    static let methods: [ModelMethod] = [
        // `replenishment.delivery.schedule.build_waves(date)`: the waves of that day's deliveries.
        ModelMethod(model: "replenishment.delivery.schedule", name: "build_waves", receiver: .model) { call in
            guard let day = call.argument(0, "date")?.stringValue, day.count == 10,
                  DeliveryDays.isDate(day) else {
                throw ChainstoreError.valueError("build_waves() takes a date, YYYY-MM-DD")
            }
            try await call.store.checkAccess(try call.store.model("stock.picking.batch"), .create)
            return .array(try await build(call.store, day: day).map(Value.int))
        },
    ]
}
