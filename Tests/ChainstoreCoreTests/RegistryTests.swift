import ChainstoreApp
import ChainstoreCore
import Testing

@Suite("Registry")
struct RegistryTests {
    @Test func loadedModulesValidate() throws {
        let registry = try Modules.registry()
        #expect(registry.models["res.partner"]?.companyScoped == true)
        #expect(registry.models["res.company"]?.hasParentPath == true)
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
}
