import ChainstoreCore
import ChainstoreDB
import Foundation

/// Sales: quotations and sales orders with Odoo 17's names, their deliveries through the ledger.
/// A distribution centre's side of a store's order (mirrored by purchasing).
public enum Sale {
    public static let manifest = ModuleManifest(
        name: "sale", depends: ["base", "product", "stock"],
        models: [.saleOrder, .saleOrderLine],
        extending: ModelSpec.saleExtensions,
        migrations: [.createSale, .saleLinesInOrdersOrder],
        methods: methods,
        hooks: SaleOrders.hooks,
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: []),
        views: views, menus: menus)
}
