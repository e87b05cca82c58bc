import ChainstoreCore

extension Migration {
    /// Where the watch over price rules' time windows stands (see `PriceWindows`): every rule
    /// whose start or end passed before `checked_until` has been announced.
    static let priceWindows = Migration("0011_price_windows", sql: #"""
        CREATE TABLE product_price_window (
            id integer PRIMARY KEY CHECK (id = 1),
            checked_until timestamptz NOT NULL
        );
        INSERT INTO product_price_window (id, checked_until) VALUES (1, now());
        CREATE INDEX product_pricelist_item_date_start ON product_pricelist_item (date_start) WHERE date_start IS NOT NULL;
        CREATE INDEX product_pricelist_item_date_end ON product_pricelist_item (date_end) WHERE date_end IS NOT NULL;
        """#)
}
