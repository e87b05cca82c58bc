-- Scratch tables for the raw-PostgreSQL side of the POS benchmark: the same columns and indexes
-- as the tables a sale writes (orders, lines, payments, audit rows, moves, move lines, balances,
-- valuation layers, running costs), without foreign keys or triggers. Dropped and made again.
DROP TABLE IF EXISTS bench_counter, bench_order, bench_line, bench_payment, bench_audit, bench_move, bench_move_line, bench_quant,
    bench_layer, bench_cost;
CREATE TABLE bench_counter (id integer PRIMARY KEY, n integer NOT NULL DEFAULT 0);
INSERT INTO bench_counter SELECT g, 0 FROM generate_series(1, 64) g;
CREATE TABLE bench_order (LIKE pos_order INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
CREATE TABLE bench_line (LIKE pos_order_line INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
CREATE TABLE bench_payment (LIKE pos_payment INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
CREATE TABLE bench_audit (LIKE audit_log INCLUDING DEFAULTS);
ALTER TABLE bench_audit ADD PRIMARY KEY (id, at);
CREATE INDEX ON bench_audit (model, record_id);
CREATE INDEX ON bench_audit (id) WHERE seal_seq IS NULL;
CREATE TABLE bench_move (LIKE stock_move INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
CREATE TABLE bench_move_line (LIKE stock_move_line INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
CREATE TABLE bench_quant (LIKE stock_quant INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
CREATE TABLE bench_layer (LIKE stock_valuation_layer INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
CREATE TABLE bench_cost (LIKE stock_product_cost INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
INSERT INTO bench_cost (company_id, product_id, quantity, value) SELECT 1, g, 100, 600 FROM generate_series(1, 400) g;
