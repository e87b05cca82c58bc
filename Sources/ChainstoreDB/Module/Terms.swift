import ChainstoreCore
import Foundation

/// The modules' translations (`<web folder>/i18n/<lang>.json`: English text → translation), read
/// once at boot. The browser apps load the same files for their messages; the server translates
/// with them what Odoo translates by the context's `lang`: field labels and selection values in
/// `fields_get`, and the back office's menus.
public struct Terms: Sendable {
    private let byLanguage: [String: [String: String]]

    public init(modules: [ModuleManifest]) throws {
        var byLanguage: [String: [String: String]] = [:]
        for module in modules {
            guard let folder = module.web?.folder.appendingPathComponent("i18n"),
                let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
            else { continue }
            for file in files where file.hasSuffix(".json") {
                let data = try Data(contentsOf: folder.appendingPathComponent(file))
                guard let entries = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
                    throw ChainstoreError.validation("The catalogue \(module.name)/i18n/\(file) is not an object of texts")
                }
                byLanguage[String(file.dropLast(5)), default: [:]].merge(entries) { first, _ in first }
            }
        }
        self.byLanguage = byLanguage
    }

    /// `text` in `lang` (Odoo's code, `zh_CN`); the text itself when there is no translation.
    public func translate(_ text: String, lang: String) -> String {
        byLanguage[lang]?[text] ?? text
    }
}
