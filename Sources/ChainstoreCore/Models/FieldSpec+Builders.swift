/// Short constructors so that a model reads as a list of fields.
extension FieldSpec {
    public static func char(
        _ name: String, _ label: String, size: Int? = nil, required: Bool = false, readonly: Bool = false,
        index: Bool = false, default d: FieldDefault? = nil, help: String? = nil
    ) -> FieldSpec {
        FieldSpec(name, label, kind: .char(size: size), required: required, readonly: readonly, index: index, help: help, default: d)
    }

    public static func text(_ name: String, _ label: String, required: Bool = false) -> FieldSpec {
        FieldSpec(name, label, kind: .text, required: required)
    }

    public static func integer(_ name: String, _ label: String, required: Bool = false, default d: FieldDefault? = nil) -> FieldSpec {
        FieldSpec(name, label, kind: .integer, required: required, default: d)
    }

    public static func float(_ name: String, _ label: String, required: Bool = false, default d: FieldDefault? = nil) -> FieldSpec {
        FieldSpec(name, label, kind: .float, required: required, default: d)
    }

    public static func decimal(
        _ name: String, _ label: String, precision: Int = 16, scale: Int = 3, required: Bool = false, default d: FieldDefault? = nil
    ) -> FieldSpec {
        FieldSpec(name, label, kind: .decimal(precision: precision, scale: scale), required: required, default: d)
    }

    public static func monetary(
        _ name: String, _ label: String, currency: String = "currency_id", required: Bool = false, default d: FieldDefault? = nil
    ) -> FieldSpec {
        FieldSpec(name, label, kind: .monetary(currencyField: currency), required: required, default: d)
    }

    public static func boolean(_ name: String, _ label: String, default d: FieldDefault? = .value(.false)) -> FieldSpec {
        FieldSpec(name, label, kind: .boolean, default: d)
    }

    public static func date(_ name: String, _ label: String, required: Bool = false, index: Bool = false, default d: FieldDefault? = nil) -> FieldSpec {
        FieldSpec(name, label, kind: .date, required: required, index: index, default: d)
    }

    public static func datetime(
        _ name: String, _ label: String, required: Bool = false, readonly: Bool = false, index: Bool = false, default d: FieldDefault? = nil
    ) -> FieldSpec {
        FieldSpec(name, label, kind: .datetime, required: required, readonly: readonly, index: index, default: d)
    }

    public static func selection(
        _ name: String, _ label: String, _ options: [SelectionOption], required: Bool = false, default d: FieldDefault? = nil
    ) -> FieldSpec {
        FieldSpec(name, label, kind: .selection(options), required: required, default: d)
    }

    /// A selection whose values are the raw values of a Swift enum.
    public static func selection<E: CaseIterable & RawRepresentable>(
        _ name: String, _ label: String, _ type: E.Type, required: Bool = false, default d: FieldDefault? = nil
    ) -> FieldSpec where E.RawValue == String {
        let options = type.allCases.map { SelectionOption($0.rawValue, $0.rawValue.capitalized) }
        return FieldSpec(name, label, kind: .selection(options), required: required, default: d)
    }

    public static func many2one(
        _ name: String, _ label: String, to comodel: String, required: Bool = false, readonly: Bool = false,
        index: Bool = true, onDelete: OnDelete = .setNull, default d: FieldDefault? = nil
    ) -> FieldSpec {
        FieldSpec(name, label, kind: .many2one(comodel: comodel, onDelete: onDelete), required: required, readonly: readonly, index: index, default: d)
    }

    public static func one2many(_ name: String, _ label: String, to comodel: String, inverse: String) -> FieldSpec {
        FieldSpec(name, label, kind: .one2many(comodel: comodel, inverse: inverse))
    }

    public static func many2many(
        _ name: String, _ label: String, to comodel: String, relation: String, column1: String, column2: String,
        linkDomain: (@Sendable (Env) -> Domain)? = nil
    ) -> FieldSpec {
        var field = FieldSpec(name, label, kind: .many2many(comodel: comodel, relation: relation, column1: column1, column2: column2))
        field.linkDomain = linkDomain
        return field
    }

    public static func binary(_ name: String, _ label: String) -> FieldSpec {
        FieldSpec(name, label, kind: .binary)
    }

    /// The same field with a value check (see `FieldSpec.check`).
    public func checked(_ check: @escaping @Sendable (Value) -> String?) -> FieldSpec {
        var copy = self
        copy.check = check
        return copy
    }
}
