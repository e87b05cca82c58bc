import ChainstoreCore

extension Migration {
    /// Goods sold only to adults (tobacco, alcohol): a product category, and everything under it,
    /// is marked `pos_age_check`; a self-checkout kiosk calls an attendant for them and the
    /// server takes no kiosk order that holds one.
    static let ageCheck = Migration("0008_age_check", sql: #"""
        ALTER TABLE product_category ADD COLUMN pos_age_check boolean NOT NULL DEFAULT false;
        CREATE INDEX product_category_pos_age_check ON product_category (id) WHERE pos_age_check;
        """#)
}
