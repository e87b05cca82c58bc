import ChainstoreCore
import ChainstoreDB
import Foundation

extension Migration {
    /// The proposals of a batch without spilling to disk or probing row by row, with the same
    /// figures (checked on 100-store batches of the full demo group, orders needed or not, and
    /// with every rule's figures: the same rows, quantities and vendors):
    /// - a batch's places are read into two arrays and unnested, so the planner expects a
    ///   hundred of them, not the 18 million its range estimate gave: the open moves' check
    ///   "does the move leave the store?" hashed those 200 places into 256 batches of temporary
    ///   files, 150 ms of a batch's 450;
    /// - `work_mem` is 64 MB for the function (a batch is at most 50,000 rules), so the hashes
    ///   the planner overestimates (the rules needing an order, their candidates) stay in
    ///   memory instead of going to disk in 4 to 8 batches;
    /// - the rules needing an order take their product's template and unit from the batch's
    ///   products (500) and their company's path and lead days from the batch's companies
    ///   (100) by hash, instead of three index probes a rule; vendor prices are read once per
    ///   product (`prices`), not per rule, and a vendor's "active" is checked once per vendor,
    ///   not per candidate.
    /// A batch's proposals on the full demo group: 340–430 ms before, 230 ms after.
    static let proposalsInMemory = Migration("0008_proposals_in_memory", sql: """
        CREATE OR REPLACE FUNCTION stock_orderpoint_proposals(ids bigint[], today date, every boolean DEFAULT true, companies bigint[] DEFAULT NULL::bigint[])
         RETURNS TABLE(orderpoint_id bigint, qty_on_hand numeric, qty_forecast numeric, qty_to_order numeric, lead_days numeric, daily_sales numeric, daily_sales_deviation numeric, order_up_to numeric, vendor_id bigint, supplier_id bigint, price_unit numeric, uom_id bigint, exception text)
         LANGUAGE sql
         STABLE
         SET jit TO 'off'
         SET enable_mergejoin TO 'off'
         SET work_mem TO '64MB'
        AS $function$
        WITH op AS MATERIALIZED (
            SELECT o.id, o.location_id, o.product_id, o.company_id, o.product_min_qty AS min_qty, o.replenish_method AS method,
               o.supplier_id AS forced, o.product_max_qty AS max_qty, o.qty_multiple AS multiple, o.visibility_days, o.velocity_weeks, o.review_days, o.service_factor
            FROM stock_warehouse_orderpoint o WHERE o.id = ANY(ids)
            UNION ALL
            SELECT o.id, o.location_id, o.product_id, o.company_id, o.product_min_qty, o.replenish_method,
                   o.supplier_id AS forced, o.product_max_qty AS max_qty, o.qty_multiple AS multiple, o.visibility_days, o.velocity_weeks, o.review_days, o.service_factor
            FROM stock_warehouse_orderpoint o
            WHERE o.company_id = ANY(companies) AND o.active AND o.trigger = 'auto' AND (o.snoozed_until IS NULL OR o.snoozed_until <= today)),
        size AS MATERIALIZED (SELECT count(*) AS rules FROM op),
        products AS MATERIALIZED (
            SELECT p.id AS product_id, t.uom_id AS uom, p.product_tmpl_id AS template
            FROM (SELECT DISTINCT product_id FROM op) d JOIN product_product p ON p.id = d.product_id JOIN product_template t ON t.id = p.product_tmpl_id),
        buyers AS MATERIALIZED (
            SELECT c.id, string_to_array(rtrim(c.parent_path, '/'), '/')::bigint[] AS path, c.po_lead + c.days_to_purchase AS days
            FROM (SELECT DISTINCT company_id FROM op) d JOIN res_company c ON c.id = d.company_id),
        roots AS MATERIALIZED (
            SELECT r.location_id, l.parent_path AS path FROM (SELECT DISTINCT location_id FROM op) r JOIN stock_location l ON l.id = r.location_id),
        places AS MATERIALIZED (
            SELECT x.root, x.loc FROM (
                SELECT array_agg(r.location_id) AS roots, array_agg(l.id) AS locs
                FROM roots r JOIN stock_location l ON l.parent_path ~>=~ r.path AND l.parent_path ~<~ (left(r.path, -1) || '0')) a
            CROSS JOIN LATERAL unnest(a.roots, a.locs) AS x(root, loc)),
        -- Balances and requests for quotation: for a few rules from their products (a
        -- distribution centre holds every product), for a batch from its places (a store holds
        -- a few hundred); one branch runs, the other is cut by its one-time filter.
        on_hand AS (
            SELECT pl.root, q.product_id, sum(q.quantity) AS qty
            FROM products pr JOIN stock_quant q ON q.product_id = pr.product_id JOIN places pl ON pl.loc = q.location_id
            WHERE (SELECT rules FROM size) <= 64
            GROUP BY 1, 2
            UNION ALL
            SELECT pl.root, q.product_id, sum(q.quantity)
            FROM places pl CROSS JOIN LATERAL (SELECT q.product_id, q.quantity FROM stock_quant q WHERE q.location_id = pl.loc OFFSET 0) q
            WHERE (SELECT rules FROM size) > 64 AND q.product_id IN (SELECT product_id FROM products)
            GROUP BY 1, 2),
            open_moves AS MATERIALIZED (
                SELECT m.root, m.product_id, CASE WHEN m.purchase_line_id IS NOT NULL THEN today ELSE (m.date AT TIME ZONE 'Asia/Shanghai')::date END AS day,
                       sum(coalesce(m.product_qty, m.product_uom_qty)) AS qty
                FROM (SELECT pl.root, m.product_id, m.purchase_line_id, m.date, m.product_qty, m.product_uom_qty, m.location_id AS other
              FROM stock_move m JOIN places pl ON pl.loc = m.location_dest_id
              WHERE (SELECT rules FROM size) <= 64 AND m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned') AND m.product_id IN (SELECT product_id FROM products)
              UNION ALL
              SELECT pl.root, m.product_id, m.purchase_line_id, m.date, m.product_qty, m.product_uom_qty, m.other
              FROM places pl CROSS JOIN LATERAL (
                  SELECT m.product_id, m.purchase_line_id, m.date, m.product_qty, m.product_uom_qty, m.location_id AS other FROM stock_move m
                  WHERE m.location_dest_id = pl.loc AND m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned') OFFSET 0) m
              WHERE (SELECT rules FROM size) > 64) m
                WHERE NOT EXISTS (SELECT 1 FROM places x WHERE x.root = m.root AND x.loc = m.other)
                GROUP BY 1, 2, 3
                UNION ALL
                SELECT m.root, m.product_id, (m.date AT TIME ZONE 'Asia/Shanghai')::date, -sum(coalesce(m.product_qty, m.product_uom_qty))
                FROM (SELECT pl.root, m.product_id, m.purchase_line_id, m.date, m.product_qty, m.product_uom_qty, m.location_dest_id AS other
              FROM stock_move m JOIN places pl ON pl.loc = m.location_id
              WHERE (SELECT rules FROM size) <= 64 AND m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned') AND m.product_id IN (SELECT product_id FROM products)
              UNION ALL
              SELECT pl.root, m.product_id, m.purchase_line_id, m.date, m.product_qty, m.product_uom_qty, m.other
              FROM places pl CROSS JOIN LATERAL (
                  SELECT m.product_id, m.purchase_line_id, m.date, m.product_qty, m.product_uom_qty, m.location_dest_id AS other FROM stock_move m
                  WHERE m.location_id = pl.loc AND m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned') OFFSET 0) m
              WHERE (SELECT rules FROM size) > 64) m
                WHERE NOT EXISTS (SELECT 1 FROM places x WHERE x.root = m.root AND x.loc = m.other)
                GROUP BY 1, 2, 3),
        quoted_lines AS (
            SELECT pl.root, l.product_id, l.product_qty, l.product_uom
            FROM products pr JOIN purchase_order_line l ON l.product_id = pr.product_id
            JOIN purchase_order po ON po.id = l.order_id AND po.state IN ('draft', 'sent', 'to approve')
            JOIN stock_picking_type pt ON pt.id = po.picking_type_id JOIN places pl ON pl.loc = pt.default_location_dest_id
            WHERE (SELECT rules FROM size) <= 64
            UNION ALL
            SELECT pl.root, l.product_id, l.product_qty, l.product_uom
            FROM places pl CROSS JOIN LATERAL (
                SELECT l.product_id, l.product_qty, l.product_uom FROM stock_picking_type pt
                JOIN purchase_order po ON po.picking_type_id = pt.id AND po.state IN ('draft', 'sent', 'to approve')
                JOIN purchase_order_line l ON l.order_id = po.id WHERE pt.default_location_dest_id = pl.loc OFFSET 0) l
            WHERE (SELECT rules FROM size) > 64 AND l.product_id IN (SELECT product_id FROM products)),
        quoted AS (
            SELECT ql.root, ql.product_id, sum(CASE WHEN ql.product_uom = pr.uom THEN ql.product_qty ELSE chainstore_uom_convert(ql.product_qty, ql.product_uom, pr.uom) END) AS qty
            FROM quoted_lines ql JOIN products pr ON pr.product_id = ql.product_id
            GROUP BY 1, 2),
        moved AS (SELECT DISTINCT root, product_id FROM open_moves),
        base AS MATERIALIZED (
            SELECT op.*, coalesce(oh.qty, 0) AS on_hand, coalesce(oh.qty, 0) + coalesce(qu.qty, 0) AS settled, md.root IS NOT NULL AS moving
            FROM op LEFT JOIN on_hand oh ON oh.root = op.location_id AND oh.product_id = op.product_id
            LEFT JOIN quoted qu ON qu.root = op.location_id AND qu.product_id = op.product_id
            LEFT JOIN moved md ON md.root = op.location_id AND md.product_id = op.product_id),
        pending AS MATERIALIZED (
            SELECT b.*, pr.template, pr.uom, bu.path AS companies, bu.days AS company_days
            FROM base b JOIN products pr ON pr.product_id = b.product_id JOIN buyers bu ON bu.id = b.company_id
            WHERE every OR b.method = 'velocity' OR b.moving OR b.settled < b.min_qty),
        prices AS MATERIALIZED (
            SELECT pr.product_id, s.id AS line, s.partner_id, s.sequence, s.min_qty, s.price, s.delay, s.company_id
            FROM products pr CROSS JOIN LATERAL (
                SELECT s.* FROM product_supplierinfo s WHERE s.product_id = pr.product_id
                UNION ALL
                SELECT s.* FROM product_supplierinfo s WHERE s.product_tmpl_id = pr.template AND s.product_id IS NULL OFFSET 0) s
            WHERE (s.date_start IS NULL OR s.date_start <= today) AND (s.date_end IS NULL OR s.date_end >= today)
              AND EXISTS (SELECT 1 FROM pending pd WHERE pd.product_id = pr.product_id AND pd.forced IS NULL)),
        candidates AS MATERIALIZED (
            SELECT pd.id, s.id AS line, s.partner_id, s.sequence, s.min_qty, s.price, s.delay, 0 AS rank
            FROM pending pd CROSS JOIN LATERAL (
            SELECT s.id, s.partner_id, s.sequence, s.min_qty, s.price, s.delay FROM product_supplierinfo s WHERE s.id = pd.forced OFFSET 0) s
        WHERE pd.forced IS NOT NULL
            UNION ALL
            SELECT pd.id, s.line, s.partner_id, s.sequence, s.min_qty, s.price, s.delay, 1
            FROM pending pd JOIN prices s ON s.product_id = pd.product_id
            WHERE pd.forced IS NULL AND (s.company_id IS NULL OR s.company_id = ANY(pd.companies))),
        vendor AS MATERIALIZED (
            SELECT DISTINCT ON (c.id) c.id, c.partner_id, c.delay
            FROM candidates c JOIN (
                SELECT d.partner_id FROM (SELECT DISTINCT partner_id FROM candidates) d
                WHERE EXISTS (SELECT 1 FROM res_partner v WHERE v.id = d.partner_id AND v.active OFFSET 0)) v ON v.partner_id = c.partner_id
            ORDER BY c.id, c.rank, c.sequence, c.min_qty DESC, c.price, c.line),
        lead AS MATERIALIZED (
            SELECT pd.id, coalesce(v.delay, 0) + pd.company_days AS days, v.partner_id, pd.location_id, pd.product_id, pd.visibility_days, pd.moving
            FROM pending pd LEFT JOIN vendor v ON v.id = pd.id),
        moving AS (
            SELECT ld.id, sum(mv.qty) AS qty
            FROM lead ld JOIN open_moves mv ON mv.root = ld.location_id AND mv.product_id = ld.product_id
            WHERE ld.moving AND mv.day <= today + ceil(ld.days + ld.visibility_days)::int
            GROUP BY 1),
        sold AS (
            SELECT pl.root, m.product_id, (m.date AT TIME ZONE 'Asia/Shanghai')::date AS day, sum(m.product_qty) AS qty
            FROM stock_move m JOIN places pl ON pl.loc = m.location_id JOIN stock_location cl ON cl.id = m.location_dest_id AND cl.usage = 'customer'
            WHERE m.state = 'done' AND m.product_id IN (SELECT product_id FROM op WHERE method = 'velocity')
              AND m.date >= ((today - 7 * (SELECT max(velocity_weeks) FROM pending WHERE method = 'velocity'))::timestamp AT TIME ZONE 'Asia/Shanghai')
              AND m.date < (today::timestamp AT TIME ZONE 'Asia/Shanghai')
            GROUP BY 1, 2, 3
            UNION ALL
            SELECT pl.root, m.product_id, (m.date AT TIME ZONE 'Asia/Shanghai')::date, -sum(m.product_qty)
            FROM stock_move m JOIN places pl ON pl.loc = m.location_dest_id JOIN stock_location cl ON cl.id = m.location_id AND cl.usage = 'customer'
            WHERE m.state = 'done' AND m.product_id IN (SELECT product_id FROM op WHERE method = 'velocity')
              AND m.date >= ((today - 7 * (SELECT max(velocity_weeks) FROM pending WHERE method = 'velocity'))::timestamp AT TIME ZONE 'Asia/Shanghai')
              AND m.date < (today::timestamp AT TIME ZONE 'Asia/Shanghai')
            GROUP BY 1, 2, 3),
        daily AS (
            SELECT pd.id, s.day, sum(s.qty) AS qty
            FROM pending pd JOIN sold s ON s.root = pd.location_id AND s.product_id = pd.product_id
            WHERE pd.method = 'velocity' AND s.day >= today - 7 * pd.velocity_weeks
            GROUP BY 1, 2),
        velocity AS (
            SELECT d.id, sum(d.qty) AS total, sum(d.qty * d.qty) AS squares FROM daily d GROUP BY 1),
        figures AS (
            SELECT pd.*, ld.days AS lead, ld.partner_id AS vendor, pd.settled + coalesce(mv.qty, 0) AS forecast,
                   CASE WHEN pd.method = 'velocity' THEN coalesce(ve.total, 0) / (7 * pd.velocity_weeks) END AS ads,
                   CASE WHEN pd.method = 'velocity'
                        THEN sqrt(greatest(coalesce(ve.squares, 0) / (7 * pd.velocity_weeks) - (coalesce(ve.total, 0) / (7 * pd.velocity_weeks)) ^ 2, 0)) END AS sd
            FROM pending pd LEFT JOIN lead ld ON ld.id = pd.id LEFT JOIN moving mv ON mv.id = pd.id LEFT JOIN velocity ve ON ve.id = pd.id),
        targets AS (
            SELECT f.*,
                   CASE WHEN f.method = 'velocity'
                        THEN round(CASE WHEN f.max_qty > 0 THEN least(greatest(f.ads * (f.lead + f.review_days) + f.service_factor * f.sd * sqrt(f.lead + f.review_days), f.min_qty), f.max_qty)
                                        ELSE greatest(f.ads * (f.lead + f.review_days) + f.service_factor * f.sd * sqrt(f.lead + f.review_days), f.min_qty) END, 3)
                        ELSE greatest(f.min_qty, f.max_qty) END AS up_to
            FROM figures f),
        needs AS MATERIALIZED (
            SELECT t.*,
                   CASE WHEN (t.method = 'velocity' AND t.forecast < t.up_to) OR (t.method = 'min_max' AND t.forecast < t.min_qty)
                        THEN CASE WHEN t.multiple > 0 THEN ceil(round(t.up_to - t.forecast, 3) / t.multiple) * t.multiple ELSE round(t.up_to - t.forecast, 3) END
                        ELSE 0 END AS raw
            FROM targets t),
        priced AS (
            SELECT n.id, greatest(n.raw, min(c.min_qty)) AS qty
            FROM needs n JOIN candidates c ON c.id = n.id AND c.partner_id = n.vendor
            WHERE n.raw > 0 GROUP BY n.id, n.raw),
        price AS (
            SELECT DISTINCT ON (p.id) p.id, p.qty, c.line, c.price
            FROM priced p JOIN needs n ON n.id = p.id JOIN candidates c ON c.id = p.id AND c.partner_id = n.vendor AND c.min_qty <= p.qty
            ORDER BY p.id, c.price, c.rank, c.sequence, c.line)
        SELECT n.id, n.on_hand, n.forecast, coalesce(pr.qty, n.raw), n.lead, round(n.ads, 4), round(n.sd, 4),
               CASE WHEN n.method = 'velocity' THEN n.up_to END, n.vendor, pr.line, pr.price, n.uom,
               CASE WHEN n.raw > 0 AND n.vendor IS NULL
                    THEN 'There is no matching vendor price to generate the purchase order for product ' || n.product_id
                         || ': set a vendor on the product (product.supplierinfo) or on the rule.' END
        FROM needs n LEFT JOIN price pr ON pr.id = n.id
        $function$;
        """)
}
