import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// A pallet addressed to a company (ours: a supplier's pallet packed for one store, received
    /// at the DC and sent on whole): only that company's deliveries take from it.
    static let crossDock = Migration("0015_cross_dock", sql: #"""
        ALTER TABLE stock_quant_package ADD COLUMN ship_to_company_id bigint REFERENCES res_company (id) ON DELETE SET NULL;
        CREATE INDEX stock_quant_package_ship_to_company_id ON stock_quant_package (ship_to_company_id) WHERE ship_to_company_id IS NOT NULL;
        """#)
}
