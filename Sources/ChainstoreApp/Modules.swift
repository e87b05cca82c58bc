import Base
import ChainstoreDB
import Finance
import IoT
import Payment
import PointOfSale
import Product
import Purchase
import Sale
import Stock

/// The composition root: the only place that lists every module, in dependency order. A node,
/// the migrator and the tests build themselves from this list.
public enum Modules {
    public static let all: [ModuleManifest] = [Base.manifest, Product.manifest, Stock.manifest, Payment.manifest, PointOfSale.manifest, Sale.manifest, Purchase.manifest, IoT.manifest, Finance.manifest]

    public static func registry() throws -> Registry { try Registry(modules: all) }
}
