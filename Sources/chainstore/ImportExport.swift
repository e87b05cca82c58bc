import ArgumentParser
import ChainstoreApp
import ChainstoreCore
import Foundation

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a CSV file into a model (Odoo's import format). All or nothing: one bad row and nothing is kept.",
        discussion: """
            Columns are field names; `id` is an external id (module.name) so importing again updates instead of
            duplicating; `field/id` names a related record by external id, a bare relational column by name.
            Every bad row is reported with its line number; the exit status is 1 when the file was refused.
            """)
    @Argument(help: "Model, e.g. product.template.") var model: String
    @Argument(help: "CSV file with a header row.") var file: String
    @Option(help: "Import as this user (access rights and record rules apply).") var login: String = "admin"
    @Option(help: "Rows per batch.") var batch: Int = 2000
    @OptionGroup var database: DatabaseArguments

    func run() async throws {
        let (model, file, login, batch) = (model, file, login, batch)
        let bar = ProgressBar(label: "importing \(model)")
        let report = try await withLocation(database) { db, logger in
            try await ImportExport.importCSV(db, model: model, path: file, login: login, batchSize: batch, progress: bar.update, logger: logger)
        }
        bar.finish()
        if report.applied {
            print("imported \(report.rows) rows into \(model): \(report.created) created, \(report.updated) updated")
        } else {
            for problem in report.problems { print(problem) }
            print("\(report.problems.count) bad rows: nothing was imported")
            throw ExitCode(1)
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a model's records to a CSV file that `chainstore import` reads back.")
    @Argument(help: "Model, e.g. product.template.") var model: String
    @Argument(help: "CSV file to write.") var file: String
    @Option(help: "Comma-separated columns: id, field names, field/id for relations by external id.") var fields: String = "id,name"
    @Option(help: "Odoo domain as JSON, e.g. '[[\"sale_ok\", \"=\", true]]'.") var domain: String = "[]"
    @Option(help: "Export as this user.") var login: String = "admin"
    @OptionGroup var database: DatabaseArguments

    func run() async throws {
        let parsed = try Domain.parse(try JSONReader.parse(Array(domain.utf8)))
        let (model, file, login, columns) = (model, file, login, fields.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let bar = ProgressBar(label: "exporting \(model)")
        let count = try await withLocation(database) { db, logger in
            try await ImportExport.exportCSV(db, model: model, path: file, fields: columns, domain: parsed, login: login, progress: bar.update, logger: logger)
        }
        bar.finish()
        print("exported \(count) records of \(model) to \(file)")
    }
}

/// A one-line progress bar on standard error, drawn only on a terminal.
final class ProgressBar: Sendable {
    let label: String
    let started = ContinuousClock.now
    let enabled = isatty(STDERR_FILENO) != 0

    init(label: String) { self.label = label }

    var update: @Sendable (Int, Int) -> Void {
        { [self] done, total in update(done, total, nil) }
    }

    func update(_ done: Int, _ total: Int, _ detail: String?) {
        guard enabled else { return }
        let fraction = total > 0 ? min(Double(done) / Double(total), 1) : 0
        let filled = Int(fraction * 30)
        let seconds = Double((ContinuousClock.now - started).components.seconds) + 0.001
        let line = "\r\(label)\(detail.map { " " + $0 } ?? "") [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: 30 - filled))] "
            + "\(Int(fraction * 100))% \(done)/\(total) (\(Int(Double(done) / seconds))/s)\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
