import OrderedCollections

/// A model declared once, as data: name, table, fields, order and how records are named.
/// Everything generic (schema check, RPC methods, domains, access, audit) is derived from it.
public struct ModelSpec: Sendable {
    public let name: String
    public let label: String
    public let table: String
    /// Declared fields plus the magic ones (`id`, `create_uid`, `create_date`, `write_uid`, `write_date`,
    /// `display_name`), keyed by name in declaration order.
    public private(set) var fields: OrderedDictionary<String, FieldSpec>
    /// Default order, Odoo's `_order` (e.g. `"sequence, name, id"`).
    public let order: String
    /// The field that names a record (Odoo's `_rec_name`).
    public let recName: String
    /// SQL expression for the display name, with `$t` standing for the table alias; trusted,
    /// written by module authors. `nil` means the `recName` column.
    public let displayNameSQL: String?
    /// Records belong to a company (`company_id`): the multi-company rule applies.
    public let companyScoped: Bool
    /// Records of a company are readable in the companies below it too (the group's catalogue
    /// and price lists reach every store; a city's reach its stores), but only changed above.
    public let sharedWithBranches: Bool
    /// The field holding the parent for `child_of` / `parent_of` (hierarchies keep a `parent_path`).
    public let parentField: String?
    /// Whether the table has a `parent_path` column (`"1/5/17/"`) maintained by the database.
    public let hasParentPath: Bool
    /// Extra fields `name_search` matches besides the display name (Odoo's `_rec_names_search`),
    /// e.g. a partner's email and reference.
    public let nameSearchFields: [String]
    /// `name_search` also matches the display name. Off where the display name is composed
    /// from several records (a variant's "[code] name (values)": matching it means building it
    /// for every row); `nameSearchFields` then say what is matched, as Odoo's own override does.
    public let nameSearchDisplay: Bool
    /// Its table's triggers write the audit rows of every change, whoever makes it (the stock
    /// ledger's tables, written by hand-made SQL too); the generic path then writes none itself.
    public let auditedInDatabase: Bool
    /// Paths to further companies that may read a record besides its own (a shipment is read by
    /// the company it is addressed to: `dest_company_id`, `picking_id.dest_company_id`).
    public let readableByCompanies: [String]

    public init(
        name: String, label: String, table: String? = nil, fields: [FieldSpec], order: String = "id",
        recName: String = "name", displayNameSQL: String? = nil, companyScoped: Bool = false,
        sharedWithBranches: Bool = false, parentField: String? = nil, hasParentPath: Bool = false, nameSearchFields: [String] = [],
        nameSearchDisplay: Bool = true, auditedInDatabase: Bool = false, readableByCompanies: [String] = []
    ) {
        self.nameSearchDisplay = nameSearchDisplay
        self.auditedInDatabase = auditedInDatabase
        self.readableByCompanies = readableByCompanies
        self.name = name
        self.label = label
        self.table = table ?? name.replacingOccurrences(of: ".", with: "_")
        var all = OrderedDictionary<String, FieldSpec>()
        all["id"] = FieldSpec("id", "ID", kind: .integer, readonly: true, audited: false)
        for field in fields { all[field.name] = field }
        if hasParentPath, all["parent_path"] == nil {
            all["parent_path"] = FieldSpec("parent_path", "Parent Path", kind: .char(size: nil), index: true, computedInDatabase: true)
        }
        all["display_name"] = FieldSpec("display_name", "Display Name", kind: .char(size: nil), readonly: true, audited: false)
        all["create_uid"] = FieldSpec("create_uid", "Created by", kind: .many2one(comodel: "res.users", onDelete: .setNull), readonly: true, audited: false)
        all["create_date"] = FieldSpec("create_date", "Created on", kind: .datetime, readonly: true, audited: false)
        all["write_uid"] = FieldSpec("write_uid", "Last Updated by", kind: .many2one(comodel: "res.users", onDelete: .setNull), readonly: true, audited: false)
        all["write_date"] = FieldSpec("write_date", "Last Updated on", kind: .datetime, readonly: true, audited: false)
        self.fields = all
        self.order = order
        self.recName = recName
        self.displayNameSQL = displayNameSQL
        self.companyScoped = companyScoped
        self.sharedWithBranches = sharedWithBranches
        self.parentField = parentField
        self.hasParentPath = hasParentPath
        self.nameSearchFields = nameSearchFields
    }

    /// The model with `added` fields declared by another module, placed before the magic fields.
    public func adding(_ added: [FieldSpec]) throws -> ModelSpec {
        var copy = self
        for field in added {
            guard copy.fields[field.name] == nil else {
                throw ChainstoreError.validation("Field \(name).\(field.name) is declared twice")
            }
            let index = copy.fields.index(forKey: "display_name") ?? copy.fields.count
            copy.fields.updateValue(field, forKey: field.name, insertingAt: index)
        }
        return copy
    }

    /// The table keeps its company's branch (`FieldSpec.companyBranch`): the multi-company rule
    /// of a city's users reads it instead of the city's companies.
    public var keepsCompanyBranch: Bool { fields[FieldSpec.companyBranchName] != nil }

    public var hasActive: Bool { fields["active"].map { if case .boolean = $0.kind { true } else { false } } ?? false }

    /// Fields stored as columns of the table, `display_name` excluded.
    public var columnFields: [FieldSpec] {
        fields.values.filter { $0.isStored && $0.name != "display_name" }
    }

    public func field(_ name: String) throws -> FieldSpec {
        guard let field = fields[name] else {
            throw ChainstoreError.valueError("Invalid field '\(name)' on model '\(self.name)'")
        }
        return field
    }
}
