import ChainstoreCore
import ChainstoreDB
import Foundation

/// A business document as a page to print (A4, one document a page): a title, the reference,
/// facts (label and value), a table of lines and totals, in Chinese or English. Modules build
/// their documents with it and serve them at Odoo's report addresses
/// (`/report/html/<report>/<ids>` and `/report/pdf/<report>/<ids>`), so a link an Odoo user
/// knows opens the same document.
public struct PrintedDocument: Sendable {
    public struct Column: Sendable {
        public let label: String
        public let numeric: Bool

        public init(_ label: String, numeric: Bool = false) {
            self.label = label
            self.numeric = numeric
        }
    }

    public var title: String
    public var reference: String
    public var facts: [(String, String)]
    public var columns: [Column]
    public var rows: [[String]]
    public var totals: [(String, String)]

    public init(title: String, reference: String, facts: [(String, String)], columns: [Column], rows: [[String]], totals: [(String, String)] = []) {
        self.title = title
        self.reference = reference
        self.facts = facts
        self.columns = columns
        self.rows = rows
        self.totals = totals
    }

    /// The document's heading: its title and reference ("采购订单 P00012").
    public var heading: String { title + " " + reference }

    /// The language of a report request: `?lang=` (`zh_CN`, `en_US`), else the caller's context,
    /// else Chinese, the group's language.
    public static func language(_ request: EndpointRequest, _ env: Env) -> String {
        let asked = request.query["lang"] ?? env.context["lang"]?.stringValue ?? "zh_CN"
        return asked.hasPrefix("en") ? "en_US" : "zh_CN"
    }

    /// `en` or `zh` for `lang`.
    public static func text(_ lang: String, _ en: String, _ zh: String) -> String { lang == "en_US" ? en : zh }

    /// Money as printed: `¥1,234.50`.
    public static func money(_ value: Value?) -> String {
        let number = value?.doubleValue ?? value?.intValue.map(Double.init) ?? 0
        return "¥" + grouped(number, decimals: 2)
    }

    /// A quantity as printed: up to three decimals, without trailing zeros.
    public static func quantity(_ value: Value?) -> String {
        let number = value?.doubleValue ?? value?.intValue.map(Double.init) ?? 0
        var text = grouped(number, decimals: 3)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func grouped(_ number: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", abs(number))
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var whole = String(parts[0])
        var index = whole.count - 3
        while index > 0 {
            whole.insert(",", at: whole.index(whole.startIndex, offsetBy: index))
            index -= 3
        }
        return (number < 0 ? "-" : "") + whole + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// The name of a many2one as read (`[id, name]`), or "".
    public static func name(_ value: Value?) -> String { value?.arrayValue?.last?.stringValue ?? "" }

    /// A date-time as read (UTC, `YYYY-MM-DD HH:MM:SS`) shown in China time, to the minute.
    public static func chinaTime(_ value: Value?) -> String {
        guard let text = value?.stringValue, text.count >= 19 else { return "" }
        let reader = DateFormatter()
        reader.locale = Locale(identifier: "en_US_POSIX")
        reader.timeZone = TimeZone(identifier: "UTC")
        reader.dateFormat = "yyyy-MM-dd HH:mm:ss"
        guard let date = reader.date(from: String(text.prefix(19))) else { return text }
        reader.timeZone = TimeZone(identifier: "Asia/Shanghai")
        reader.dateFormat = "yyyy-MM-dd HH:mm"
        return reader.string(from: date)
    }

    /// The printed pages' template (`Print/document.mustache`).
    static let template = PrintTemplate(Bundle.module.url(forResource: "Print", withExtension: nil)!, "document")

    /// Several documents as one page to print, one a sheet, with a link to the same as a PDF
    /// file (not printed).
    public static func page(_ documents: [PrintedDocument], lang: String, pdf: String) throws -> String {
        try template.render([
            "htmlLang": lang == "en_US" ? "en" : "zh-CN",
            "pageTitle": documents.first?.heading ?? "",
            "pdf": pdf, "pdfLabel": text(lang, "Download PDF", "下载 PDF"),
            "documents": documents.map(\.context),
        ])
    }

    var context: [String: Any] {
        [
            "title": title, "reference": reference,
            "facts": facts.map { ["label": $0.0, "value": $0.1] },
            "columns": columns.map { ["label": $0.label, "numeric": $0.numeric] as [String: Any] },
            "rows": rows.map { row in ["cells": zip(columns, row).map { ["text": $1, "numeric": $0.numeric] as [String: Any] }] },
            "hasTotals": !totals.isEmpty,
            "totals": totals.map { ["label": $0.0, "value": $0.1] },
        ]
    }

    /// The ids of a report address (`/report/html/<report>/12,13`): 1 to 100 of them.
    public static func ids(_ request: EndpointRequest) throws -> [Int64] {
        let parts = (request.parameters["ids"] ?? "").split(separator: ",", omittingEmptySubsequences: false)
        let ids = parts.compactMap { Int64($0) }
        guard !ids.isEmpty, ids.count <= 100, ids.count == parts.count, ids.allSatisfy({ $0 > 0 }) else {
            throw ChainstoreError.valueError("The report needs 1 to 100 record ids, separated by commas")
        }
        return ids
    }

    /// `ids` of `model` the caller may read, all of them, or a not-found error; then the store
    /// that reads their details (names of related records the caller may not list itself).
    public static func readable(_ store: RecordStore, _ model: String, _ ids: [Int64]) async throws -> RecordStore {
        let visible = try await store.search(model, domain: .leaf("id", .in, .array(ids.map(Value.int))))
        guard Set(visible) == Set(ids) else { throw ChainstoreError.missing("No such \(model) for you: \(ids.map(String.init).joined(separator: ","))") }
        return store.asSystem(reason: "a printed document of records the caller may read")
    }

    /// The two addresses of a report, as Odoo serves them: `/report/html/<report>/{ids}`, a
    /// page to print from the browser, and `/report/pdf/<report>/{ids}`, the same documents as
    /// a PDF file. `documents` reads the records (1 to 100 ids, all readable by the caller, else
    /// not found) and builds one document each, in the request's language.
    public static func endpoints(
        _ report: String, documents: @escaping @Sendable (_ store: RecordStore, _ ids: [Int64], _ lang: String) async throws -> [PrintedDocument]
    ) -> [Endpoint] {
        @Sendable func read(_ request: EndpointRequest) async throws -> (documents: [PrintedDocument], lang: String) {
            let ids = try PrintedDocument.ids(request)
            return try await request.signedIn().read { store in
                let lang = PrintedDocument.language(request, store.env)
                return (try await documents(store, ids, lang), lang)
            }
        }
        return [
            Endpoint(.get, "/report/html/\(report)/{ids}", role: .web) { request in
                let (documents, lang) = try await read(request)
                let pdf = "/report/pdf/\(report)/\(request.parameters["ids"] ?? "")?lang=\(lang)"
                return .text(try page(documents, lang: lang, pdf: pdf), contentType: "text/html; charset=utf-8")
            },
            Endpoint(.get, "/report/pdf/\(report)/{ids}", role: .web) { request in
                let (documents, _) = try await read(request)
                let name = documents.count == 1 ? documents[0].reference : report
                let file = name.unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) ? String($0) : "_" }.joined()
                return EndpointResponse(status: 200, headers: [
                    ("Content-Type", "application/pdf"), ("Content-Disposition", "inline; filename=\"\(file).pdf\""),
                ], body: pdf(documents, title: documents.first?.heading ?? report))
            },
        ]
    }
}
