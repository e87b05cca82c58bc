/// What happens to records pointing at a deleted record through a many2one.
public enum OnDelete: String, Sendable { case setNull = "set null", cascade, restrict }

/// The storage and wire type of a field. Names follow Odoo's `type` attribute.
public enum FieldKind: Sendable {
    case char(size: Int?)
    case text
    case html
    case integer
    /// Binary floating point (`double precision`); for measures where exactness does not matter.
    case float
    /// Exact decimal (`numeric`), reported to clients as `float` with `digits`: quantities, rates.
    case decimal(precision: Int, scale: Int)
    /// Money (`numeric`), rounded by the currency.
    case monetary(currencyField: String)
    case boolean
    case date
    case datetime
    case selection([SelectionOption])
    case many2one(comodel: String, onDelete: OnDelete)
    case one2many(comodel: String, inverse: String)
    case many2many(comodel: String, relation: String, column1: String, column2: String)
    /// Bytes stored beside the record (`bytea`), served as base64.
    case binary

    /// Odoo's `type` string for `fields_get`.
    public var typeName: String {
        switch self {
        case .char: return "char"
        case .text: return "text"
        case .html: return "html"
        case .integer: return "integer"
        case .float, .decimal: return "float"
        case .monetary: return "monetary"
        case .boolean: return "boolean"
        case .date: return "date"
        case .datetime: return "datetime"
        case .selection: return "selection"
        case .many2one: return "many2one"
        case .one2many: return "one2many"
        case .many2many: return "many2many"
        case .binary: return "binary"
        }
    }

    /// The comodel of a relational field.
    public var comodel: String? {
        switch self {
        case .many2one(let c, _), .one2many(let c, _), .many2many(let c, _, _, _): return c
        default: return nil
        }
    }

    /// Whether values live in a column of the model's own table.
    public var hasColumn: Bool {
        switch self {
        case .one2many, .many2many: return false
        default: return true
        }
    }

    public var isRelational: Bool { comodel != nil }
    public var isX2Many: Bool {
        switch self {
        case .one2many, .many2many: return true
        default: return false
        }
    }

    /// The PostgreSQL type a column of this kind must have (used by the schema check and casts).
    public var sqlType: String {
        switch self {
        case .char, .text, .html, .selection: return "text"
        case .integer: return "integer"
        case .float: return "double precision"
        case .decimal, .monetary: return "numeric"
        case .boolean: return "boolean"
        case .date: return "date"
        case .datetime: return "timestamp with time zone"
        case .many2one: return "bigint"
        case .binary: return "bytea"
        case .one2many, .many2many: return ""
        }
    }
}

extension FieldSpec {
    public static let companyBranchName = "company_branch"

    /// The branch of the row's company (`res_company.branch_id`: its ancestor just below the
    /// tree's root, a city), kept by the database. A city's users find their rows by it, one
    /// index range, instead of testing each row's company against the city's ten thousand
    /// stores. Technical: hidden but from administrators, never written by clients.
    public static var companyBranch: FieldSpec {
        FieldSpec(companyBranchName, "Company Branch", kind: .integer, computedInDatabase: true, groups: ["base.group_system"])
    }
}

public struct SelectionOption: Sendable, Hashable {
    public let value: String
    public let label: String
    public init(_ value: String, _ label: String) { self.value = value; self.label = label }
}

/// A default value: a constant, or computed from the environment (current company, user, clock).
public enum FieldDefault: Sendable {
    case value(Value)
    case compute(@Sendable (Env) -> Value)

    public func resolve(_ env: Env) -> Value {
        switch self {
        case .value(let v): return v
        case .compute(let f): return f(env)
        }
    }
}

/// One field of a model, declared as data.
public struct FieldSpec: Sendable {
    public let name: String
    public let label: String
    public let kind: FieldKind
    public var required: Bool
    public var readonly: Bool
    public var index: Bool
    public var help: String?
    public var defaultValue: FieldDefault?
    /// Kept up to date by the database (a trigger or a generated column): clients cannot write it.
    public var computedInDatabase: Bool
    /// Recorded in the audit trail (on by default; off for derived columns such as `parent_path`).
    public var audited: Bool
    /// Hidden from users outside these groups (Odoo's `groups=`): not read, not written, not listed.
    public var groups: [String]
    /// For a many2many: the records a user may link, beyond being able to read them (for example
    /// a user's companies must lie inside the companies of whoever grants them).
    public var linkDomain: (@Sendable (Env) -> Domain)?
    /// Odoo's `_inherits`: the field lives on the record this model's many2one `delegate` points
    /// to (a variant's `name` is its template's). Read, searched and sorted through that link;
    /// values written here are written there.
    public var delegate: String?
    /// For a delegated field: the database keeps a copy on this model's own table (a trigger on
    /// both tables), so filters and sorting, record rules above all, read the row itself instead
    /// of probing the parent record for every row. Reads and writes still go through `delegate`.
    public var mirrored = false
    /// For a many2one: a column of this model's table that the database keeps equal to the first
    /// key of the linked model's order (a location's full name, a purchase order's priority; a
    /// trigger on both tables). Sorting by the field sorts by that column, then by the link, in
    /// the linked model's directions (Odoo sorts a many2one by the linked model's order), so an
    /// index of this table can serve the order instead of a sort of every row it reaches.
    public var sortColumn: String?
    /// A check of a single value before it is stored (a check character, a format): returns
    /// the message of the validation error, or nil when the value is acceptable.
    public var check: (@Sendable (Value) -> String?)?

    /// A value computed by the database when read (trusted SQL over `$t`, the record's alias):
    /// readable, searchable and sortable, not stored. Values written to it are ignored by the
    /// store and left to the model's hooks (a template's `barcode` goes to its variant).
    public var sqlExpression: String?

    /// A value the owning module computes in SQL for each call, from the caller's context and
    /// companies (a product's quantity on hand in the warehouse the context names): readable,
    /// searchable and sortable, never stored or written. Its SQL is the module's `ContextualColumn`.
    public var contextual = false

    /// A value the owning module computes for a set of records once they are read (Odoo's
    /// non-stored compute): one call for the whole page, where a per-row expression would repeat
    /// a large computation for every row and field (a reordering rule's forecast and proposal).
    /// Readable, not searchable or sortable, never stored or written. The computation is the
    /// module's `RecordCompute`.
    public var computedForRecords = false

    /// Computed when read (`sqlExpression`, `contextual` or `computedForRecords`): no column,
    /// never written.
    public var computedWhenRead: Bool { sqlExpression != nil || contextual || computedForRecords }

    /// Whether the field has a column in its own model's table.
    public var isStored: Bool { kind.hasColumn && delegate == nil && !computedWhenRead }

    /// The SQL for this field's value on the row `alias` of its own model.
    public func columnSQL(alias: String) -> String {
        if let sqlExpression { return "(" + sqlExpression.replacingOccurrences(of: "$t", with: alias) + ")" }
        return "\(alias).\"\(name)\""
    }

    /// The same field computed by `sql` (see `sqlExpression`).
    public func computed(sql: String) -> FieldSpec {
        var copy = self
        copy.sqlExpression = sql
        return copy
    }

    /// The same field, computed by the owning module for the records read (see `computedForRecords`).
    public func computedForReadRecords() -> FieldSpec {
        var copy = self
        copy.computedForRecords = true
        copy.readonly = true
        copy.audited = false
        return copy
    }

    /// The same field, computed for each call by the owning module (see `contextual`).
    public func contextuallyComputed() -> FieldSpec {
        var copy = self
        copy.contextual = true
        copy.readonly = true
        copy.audited = false
        return copy
    }

    /// The same field, declared on a model that reaches it through the many2one `via` (with a
    /// copy kept on this model's table when `mirrored`).
    public func delegated(via: String, mirrored: Bool = false) -> FieldSpec {
        var copy = self
        copy.delegate = via
        copy.mirrored = mirrored
        return copy
    }

    /// The same many2one, sorted by the linked record's first order key kept in `column` (see `sortColumn`).
    public func sorted(byColumn column: String) -> FieldSpec {
        var copy = self
        copy.sortColumn = column
        return copy
    }

    /// Filters and sorting read this field from its own model's table.
    public var filteredInPlace: Bool { delegate == nil || mirrored }

    public init(
        _ name: String, _ label: String, kind: FieldKind, required: Bool = false, readonly: Bool = false,
        index: Bool = false, help: String? = nil, default defaultValue: FieldDefault? = nil,
        computedInDatabase: Bool = false, audited: Bool = true, groups: [String] = []
    ) {
        self.name = name
        self.label = label
        self.kind = kind
        self.required = required
        self.readonly = readonly || computedInDatabase
        self.index = index
        self.help = help
        self.defaultValue = defaultValue
        self.computedInDatabase = computedInDatabase
        self.audited = audited && !computedInDatabase
        self.groups = groups
        self.linkDomain = nil
        self.delegate = nil
        self.check = nil
        self.sqlExpression = nil
    }
}
