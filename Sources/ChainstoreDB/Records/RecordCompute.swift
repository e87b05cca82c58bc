import ChainstoreCore

/// The computation of fields a module computes for the records read (Odoo's non-stored
/// compute): given the ids of a page (already read under the caller's rules), the values of
/// `fields` for each, in one call. Records it leaves out read as False.
public struct RecordCompute: Sendable {
    public let model: String
    public let fields: [String]
    public let compute: @Sendable (RecordStore, [Int64], Set<String>) async throws -> [Int64: RecordValues]

    public init(
        model: String, fields: [String], compute: @escaping @Sendable (RecordStore, [Int64], Set<String>) async throws -> [Int64: RecordValues]
    ) {
        self.model = model
        self.fields = fields
        self.compute = compute
    }
}

extension RecordStore {
    /// Splits `names` into the fields read by SQL and those computed for the records read.
    func splitComputed(_ model: ModelSpec, _ names: [String]) -> (sql: [String], computed: [String]) {
        var sql: [String] = []
        var computed: [String] = []
        for name in names {
            if model.fields[name]?.computedForRecords == true { computed.append(name) } else { sql.append(name) }
        }
        return (sql, computed)
    }

    /// Adds the values of `names` (fields computed for the records read) to `records`: one call
    /// per computation the fields belong to.
    func fillComputed(_ model: ModelSpec, _ names: [String], into records: inout [RecordValues]) async throws {
        guard !names.isEmpty, !records.isEmpty else { return }
        let ids = records.compactMap { $0["id"]?.intValue }
        var pending = names
        while let first = pending.first {
            guard let computation = registry.recordComputes[model.name + "." + first] else {
                throw ChainstoreError.valueError("Field '\(first)' on model '\(model.name)' has no computation")
            }
            let covered = Set(pending.filter(computation.fields.contains))
            pending.removeAll(where: covered.contains)
            let values = try await computation.compute(self, ids, covered)
            for index in records.indices {
                let own = records[index]["id"]?.intValue.flatMap { values[$0] }
                for name in covered { records[index][name] = own?[name] ?? .false }
            }
        }
    }

    static func notSearchable(_ model: ModelSpec, _ field: String) -> ChainstoreError {
        ChainstoreError.valueError("Field '\(field)' on model '\(model.name)' is computed for the records read: it cannot be searched, sorted or grouped")
    }
}
