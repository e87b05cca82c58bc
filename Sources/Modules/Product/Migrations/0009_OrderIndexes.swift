import ChainstoreCore

extension Migration {
    /// Every model's default order is the start of an index (see base's order indexes).
    static let productOrderIndexes = Migration("0009_order_indexes", sql: """
        CREATE INDEX product_template_order ON product_template (priority DESC, name, id);
        CREATE INDEX product_category_order ON product_category (complete_name, id);
        CREATE INDEX product_supplierinfo_order ON product_supplierinfo (sequence, min_qty DESC, price, id);
        CREATE INDEX product_pricelist_order ON product_pricelist (sequence, id);
        CREATE INDEX product_assortment_order ON product_assortment (name, id);
        CREATE INDEX product_attribute_order ON product_attribute (sequence, id);
        CREATE INDEX account_tax_order ON account_tax (sequence, id);
        CREATE INDEX barcode_rule_order ON barcode_rule (sequence, id);
        CREATE INDEX uom_category_order ON uom_category (name, id);
        CREATE INDEX uom_uom_order ON uom_uom (factor DESC, id);
        """)
}
