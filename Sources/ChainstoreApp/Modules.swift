import Base
import ChainstoreCore
import ChainstoreDB

/// The composition root: the only place that lists every module, in dependency order.
public enum Modules {
    public static let all: [ModuleManifest] = [Base.manifest]

    /// Business methods callable over RPC, from every module.
    public static let methods: [ModelMethod] = Base.methods

    public static func registry() throws -> Registry { try Registry(modules: all) }
}
