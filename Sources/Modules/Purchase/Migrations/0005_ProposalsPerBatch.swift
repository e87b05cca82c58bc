import ChainstoreCore
import ChainstoreDB
import Foundation

extension Migration {
    /// What a batch of the reordering run spent outside its own rows (measured on 100 stores'
    /// 50,000 rules), with the same figures:
    /// - a batch's open moves are all the open moves of its places: filtering them by the
    ///   batch's products made the planner probe every place once per product (100,000 index
    ///   probes for 200 places), and moves of other products join no rule anyway;
    /// - the batch's products carry their unit, read once: the quantities already requested
    ///   join them instead of hashing every product of the catalogue, and a request in the
    ///   product's own unit is not converted;
    /// - a scheduled batch names its companies (`companies`: their automatic rules due
    ///   `today`), read from the company index in one pass, instead of 50,000 rule ids the run
    ///   first collected and the function then looked up one by one; "a few rules or a batch"
    ///   is the count of rules read;
    /// - the rules' own figures are read once, with the rules, and the rules needing an order
    ///   look up their product, company and vendor one by one: the planner's guess for a batch
    ///   of companies grows with the table, and at 200,000 stores it hashed every rule (100 M,
    ///   54 s per batch), every company and every partner instead.
    static let proposalsPerBatch = Migration("0005_proposals_per_batch", sql: replacingOnce(proposalsAtScaleText, [
        ("CREATE OR REPLACE FUNCTION stock_orderpoint_proposals(ids bigint[], today date, every boolean DEFAULT true)", """
            DROP FUNCTION stock_orderpoint_proposals(bigint[], date, boolean);
            CREATE FUNCTION stock_orderpoint_proposals(ids bigint[], today date, every boolean DEFAULT true, companies bigint[] DEFAULT NULL)
            """),
        ("o.product_min_qty AS min_qty, o.replenish_method AS method", """
            o.product_min_qty AS min_qty, o.replenish_method AS method,
                   o.supplier_id AS forced, o.product_max_qty AS max_qty, o.qty_multiple AS multiple, o.visibility_days, o.velocity_weeks, o.review_days, o.service_factor
            """),
        ("SELECT b.*, o.supplier_id AS forced, o.product_max_qty AS max_qty, o.qty_multiple AS multiple, o.visibility_days, o.velocity_weeks,",
         "SELECT b.*,"),
        ("o.review_days, o.service_factor, p.product_tmpl_id AS template, t.uom_id AS uom,", "p.product_tmpl_id AS template, p.uom_id AS uom,"),
        ("FROM base b JOIN stock_warehouse_orderpoint o ON o.id = b.id JOIN product_product p ON p.id = b.product_id", """
            FROM base b CROSS JOIN LATERAL (
                SELECT p.product_tmpl_id, t.uom_id FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id
                WHERE p.id = b.product_id OFFSET 0) p
            """),
        ("JOIN product_template t ON t.id = p.product_tmpl_id JOIN res_company c ON c.id = b.company_id",
         "CROSS JOIN LATERAL (SELECT c.parent_path, c.po_lead, c.days_to_purchase FROM res_company c WHERE c.id = b.company_id OFFSET 0) c"),
        ("FROM candidates c JOIN res_partner v ON v.id = c.partner_id AND v.active",
         "FROM candidates c WHERE EXISTS (SELECT 1 FROM res_partner v WHERE v.id = c.partner_id AND v.active OFFSET 0)"),
        ("FROM stock_warehouse_orderpoint o WHERE o.id = ANY(ids)),", """
            FROM stock_warehouse_orderpoint o WHERE o.id = ANY(ids)
                UNION ALL
                SELECT o.id, o.location_id, o.product_id, o.company_id, o.product_min_qty, o.replenish_method,
                       o.supplier_id AS forced, o.product_max_qty AS max_qty, o.qty_multiple AS multiple, o.visibility_days, o.velocity_weeks, o.review_days, o.service_factor
                FROM stock_warehouse_orderpoint o
                WHERE o.company_id = ANY(companies) AND o.active AND o.trigger = 'auto' AND (o.snoozed_until IS NULL OR o.snoozed_until <= today)),
            size AS MATERIALIZED (SELECT count(*) AS rules FROM op),
            """),
        ("products AS MATERIALIZED (SELECT DISTINCT product_id FROM op),", """
            products AS MATERIALIZED (
                SELECT p.id AS product_id, t.uom_id AS uom
                FROM (SELECT DISTINCT product_id FROM op) d JOIN product_product p ON p.id = d.product_id JOIN product_template t ON t.id = p.product_tmpl_id),
            """),
        ("sum(chainstore_uom_convert(ql.product_qty, ql.product_uom, t.uom_id)) AS qty",
         "sum(CASE WHEN ql.product_uom = pr.uom THEN ql.product_qty ELSE chainstore_uom_convert(ql.product_qty, ql.product_uom, pr.uom) END) AS qty"),
        ("FROM quoted_lines ql JOIN product_product p ON p.id = ql.product_id JOIN product_template t ON t.id = p.product_tmpl_id",
         "FROM quoted_lines ql JOIN products pr ON pr.product_id = ql.product_id"),
    ]).replacingEach("WHERE cardinality(ids) > 64 AND m.product_id IN (SELECT product_id FROM products)) m", times: 2, with: "WHERE cardinality(ids) > 64) m")
        .replacingEach("cardinality(ids)", times: 8, with: "(SELECT rules FROM size)"))
}
