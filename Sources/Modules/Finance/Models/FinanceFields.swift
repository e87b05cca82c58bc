import ChainstoreCore

extension FieldSpec {
    /// An amount in fen (`NUMERIC(20,2)`, CNY).
    static func money(_ name: String, _ label: String, required: Bool = false) -> FieldSpec {
        .decimal(name, label, precision: 20, scale: 2, required: required)
    }

    /// A figure the finance module keeps (a balance, a valuation): read, never written by clients.
    static func kept(_ name: String, _ label: String, scale: Int = 2) -> FieldSpec {
        FieldSpec(name, label, kind: .decimal(precision: scale == 2 ? 20 : 24, scale: scale), readonly: true)
    }

    /// A figure the database derives from others (a generated column).
    static func derived(_ name: String, _ label: String) -> FieldSpec {
        FieldSpec(name, label, kind: .decimal(precision: 20, scale: 2), computedInDatabase: true)
    }

    /// A ratio such as a loan-to-value line (0.6 = 60 %).
    static func ratio(_ name: String, _ label: String, default value: Double? = nil) -> FieldSpec {
        .decimal(name, label, precision: 6, scale: 4, default: value.map { .value(.double($0)) })
    }

    static func company(_ name: String, _ label: String) -> FieldSpec {
        .many2one(name, label, to: "res.company", readonly: true, onDelete: .restrict)
    }

    static func states(_ options: [(String, String)], default value: String) -> FieldSpec {
        var field = FieldSpec.selection("state", "Status", options.map { SelectionOption($0.0, $0.1) }, required: true, default: .value(.string(value)))
        field.readonly = true
        return field
    }
}

extension ModelSpec {
    /// Who may read a finance record besides the lender's (or the programme's) company: the
    /// borrower's company and those above it (a city sees its stores' loans).
    static let borrowerReads = ["borrower_company_id"]
}
