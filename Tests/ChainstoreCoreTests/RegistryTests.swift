import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import Foundation
import Testing

@Suite("Registry")
struct RegistryTests {
    @Test func loadedModulesValidate() throws {
        let registry = try Modules.registry()
        #expect(registry.models["res.partner"]?.companyScoped == true)
        #expect(registry.models["res.company"]?.hasParentPath == true)
        #expect(registry.methods.method("stock.picking", "button_validate") != nil)
        #expect(registry.endpoints.contains { $0.module == "payment" && $0.endpoint.path == "/api/v1/payments" })
        #expect(registry.jobs.map(\.name).contains("base.audit_seal"))
    }

    @Test func aBrokenDeclarationIsRefused() {
        let broken = ModelSpec(name: "x.broken", label: "Broken", fields: [.many2one("partner_id", "P", to: "no.such.model")])
        #expect(throws: ChainstoreError.self) {
            try Registry(modules: [ModuleManifest(name: "broken", models: [broken], migrations: [])])
        }
    }

    @Test func companyScopedNeedsCompanyField() {
        let model = ModelSpec(name: "x.scoped", label: "Scoped", fields: [.char("name", "Name")], companyScoped: true)
        #expect(throws: ChainstoreError.self) { try Registry(modules: [ModuleManifest(name: "m", models: [model], migrations: [])]) }
    }

    @Test func fieldNamesMustBePlainIdentifiers() {
        let model = ModelSpec(name: "x.names", label: "Names", fields: [.char("name'); --", "Bad")])
        #expect(throws: ChainstoreError.self) { try Registry(modules: [ModuleManifest(name: "m", models: [model], migrations: [])]) }
    }

    @Test func invalidOrderIsAValueError() throws {
        let model = try Modules.registry().model("res.partner")
        #expect(throws: ChainstoreError.self) { try OrderSpec.parse("name; DROP TABLE x", model: model) }
        #expect(try OrderSpec.parse("name desc, id", model: model).terms.count == 2)
    }

    /// Routes, jobs, hooks, methods, channels and views are checked at boot like models are.
    @Test func runtimeDeclarationsAreValidated() {
        let model = ModelSpec(name: "x.thing", label: "Thing", fields: [.char("name", "Name")])
        let ok = Endpoint(.get, "/api/v1/thing") { _ in .json(true) }
        func refused(_ module: ModuleManifest, _ because: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let error = #expect(throws: ChainstoreError.self, sourceLocation: sourceLocation) {
                try Registry(modules: [Modules.all[0], module])
            }
            #expect(error?.message.contains(because) == true, "\(error?.message ?? "")", sourceLocation: sourceLocation)
        }
        refused(ModuleManifest(name: "m", depends: ["base"], models: [model], endpoints: [ok, ok]), "declared twice")
        refused(ModuleManifest(name: "m", models: [model], jobs: [Job("m.x", every: .seconds(1)) { _ in }, Job("m.x", every: .seconds(2)) { _ in }]),
                "Job m.x is declared twice")
        refused(ModuleManifest(name: "m", models: [model], hooks: [.afterWrite("x.thing", fields: ["nope"]) { _, _, _ in }]), "unknown field nope")
        refused(ModuleManifest(name: "m", models: [model], hooks: [.afterCreate("x.other") { _, _, _ in }]), "unknown model x.other")
        refused(ModuleManifest(name: "m", models: [model], methods: [ModelMethod(model: "x.other", name: "go", receiver: .model) { _ in .true }]),
                "unknown model x.other")
        refused(ModuleManifest(name: "m", models: [model], views: [ViewSpec(model: "x.thing", kind: .list, fields: ["name", "price"])]),
                "unknown field price")
        refused(ModuleManifest(name: "m", models: [model], channels: [BusChannel(prefix: "m.a") { _, _ in true }, BusChannel(prefix: "m.a") { _, _ in true }]),
                "declared twice")
        refused(ModuleManifest(name: "m", depends: ["stock"], models: [model]), "depends on stock")
        let computed = ModelSpec(name: "x.thing", label: "Thing", fields: [.char("name", "Name"), FieldSpec("score", "Score", kind: .float).computedForReadRecords()])
        refused(ModuleManifest(name: "m", models: [computed]), "no module computes it")
        refused(ModuleManifest(name: "m", models: [model], computes: [RecordCompute(model: "x.thing", fields: ["name"]) { _, _, _ in [:] }]),
                "not a field computed for the records read")
        #expect(throws: Never.self) { try Registry(modules: [Modules.all[0], ModuleManifest(name: "m", models: [model], endpoints: [ok])]) }
    }

    /// A module target's dependencies on other modules are exactly its manifest's `depends`, so
    /// the compiler's view of the layers and the registry's agree (read from `Package.swift` by
    /// SwiftPM itself).
    @Test func moduleTargetsDependOnWhatTheirManifestsDeclare() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // A scratch folder of its own: `swift test` holds the lock of the package's `.build`.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("chainstore-manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        process.arguments = ["swift", "package", "--package-path", root.path, "--scratch-path", scratch.path, "dump-package"]
        // Into a file, waited for without holding a thread (two cores, sixty tests beside it),
        // and for five minutes at most: a SwiftPM that never ends fails the test, not the run.
        let output = scratch.appendingPathComponent("package.json")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        let giveUp = ContinuousClock.now + .seconds(300)
        while process.isRunning, ContinuousClock.now < giveUp { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        #expect(!process.isRunning && process.terminationStatus == 0, "swift package dump-package ended within 5 minutes")
        let data = try Data(contentsOf: output)
        let package = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let targets = try #require(package["targets"] as? [[String: Any]])
        // A module target lives in Sources/Modules/<Target>; its manifest is named like it
        // (lower case, words joined by underscores: PointOfSale → point_of_sale).
        let modules = targets.filter { ($0["path"] as? String)?.hasPrefix("Sources/Modules/") == true }
        func targetName(_ module: String) -> String? {
            modules.compactMap { $0["name"] as? String }.first { $0.lowercased() == module.replacingOccurrences(of: "_", with: "") }
        }
        #expect(Set(Modules.all.compactMap { targetName($0.name) }).count == modules.count, "every module target is listed in Modules.all")
        for manifest in Modules.all {
            let name = try #require(targetName(manifest.name), "module \(manifest.name) has no target in Sources/Modules")
            let target = try #require(modules.first { $0["name"] as? String == name })
            let dependencies = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { ($0["byName"] as? [Any])?.first as? String }
            let moduleDependencies = Set(dependencies.filter { dependency in modules.contains { $0["name"] as? String == dependency } })
            #expect(moduleDependencies == Set(manifest.depends.compactMap(targetName)), "\(name) depends on \(moduleDependencies.sorted())")
        }
    }
}
