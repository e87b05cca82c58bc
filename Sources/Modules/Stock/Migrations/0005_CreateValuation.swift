import ChainstoreCore

extension Migration {
    /// Valuation: a layer for every move into or out of a company's stock (quantity, unit cost,
    /// value, and for FIFO what is left of it), and each company's running quantity and value
    /// per product (the average cost is their ratio).
    static let createValuation = Migration("0005_create_valuation", sql: #"""
        CREATE TABLE stock_valuation_layer (
            id bigserial PRIMARY KEY,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            categ_id bigint REFERENCES product_category (id) ON DELETE SET NULL,
            stock_move_id bigint REFERENCES stock_move (id) ON DELETE RESTRICT,
            quantity numeric NOT NULL,
            unit_cost numeric NOT NULL,
            value numeric NOT NULL,
            remaining_qty numeric NOT NULL DEFAULT 0,
            remaining_value numeric NOT NULL DEFAULT 0,
            description text,
            create_uid bigint, create_date timestamptz NOT NULL DEFAULT now(), write_uid bigint, write_date timestamptz
        );
        CREATE INDEX stock_valuation_layer_company_id ON stock_valuation_layer (company_id);
        CREATE INDEX stock_valuation_layer_product_id ON stock_valuation_layer (product_id);
        CREATE INDEX stock_valuation_layer_categ_id ON stock_valuation_layer (categ_id);
        CREATE INDEX stock_valuation_layer_stock_move_id ON stock_valuation_layer (stock_move_id);
        CREATE INDEX stock_valuation_layer_create_date ON stock_valuation_layer (create_date);
        CREATE INDEX stock_valuation_layer_fifo ON stock_valuation_layer (company_id, product_id, id) WHERE remaining_qty > 0;
        CREATE TABLE stock_product_cost (
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE CASCADE,
            quantity numeric NOT NULL DEFAULT 0,
            value numeric NOT NULL DEFAULT 0,
            PRIMARY KEY (company_id, product_id)
        );
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            VALUES ('stock.valuation.layer user', 'stock.valuation.layer', 1, true, false, false, false);
        """#)
}
