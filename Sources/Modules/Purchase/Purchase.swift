import ChainstoreCore
import ChainstoreDB
import Foundation

/// Purchasing and replenishment: reordering rules computed in set-based SQL, requests for
/// quotation and purchase orders with Odoo 17's names, approval, receipts through the ledger;
/// the supplier portal with advance shipping notices.
public enum Purchase {
    public static let manifest = ModuleManifest(
        name: "purchase", depends: ["base", "product", "stock", "sale"],
        models: [
            .procurementGroup, .stockWarehouseOrderpoint, .purchaseOrder, .purchaseOrderLine, .deliverySchedule, .purchaseAsn, .purchaseAsnPackage,
            .purchaseAsnLine,
        ],
        extending: ModelSpec.purchaseExtensions,
        migrations: [.createPurchase, .supplierPortal, .confirmedReceiptsCount, .proposalsAtScale, .proposalsPerBatch, .nextDeliveryWithoutSchedule, .forcedVendorByIndex,
                     .proposalsInMemory, .nextDeliveryInOneQuery, .rulesInLocationOrder, .linesInOrdersOrder, .rulesByBranch, .linesKeyedByOrderAndCompany,
                     .dueRulesCountedFromIndex],
        computes: [Reordering.figures],
        rules: PortalRules.all,
        methods: methods,
        hooks: PurchaseOrders.hooks,
        endpoints: StoreOrderAPI.endpoints + SupplierAPI.endpoints + PurchaseReports.endpoints,
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: [
            .init("/replenish", file: "replenish.html"), .init("/supplier", file: "supplier.html"),
        ]),
        jobs: [Reordering.job, Waves.job],
        views: views, menus: menus, dashboard: dashboard,
        demo: { database, registry, logger in try await PurchaseDemo.prepare(database, registry: registry, logger: logger) })
}
