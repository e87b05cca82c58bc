import ChainstoreApp
import ChainstoreDB
import Foundation
import Testing

/// Every screen speaks zh-CN and en: each message the pages and scripts show (marked `data-i18n…`
/// in HTML, passed to `t(…)` or `N_(…)` in scripts), and each term the server translates for the
/// back office (models, field labels, selection values, menus, buttons), has its Chinese in a
/// module's catalogue, and no catalogue keeps a message nothing shows any more.
@Suite("Translations of the browser apps")
struct TranslationTests {
    static func files(_ suffix: String) throws -> [(String, String)] {
        try Modules.all.compactMap(\.web).flatMap { web in
            try FileManager.default.subpathsOfDirectory(atPath: web.folder.path).filter { $0.hasSuffix(suffix) }.map { path in
                (path, try String(contentsOf: web.folder.appendingPathComponent(path), encoding: .utf8))
            }
        }
    }

    /// The messages of the pages and scripts.
    static func messages() throws -> Set<String> {
        var found = Set<String>()
        func add(_ pattern: String, in text: String, decode: Bool) throws {
            let regex = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let range = Range(match.range(at: 1), in: text) else { continue }
                let raw = String(text[range])
                // A JavaScript string literal is read as JSON (its \u escapes); HTML text as is.
                let value = decode ? try JSONSerialization.jsonObject(with: Data("\"\(raw)\"".utf8), options: .fragmentsAllowed) as? String : raw
                found.insert((value ?? raw).trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        for (_, script) in try files(".js") {
            try add(#"\b(?:t|N_)\("((?:[^"\\]|\\.)*)""#, in: script, decode: true)
        }
        for (_, page) in try files(".html") {
            try add(#"data-i18n(?:-placeholder|-label|-alt)?="([^"]+)""#, in: page, decode: false)
            // A bare `data-i18n` translates the element's own text.
            try add(#"\sdata-i18n(?=[\s>])[^>]*>([^<]+)<"#, in: page, decode: false)
        }
        return found
    }

    /// What the server names in the user's language: every model's label, its fields' labels and
    /// selection values, the menus, their areas, the forms' buttons and the dashboard's cards.
    static func terms() throws -> Set<String> {
        let registry = try Registry(modules: Modules.all)
        var found = Set(MenuArea.allCases.map(\.label))
        for model in registry.models.values {
            found.insert(model.label)
            for field in model.fields.values {
                found.insert(field.label)
                if case .selection(let options) = field.kind { found.formUnion(options.map(\.label)) }
            }
        }
        for module in registry.modules {
            found.formUnion(module.menus.map(\.label))
            found.formUnion(module.views.flatMap(\.buttons).map(\.label))
            found.formUnion(module.dashboard.map(\.title))
        }
        return found
    }

    @Test func everyMessageHasItsChinese() throws {
        var catalogue: [String: String] = [:]
        for (path, text) in try Self.files("zh_CN.json") {
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String], "\(path)")
            catalogue.merge(entries) { first, _ in first }
        }
        let messages = try Self.messages().union(try Self.terms())
        #expect(messages.count > 40)
        #expect(messages.contains("Scan the receipt") && messages.contains("Connection lost, retrying\u{2026}") && messages.contains("Receive"))
        for message in messages.sorted() {
            #expect(catalogue[message]?.isEmpty == false, "no Chinese for \"\(message)\"")
        }
        for unused in Set(catalogue.keys).subtracting(messages).sorted() {
            Issue.record("the catalogue keeps \"\(unused)\", which nothing shows")
        }
    }
}
