import ChainstoreCore
import Foundation
import Mustache

/// A printed page's template: a Mustache file in a module's `Print` folder (`{{name}}` is
/// HTML-escaped, `{{{name}}}` is markup the module made, such as a barcode's SVG), rendered with
/// the Hummingbird project's swift-mustache. The pages' markup and styles live in those files,
/// not in Swift; the modules give them the values.
public struct PrintTemplate: Sendable {
    let template: MustacheTemplate
    let name: String

    /// `name`.mustache in `folder` (a module's `Bundle.module` "Print" folder); a missing or
    /// malformed template stops the node at start-up rather than at the first print.
    public init(_ folder: URL, _ name: String) {
        let file = folder.appendingPathComponent("\(name).mustache")
        do {
            template = try MustacheTemplate(string: String(contentsOf: file, encoding: .utf8))
        } catch {
            fatalError("print template \(file.path): \(error)")
        }
        self.name = name
    }

    /// The page for `context` (dictionaries, arrays, strings, booleans).
    public func render(_ context: [String: Any]) -> String {
        template.render(context)
    }
}
