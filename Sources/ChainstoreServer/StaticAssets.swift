import ChainstoreCore
import ChainstoreDB
import Foundation
import HTTPTypes
import Hummingbird

/// The modules' browser pages and static files, read once when the node starts.
///
/// Every file is served at `/assets/<module>/<path>` with a hash of its content in the name
/// (`/assets/stock/scan.1f3a….js`) and `Cache-Control: immutable`, so nginx or a CDN may keep it
/// for a year and a new release is picked up at once. Pages and styles name files as
/// `{{asset module/path}}`, rewritten here to those names; a name that does not exist stops the
/// node. Pages are served at their route, never cached, with a policy that allows only this
/// origin's scripts, styles and API. A page may be a script too (a service worker, which must
/// live at a route of the pages it controls, e.g. `/pos-sw.js`): it is rewritten like a page and
/// served at its route only, never cached.
public struct StaticAssets: Sendable {
    public struct File: Sendable {
        public let contentType: String
        public let body: [UInt8]
    }

    /// Hashed URL path → file.
    public private(set) var files: [String: File] = [:]
    /// `module/path` → hashed URL path.
    public private(set) var names: [String: String] = [:]
    /// Page route → (role, content type, rendered page, whether it is the back office's).
    public private(set) var pages: [String: (role: NodeRole, contentType: String, body: [UInt8], backOffice: Bool)] = [:]

    public init(modules: [ModuleManifest]) throws {
        var sources: [(name: String, url: URL)] = []
        var pageBodies: [String: [UInt8]] = [:]
        for module in modules {
            guard let web = module.web else { continue }
            guard let walker = FileManager.default.enumerator(at: web.folder, includingPropertiesForKeys: [.isRegularFileKey]) else {
                throw ChainstoreError.validation("The web folder of module \(module.name) (\(web.folder.path)) cannot be read.")
            }
            let root = web.folder.standardizedFileURL.path
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                let relative = String(url.standardizedFileURL.path.dropFirst(root.count).drop { $0 == "/" })
                sources.append((module.name + "/" + relative, url))
            }
            for (name, path) in web.system where FileManager.default.isReadableFile(atPath: path) {
                sources.append((module.name + "/" + name, URL(fileURLWithPath: path)))
            }
        }
        // Files that name no others first, then styles (they may name fonts or images), then pages.
        let pageFiles = Set(modules.flatMap { module in (module.web?.pages ?? []).map { module.name + "/" + $0.file } })
        let rank = { (name: String) -> Int in name.hasSuffix(".html") || pageFiles.contains(name) ? 2 : name.hasSuffix(".css") ? 1 : 0 }
        for (name, url) in sources.sorted(by: { (rank($0.name), $0.name) < (rank($1.name), $1.name) }) {
            var body = try Array(Data(contentsOf: url))
            if rank(name) > 0 { body = try Array(rewrite(String(decoding: body, as: UTF8.self), in: name).utf8) }
            let dot = name.lastIndex(of: ".") ?? name.endIndex
            let path = "/assets/" + name[..<dot] + "." + Self.digest(body) + name[dot...]
            names[name] = path
            // Pages are served at their route only, with their policy: never as cacheable files.
            if rank(name) == 2 { pageBodies[name] = body } else { files[path] = File(contentType: Self.contentType(name), body: body) }
        }
        for module in modules {
            for page in module.web?.pages ?? [] {
                guard let body = pageBodies[module.name + "/" + page.file] else {
                    throw ChainstoreError.validation("Page \(page.path) of module \(module.name) names a missing page \(page.file).")
                }
                pages[page.path] = (page.role, Self.contentType(page.file), body, page.backOffice)
            }
        }
    }

    /// `{{asset module/path}}` → the file's hashed path; `{{asset? module/path}}` → the same, or
    /// nothing when the file is not served (a system package that is not installed).
    func rewrite(_ text: String, in file: String) throws -> String {
        var out = ""
        var rest = text[...]
        while let open = rest.range(of: "{{asset") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw ChainstoreError.validation("\(file): an {{asset …}} reference is not closed.")
            }
            var reference = rest[open.upperBound..<close.lowerBound]
            let optional = reference.hasPrefix("?")
            if optional { reference = reference.dropFirst() }
            let name = reference.trimmingCharacters(in: .whitespaces)
            if let path = names[name] {
                out += path
            } else if !optional {
                throw ChainstoreError.validation("\(file) names \(name), which no module serves.")
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// 64-bit FNV-1a of the content, in hex: a cache key, not a security measure.
    static func digest(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last.map(String.init) ?? "" {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "woff2": "font/woff2"
        default: "application/octet-stream"
        }
    }
}

extension Router where Context == ChainstoreRequestContext {
    /// Serves the pages of the roles this node has (those of the back office, or the others, or
    /// all: `backOffice` nil), and every static file.
    public func addStaticAssets(_ assets: StaticAssets, roles: Set<NodeRole>, backOffice: Bool? = nil) {
        get("/assets/**") { request, _ in
            guard let file = assets.files[request.uri.path] else { throw HTTPError(.notFound) }
            var headers: HTTPFields = [.contentType: file.contentType, .cacheControl: "public, max-age=31536000, immutable"]
            headers[.xContentTypeOptions] = "nosniff"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.body)))
        }
        for (path, page) in assets.pages where roles.contains(page.role) && (backOffice == nil || backOffice == page.backOffice) {
            get(RouterPath(path)) { _, _ in
                var headers: HTTPFields = [.contentType: page.contentType, .cacheControl: "no-cache"]
                headers[.contentSecurityPolicy] = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                    + "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
                headers[.xContentTypeOptions] = "nosniff"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: page.body)))
            }
        }
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}
