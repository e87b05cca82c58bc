import ChainstoreCore
import Foundation
import Mustache

/// A printed page's template: a Mustache file in a module's `Print` folder (`{{name}}` is
/// HTML-escaped, `{{{name}}}` is markup the module made, such as a barcode's SVG), rendered with
/// the Hummingbird project's swift-mustache. The pages' markup and styles live in those files,
/// not in Swift; the modules give them the values.
public struct PrintTemplate: Sendable {
    let template: Result<MustacheTemplate, ChainstoreError>

    /// `name`.mustache in `folder` (a module's `Bundle.module` "Print" folder), read once.
    public init(_ folder: URL, _ name: String) {
        let file = folder.appendingPathComponent("\(name).mustache")
        do {
            template = .success(try MustacheTemplate(string: String(contentsOf: file, encoding: .utf8)))
        } catch {
            template = .failure(ChainstoreError.validation("print template \(name).mustache: \(error)"))
        }
    }

    /// The page for `context` (dictionaries, arrays, strings, booleans); a template that is
    /// missing or does not parse is an error of the request that prints, not of the node.
    public func render(_ context: [String: Any]) throws -> String {
        try template.get().render(context)
    }
}
