import Base
import CSV
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// `chainstore import` and `chainstore export`: CSV files in Odoo's import format, streamed in
/// batches through the model's `load`, as one user.
public enum ImportExport {
    /// A bad row of an import file: its line in the file (the header is line 1) and why.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public struct ImportReport: Sendable {
        public var rows = 0
        public var created = 0
        public var updated = 0
        public var problems: [Problem] = []
        public var applied: Bool { problems.isEmpty }
    }

    /// What the progress display is told after each batch.
    public typealias Progress = @Sendable (_ rowsDone: Int, _ rowsTotal: Int) -> Void

    struct Rejected: Error { let report: ImportReport }

    /// Imports `path` into `model` as `login`. All or nothing: the whole file is one transaction,
    /// every batch is checked (so every bad row is reported), and a single bad row means nothing
    /// is kept.
    public static func importCSV(
        _ database: Database, model: String, path: String, login: String, batchSize: Int = 2000, progress: Progress? = nil,
        logger: Logger
    ) async throws -> ImportReport {
        guard FileManager.default.isReadableFile(atPath: path) else { throw ChainstoreError.userError("Cannot read \(path)") }
        let total = try countRecords(path)
        let registry = try Modules.registry()
        do {
            return try await database.transaction(logger: logger) { tx in
                let env = try await EnvLoader.load(tx, uid: try await Users.uid(tx, login: login), logger: logger)
                let store = RecordStore(registry: registry, tx: tx, env: env)
                guard let stream = InputStream(fileAtPath: path) else { throw ChainstoreError.userError("Cannot read \(path)") }
                let reader: CSVReader
                do { reader = try CSVReader(stream: stream, hasHeaderRow: true) } catch {
                    throw ChainstoreError.userError("\(path): not a CSV file with a header row (\(error))")
                }
                guard let header = reader.headerRow, !header.isEmpty else { throw ChainstoreError.userError("\(path): no header row") }
                var report = ImportReport()
                var batch: [[Value]] = []
                var lines: [Int] = []
                var line = 1 + header.joined().utf8.count(where: { $0 == 10 })
                func flush() async throws {
                    guard !batch.isEmpty else { return }
                    let result = try await store.load(model, fields: header, rows: batch, rollBack: false)
                    for message in result.messages where message.type == "error" {
                        report.problems.append(Problem(line: message.record.map { lines[$0] } ?? lines[0], message: message.message))
                    }
                    if let ids = result.ids {
                        report.created += result.created
                        report.updated += ids.count - result.created
                    }
                    report.rows += batch.count
                    progress?(report.rows, total)
                    batch.removeAll(keepingCapacity: true)
                    lines.removeAll(keepingCapacity: true)
                }
                while let row = reader.next() {
                    line += 1
                    lines.append(line)
                    line += row.joined().utf8.count(where: { $0 == 10 })
                    batch.append(row.map(Value.string))
                    if batch.count >= batchSize { try await flush() }
                }
                // The reader reports the end of a file stream as `cannotReadFile` on Linux.
                if let error = reader.error, !(error is CSVError && "\(error)" == "cannotReadFile") {
                    throw ChainstoreError.userError("\(path): line \(line + 1): \(error)")
                }
                try await flush()
                if !report.applied { throw Rejected(report: report) }
                return report
            }
        } catch let rejected as Rejected {
            return rejected.report
        }
    }

    /// Records in the file (lines outside quotes), for the progress display; cheap next to the
    /// import itself.
    static func countRecords(_ path: String) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ChainstoreError.userError("Cannot read \(path)") }
        defer { try? handle.close() }
        var count = 0
        var quoted = false
        var last: UInt8 = 10
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            for byte in chunk {
                if byte == 34 { quoted.toggle() } else if byte == 10, !quoted { count += 1 }
                last = byte
            }
        }
        if last != 10 { count += 1 }
        return max(count - 1, 0)
    }

    /// Writes the records of `model` matching `domain` to `path`: `fields` as columns, the
    /// external id in `id` (records without one get `__export__.<table>_<id>`, as in Odoo, so
    /// the file can be imported back as an update), relations by display name or, as
    /// `field/id`, by external id.
    public static func exportCSV(
        _ database: Database, model: String, path: String, fields: [String], domain: Domain = .all, login: String,
        pageSize: Int = 5000, progress: Progress? = nil, logger: Logger
    ) async throws -> Int {
        let registry = try Modules.registry()
        guard let stream = OutputStream(toFileAtPath: path, append: false) else { throw ChainstoreError.userError("Cannot write \(path)") }
        let writer = try CSVWriter(stream: stream)
        try writer.write(row: fields)
        let output = SendableBox(writer)
        let count = try await database.transaction(logger: logger) { tx in
            let env = try await EnvLoader.load(tx, uid: try await Users.uid(tx, login: login), logger: logger)
            let store = RecordStore(registry: registry, tx: tx, env: env)
            let spec = try store.model(model)
            let total = try await store.searchCount(model, domain: domain)
            var columns: [(name: String, field: String, externalID: Bool)] = []
            for header in fields {
                let parts = header.split(separator: "/").map(String.init)
                if header == "id" { columns.append((header, "id", true)); continue }
                guard let field = spec.fields[parts[0]], parts.count == 1 || (parts.count == 2 && parts[1] == "id" && field.kind.isRelational) else {
                    throw ChainstoreError.valueError("Unknown column '\(header)' for model '\(model)'")
                }
                columns.append((header, parts[0], parts.count == 2))
            }
            var written = 0
            var lastID: Int64 = 0
            while true {
                let page = try await store.searchRead(
                    model, domain: .allOf([domain, .leaf("id", .greater, .int(lastID))]),
                    fields: Array(Set(columns.map(\.field).filter { $0 != "id" })), limit: pageSize, order: "id", load: .classicWrite)
                guard let last = page.last?["id"]?.intValue else { break }
                lastID = last
                let names = try await displayNames(store, spec, columns: columns, page)
                let xmlids = try await externalIDs(store, spec, columns: columns, page)
                for record in page {
                    let row = columns.map { column -> String in
                        let value = column.field == "id" ? (record["id"] ?? .false) : (record[column.field] ?? .false)
                        let comodel = column.field == "id" ? spec.name : (spec.fields[column.field]?.kind.comodel ?? "")
                        return cell(value, field: column.field == "id" ? nil : spec.fields[column.field],
                                    lookup: column.externalID ? xmlids[comodel] ?? [:] : names[column.field] ?? [:], isExternalID: column.externalID)
                    }
                    try output.value.write(row: row)
                }
                written += page.count
                progress?(written, total)
            }
            return written
        }
        writer.stream.close()
        return count
    }

    /// One CSV cell: relations through `lookup` (names or external ids), lists comma-separated.
    static func cell(_ value: Value, field: FieldSpec?, lookup: [Int64: String], isExternalID: Bool) -> String {
        if let field, field.kind.isRelational || isExternalID {
            let ids = value.idList ?? value.intValue.map { [$0] } ?? []
            return ids.compactMap { lookup[$0] }.joined(separator: ",")
        }
        if isExternalID, let id = value.intValue { return lookup[id] ?? "" }
        switch value {
        case .bool(false) where field.map({ if case .boolean = $0.kind { false } else { true } }) ?? true: return ""
        case .bool(let flag): return flag ? "True" : "False"
        case .int(let number): return String(number)
        case .double(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text): return text
        default: return ""
        }
    }

    /// Display names of the records the relational columns of `page` point to.
    static func displayNames(
        _ store: RecordStore, _ spec: ModelSpec, columns: [(name: String, field: String, externalID: Bool)], _ page: [RecordValues]
    ) async throws -> [String: [Int64: String]] {
        var names: [String: [Int64: String]] = [:]
        for column in columns where !column.externalID {
            guard let comodel = spec.fields[column.field]?.kind.comodel else { continue }
            let ids = Set(page.flatMap { $0[column.field]?.idList ?? $0[column.field]?.intValue.map { [$0] } ?? [] })
            guard !ids.isEmpty else { continue }
            let rows = try await store.read(comodel, ids: Array(ids), fields: ["display_name"])
            names[column.field] = Dictionary(rows.compactMap { row in row["id"]?.intValue.map { ($0, row["display_name"]?.stringValue ?? "") } }) { a, _ in a }
        }
        return names
    }

    /// External ids per model for the records `page` names in `id` and `field/id` columns; records
    /// without one get `__export__.<table>_<id>`.
    static func externalIDs(
        _ store: RecordStore, _ spec: ModelSpec, columns: [(name: String, field: String, externalID: Bool)], _ page: [RecordValues]
    ) async throws -> [String: [Int64: String]] {
        var wanted: [String: Set<Int64>] = [:]
        for column in columns where column.externalID {
            let model = column.field == "id" ? spec.name : spec.fields[column.field]?.kind.comodel ?? ""
            let ids = page.flatMap { $0[column.field]?.idList ?? $0[column.field]?.intValue.map { [$0] } ?? [] }
            wanted[model, default: []].formUnion(ids)
        }
        var result: [String: [Int64: String]] = [:]
        let system = store.asSystem(reason: "external ids of exported records")
        for (model, ids) in wanted where !ids.isEmpty {
            var sql = SQLBuilder("SELECT DISTINCT ON (res_id) res_id, module || '.' || name FROM ir_model_data WHERE model = ")
            sql.bind(.text(model))
            sql += " AND res_id = ANY("
            sql.bind(.intArray(Array(ids)), cast: "bigint[]")
            sql += ") ORDER BY res_id, id"
            var known: [Int64: String] = [:]
            for row in try await store.tx.query(sql) {
                let (id, xmlid) = try row.decode((Int64, String).self, context: .default)
                known[id] = xmlid
            }
            let table = try store.model(model).table
            let missing = ids.filter { known[$0] == nil }.sorted()
            _ = try await system.create("ir.model.data", missing.map {
                ["module": "__export__", "name": .string("\(table)_\($0)"), "model": .string(model), "res_id": .int($0)]
            })
            for id in missing { known[id] = "__export__.\(table)_\(id)" }
            result[model] = known
        }
        return result
    }
}

/// Lets a writer that lives on one task be used inside the transaction closure.
final class SendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
