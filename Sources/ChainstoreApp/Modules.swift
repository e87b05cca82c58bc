import Base
import ChainstoreCore

/// The composition root: the only place that lists every module, in dependency order.
public enum Modules {
    public static let all: [ModuleManifest] = [Base.manifest]

    public static func registry() throws -> Registry { try Registry(modules: all) }
}
