-- Past POS orders for the ingest benchmark at size (psql -v orders=1000000 -f history.sql): copies
-- of the latest 64 paid orders (their lines and payments too) spread over the two years before
-- (each in the month it was made, with its row in the register),
-- under keys of their own, written in one transaction with triggers off (no audit rows, no
-- stock moves: only the order tables grow). Then ANALYZE.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL session_replication_role = replica;
-- The two years' monthly partitions.
SELECT chainstore_monthly_partition(t.parent, m.month::date)
FROM generate_series(date_trunc('month', now() - interval '25 months'), now() - interval '1 month', interval '1 month') m(month),
     (VALUES ('pos_order'), ('pos_order_line')) t(parent);
CREATE TEMP TABLE tpl ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM (SELECT id FROM pos_order WHERE state = 'paid' ORDER BY id DESC LIMIT 64) x;
CREATE TEMP TABLE hist ON COMMIT DROP AS
    SELECT g, nextval('pos_order_id_seq') AS id, t.id AS tpl, (g % 730)::int + 1 AS back
    FROM generate_series(1, :orders) g JOIN tpl t ON t.k = g % (SELECT count(*) FROM tpl);
INSERT INTO pos_order
SELECT (jsonb_populate_record(o, jsonb_build_object(
    'id', h.id, 'access_token', 'hist-' || h.id, 'content_hash', md5(h.id::text), 'name', 'HIST-' || h.id,
    'session_seq', 1000000000 + h.id, 'uid', 'hist-' || h.id, 'pos_reference', 'hist-' || h.id,
    'date_order', o.date_order - make_interval(days => h.back),
    'create_date', o.create_date - make_interval(days => h.back),
    'business_day', ((o.date_order - make_interval(days => h.back)) AT TIME ZONE 'Asia/Shanghai')::date))).*
FROM hist h JOIN pos_order o ON o.id = h.tpl;
-- What the register's triggers would have written (triggers are off).
INSERT INTO pos_order_register (order_id, create_date, company_id, access_token, session_id, session_seq)
SELECT h.id, o.create_date - make_interval(days => h.back), o.company_id, 'hist-' || h.id, o.session_id, 1000000000 + h.id
FROM hist h JOIN pos_order o ON o.id = h.tpl;
INSERT INTO pos_order_line
SELECT (jsonb_populate_record(l, jsonb_build_object(
    'id', nextval('pos_order_line_id_seq'), 'order_id', h.id, 'uuid', 'hist-' || h.id || '-' || l.id, 'name', 'HIST-' || h.id || '-' || l.id,
    'create_date', l.create_date - make_interval(days => h.back)))).*
FROM hist h JOIN pos_order_line l ON l.order_id = h.tpl;
INSERT INTO pos_payment
SELECT (jsonb_populate_record(p, jsonb_build_object('id', nextval('pos_payment_id_seq'), 'pos_order_id', h.id))).*
FROM hist h JOIN pos_payment p ON p.pos_order_id = h.tpl;
COMMIT;
ANALYZE pos_order;
ANALYZE pos_order_line;
ANALYZE pos_payment;
ANALYZE pos_order_register;
SELECT count(*) AS orders FROM pos_order;
