import ChainstoreCore
import ChainstoreDB
import Foundation

/// Inventory: places (locations, warehouses, operation types) and the double-entry ledger
/// (transfers, moves, move lines, quants, lots, packages); handheld scanning (`/scan`) and RFID.
public enum Stock {
    public static let manifest = ModuleManifest(
        name: "stock", depends: ["base", "product"],
        models: [
            .stockLocation, .stockWarehouse, .stockPickingType, .productRemoval, .stockPutawayRule, .stockLot, .stockQuantPackage,
            .stockQuant, .stockPicking, .stockMove, .stockMoveLine, .stockBackorderConfirmation, .stockCount, .stockCountLine, .stockRFIDReader, .stockRFIDSighting, .stockRFIDAsset,
            .stockValuationLayer, .stockPickingBatch,
        ],
        extending: ModelSpec.stockExtensions + ProductQuantities.extensions,
        migrations: [.createPlaces, .createLedger, .createCounts, .createRFID, .createValuation, .doneIsFinal,
            .returnsAndStoreTransfers, .auditLedger, .transitPerShipment, .stockOrderIndexes, .quantityIndexes, .auditWithoutNestedLoops, .pickingBatches,
            .palletSerials, .crossDock, .openMoveIndexes, .putawayOrderIndex, .quantsByBranch,
        ],
        contextual: ProductQuantities.columns,
        methods: methods + Batches.methods,
        hooks: Warehouses.hooks + Transfers.hooks,
        endpoints: HandheldAPI.endpoints + StockReports.endpoints,
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: [.init("/scan", file: "scan.html")]),
        views: views, menus: menus, dashboard: dashboard)
}
