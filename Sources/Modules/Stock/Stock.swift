import ChainstoreCore

/// Inventory: places first (locations, warehouses, operation types).
public enum Stock {
    public static let manifest = ModuleManifest(
        name: "stock", depends: ["base", "product"],
        models: [.stockLocation, .stockWarehouse, .stockPickingType],
        migrations: [.createPlaces],
        extensions: Warehouses.hooks)
}
