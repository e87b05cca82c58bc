-- One POS sale of five lines, as raw SQL on the scratch tables of raw.sql: the till's receipt
-- counter, the order, its lines and payment with their audit rows, five done moves and move lines
-- with their balances and audit rows, five valuation layers and running costs. One transaction.
\set till random(1, 64)
BEGIN;
UPDATE bench_counter SET n = n + 1 WHERE id = :till;
WITH o AS (
    INSERT INTO bench_order (name, session_id, company_id, access_token, content_hash, amount_total, amount_tax, amount_paid, state, date_order,
                             create_uid, create_date, write_uid, write_date)
    VALUES ('POS/00001-0001', :till, 1, md5(random()::text), md5(random()::text), 50, 0, 50, 'paid', now(), 2, now(), 2, now()) RETURNING *),
l AS (
    INSERT INTO bench_line (order_id, product_id, qty, price_unit, price_subtotal, price_subtotal_incl, company_id, uuid,
                            create_uid, create_date, write_uid, write_date)
    SELECT o.id, :till * 5 + g, 1, 10, 10, 10, 1, md5(random()::text), 2, now(), 2, now() FROM o, generate_series(1, 5) g RETURNING *),
p AS (
    INSERT INTO bench_payment (pos_order_id, payment_method_id, amount, session_id, company_id, create_uid, create_date, write_uid, write_date)
    SELECT o.id, 1, 50, :till, 1, 2, now(), 2, now() FROM o RETURNING *)
INSERT INTO bench_audit (uid, model, record_id, operation, company_id, new_values)
SELECT 2, 'pos.order', id, 'create', 1, to_jsonb(o) FROM o
UNION ALL SELECT 2, 'pos.order.line', id, 'create', 1, to_jsonb(l) FROM l
UNION ALL SELECT 2, 'pos.payment', id, 'create', 1, to_jsonb(p) FROM p;
WITH m AS (
    INSERT INTO bench_move (name, reference, origin, product_id, product_uom_qty, product_uom, product_qty, quantity, picked, location_id,
                            location_dest_id, picking_type_id, company_id, state, date, create_uid, create_date, write_uid, write_date)
    SELECT 'POS/00001-0001', 'POS/00001-0001', 'POS/00001-0001', :till * 5 + g, 1, 1, 1, 1, true, :till, 3, 1, 1, 'done', now(), 2, now(), 2, now()
    FROM generate_series(1, 5) g RETURNING *),
ml AS (
    INSERT INTO bench_move_line (move_id, product_id, product_uom_id, quantity, quantity_product_uom, picked, location_id, location_dest_id, state,
                                 reference, company_id, date, create_uid, create_date, write_uid, write_date)
    SELECT m.id, m.product_id, 1, 1, 1, true, m.location_id, 3, 'done', m.reference, 1, now(), 2, now(), 2, now() FROM m RETURNING *),
q AS (
    INSERT INTO bench_quant (product_id, location_id, company_id, quantity, reserved_quantity, in_date, create_uid, create_date, write_uid, write_date)
    SELECT :till * 5 + g, :till, 1, -1, 0, now(), 2, now(), 2, now() FROM generate_series(1, 5) g ORDER BY 1
    ON CONFLICT (product_id, location_id, lot_id, package_id, owner_id) DO UPDATE SET quantity = bench_quant.quantity + excluded.quantity,
        write_date = now()
    RETURNING *)
INSERT INTO bench_audit (uid, model, record_id, operation, company_id, new_values)
SELECT 2, 'stock.move', id, 'create', 1, to_jsonb(m) FROM m
UNION ALL SELECT 2, 'stock.move.line', id, 'create', 1, to_jsonb(ml) FROM ml
UNION ALL SELECT 2, 'stock.quant', id, 'write', 1, to_jsonb(q) FROM q;
INSERT INTO bench_layer (company_id, product_id, stock_move_id, quantity, unit_cost, value, description, create_uid, create_date, write_uid, write_date)
SELECT 1, :till * 5 + g, g, -1, 6, -6, 'POS/00001-0001', 2, now(), 2, now() FROM generate_series(1, 5) g;
UPDATE bench_cost SET quantity = quantity - 1, value = value - 6 WHERE company_id = 1 AND product_id BETWEEN :till * 5 + 1 AND :till * 5 + 5;
COMMIT;
