/// One append-only schema step of a module: applied once, in order, inside a transaction.
public struct Migration: Sendable {
    /// Sortable within the module, e.g. `0001_create_res_company`.
    public let name: String
    public let sql: String
    public init(_ name: String, sql: String) { self.name = name; self.sql = sql }
}

/// Fields a module adds to another module's model (inventory adds a category's removal
/// strategy); the columns come from the adding module's migrations.
public struct ModelExtension: Sendable {
    public let model: String
    public let fields: [FieldSpec]
    public init(model: String, fields: [FieldSpec]) { self.model = model; self.fields = fields }
}
