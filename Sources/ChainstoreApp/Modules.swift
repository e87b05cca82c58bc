import Base
import Payment
import ChainstoreCore
import ChainstoreDB
import Product
import Stock

/// The composition root: the only place that lists every module, in dependency order.
public enum Modules {
    public static let all: [ModuleManifest] = [Base.manifest, Product.manifest, Stock.manifest, Payment.manifest]

    /// Business methods callable over RPC, from every module.
    public static let methods: [ModelMethod] = Base.methods + Product.methods + Stock.methods

    public static func registry() throws -> Registry { try Registry(modules: all) }
}
