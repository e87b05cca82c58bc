import ChainstoreCore

extension RecordStore {
    /// Odoo's `fields_get`: attributes of every visible field, or of `names` (unknown ones ignored),
    /// restricted to `attributes` when given.
    public func fieldsGet(_ modelName: String, names: [String]? = nil, attributes: [String]? = nil) async throws -> RecordValues {
        let model = try model(modelName)
        try await checkAccess(model, .read)
        var result = RecordValues()
        for field in model.fields.values where visible(field) {
            if let names, !names.isEmpty, !names.contains(field.name) { continue }
            var info = describe(field, in: model)
            if let attributes, !attributes.isEmpty { info = info.filter { attributes.contains($0.key) } }
            result[field.name] = .dict(info)
        }
        return result
    }

    func describe(_ field: FieldSpec, in model: ModelSpec) -> RecordValues {
        var info: RecordValues = [
            "type": .string(field.kind.typeName),
            "string": .string(registry.terms.translate(field.label, lang: env.lang)),
            "required": .bool(field.required),
            "readonly": .bool(field.readonly || field.computedWhenRead),
            "store": .bool(field.name != "display_name" && field.isStored || field.kind.isX2Many && field.delegate == nil),
            "searchable": .true,
            "sortable": .bool(field.kind.hasColumn && !field.kind.isX2Many),
            "related": field.delegate.map { .string("\($0).\(field.name)") } ?? .false,
            "manual": .false,
            "depends": .array([]),
            "company_dependent": .false,
        ]
        if let help = field.help { info["help"] = .string(help) }
        switch field.kind {
        case .char(let size):
            info["translate"] = .false
            if let size { info["size"] = .int(Int64(size)) }
        case .text, .html: info["translate"] = .false
        case .decimal(let precision, let scale): info["digits"] = .array([.int(Int64(precision)), .int(Int64(scale))])
        case .monetary(let currency): info["currency_field"] = .string(currency)
        case .selection(let options):
            info["selection"] = .array(options.map { .array([.string($0.value), .string(registry.terms.translate($0.label, lang: env.lang))]) })
        case .many2one(let comodel, _), .many2many(let comodel, _, _, _):
            info["relation"] = .string(comodel)
            info["domain"] = .array([])
            info["context"] = .dict([:])
        case .one2many(let comodel, let inverse):
            info["relation"] = .string(comodel)
            info["relation_field"] = .string(inverse)
            info["domain"] = .array([])
            info["context"] = .dict([:])
        default: break
        }
        if field.name == "display_name" { info["depends"] = .array([.string(model.recName)]) }
        return info
    }

    /// Odoo's `default_get`: context `default_*` first, then field defaults; many2one as an id.
    public func defaultGet(_ modelName: String, fields names: [String]) async throws -> RecordValues {
        let model = try model(modelName)
        try await checkAccess(model, .read)
        var result = RecordValues()
        for name in names {
            guard let field = model.fields[name], visible(field) else { continue }
            if let value = env.context["default_\(name)"] {
                result[name] = value
            } else if let fieldDefault = field.defaultValue {
                result[name] = fieldDefault.resolve(env)
            }
        }
        return result
    }

    /// Odoo's `name_search`: records whose display name matches, with the extra domain `args`,
    /// as `[id, display_name]` pairs in the model's order.
    public func nameSearch(
        _ modelName: String, name: String = "", args: Domain = .all, op: DomainOperator = .ilike, limit: Int? = 100
    ) async throws -> [Value] {
        let model = try model(modelName)
        try await checkAccess(model, .read)
        var domain = args
        if !name.isEmpty || ![DomainOperator.ilike, .like, .equalIfSet].contains(op) {
            let fields = (model.nameSearchDisplay ? ["display_name"] : []) + model.nameSearchFields
            let matches = fields.map { Domain.leaf(path: [$0], op: op, value: .string(name)) }
            domain = .allOf([args, op.positive == nil ? .anyOf(matches) : .allOf(matches)])
        }
        var sql = SQLBuilder("SELECT t.id, \(unsafeRaw: DomainCompiler.displayExpression(model, alias: "t"))::text FROM \(table: model) t WHERE ")
        try whereClause(model, domain, operation: .read, into: &sql)
        try orderClause(model, nil, into: &sql)
        try pagination(offset: 0, limit: limit, into: &sql)
        return try await tx.query(sql).map { row in
            let (id, display) = try row.decode((Int64, String?).self)
            return .array([.int(id), .string(display ?? "")])
        }
    }
}
