import ChainstoreCore

/// Inventory: places (locations, warehouses, operation types) and the double-entry ledger
/// (transfers, moves, move lines, quants, lots, packages).
public enum Stock {
    public static let manifest = ModuleManifest(
        name: "stock", depends: ["base", "product"],
        models: [
            .stockLocation, .stockWarehouse, .stockPickingType, .productRemoval, .stockPutawayRule, .stockLot, .stockQuantPackage,
            .stockQuant, .stockPicking, .stockMove, .stockMoveLine, .stockBackorderConfirmation, .stockCount, .stockCountLine, .stockRFIDReader, .stockRFIDSighting, .stockRFIDAsset,
            .stockValuationLayer,
        ],
        migrations: [.createPlaces, .createLedger, .createCounts, .createRFID, .createValuation, .doneIsFinal,
            .returnsAndStoreTransfers,
        ],
        extending: ModelSpec.stockExtensions,
        extensions: Warehouses.hooks + Transfers.hooks)
}
