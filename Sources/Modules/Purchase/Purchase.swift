import ChainstoreCore
import ChainstoreDB
import Foundation

/// Purchasing and replenishment: reordering rules computed in set-based SQL, requests for
/// quotation and purchase orders with Odoo 17's names, approval, receipts through the ledger.
public enum Purchase {
    public static let manifest = ModuleManifest(
        name: "purchase", depends: ["base", "product", "stock", "sale"],
        models: [.procurementGroup, .stockWarehouseOrderpoint, .purchaseOrder, .purchaseOrderLine, .deliverySchedule],
        extending: ModelSpec.purchaseExtensions,
        migrations: [.createPurchase],
        computes: [Reordering.figures],
        methods: methods,
        hooks: PurchaseOrders.hooks,
        endpoints: StoreOrderAPI.endpoints,
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: [.init("/replenish", file: "replenish.html")]),
        jobs: [Reordering.job, Waves.job])
}
