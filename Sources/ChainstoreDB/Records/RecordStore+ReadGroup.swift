import ChainstoreCore

extension RecordStore {
    /// Odoo's `read_group`: counts and aggregates per group, grouped by fields and by date
    /// granularity (`date:day|week|month|quarter|year`), in one query.
    public func readGroup(
        _ modelName: String, domain: Domain, fields: [String], groupby: [String], offset: Int = 0, limit: Int? = nil,
        orderby: String? = nil, lazy: Bool = true
    ) async throws -> [RecordValues] {
        let model = try model(modelName)
        try await checkAccess(model, .read)
        let specs = try (lazy ? Array(groupby.prefix(1)) : groupby).map { try GroupSpec(parsing: $0, model: model, isVisible: visible) }
        let aggregates = try fields.compactMap { try Aggregate(parsing: $0, model: model, groupedBy: specs, isVisible: visible) }
        var sql = SQLBuilder("SELECT count(*)")
        for spec in specs {
            sql += ", " + spec.valueExpression
            if let display = spec.displayExpression(registry) { sql += ", " + display }
        }
        for aggregate in aggregates { sql += ", " + aggregate.expression }
        sql += " FROM \(quoted(model.table)) t WHERE "
        try whereClause(model, domain, operation: .read, into: &sql)
        if !specs.isEmpty {
            let keys = specs.map(\.groupExpression)
            sql += " GROUP BY " + keys.joined(separator: ", ")
            let order = try groupOrder(orderby, specs: specs, aggregates: aggregates)
            sql += " ORDER BY " + order
        }
        try pagination(offset: offset, limit: limit, into: &sql)
        let countKey = lazy && specs.count == 1 ? "\(specs[0].field.name)_count" : "__count"
        var groups: [RecordValues] = []
        for row in try await tx.query(sql) {
            let cells = row.makeRandomAccess()
            var group = RecordValues()
            var index = 1
            var groupDomain: [Domain] = [domain]
            var ranges = RecordValues()
            for spec in specs {
                let (value, condition, range) = try spec.decode(cells, at: &index)
                group[spec.key] = value
                groupDomain.append(condition)
                if let range { ranges[spec.key] = range }
            }
            group[countKey] = .int(try cells[0].decode(Int64.self))
            for aggregate in aggregates {
                group[aggregate.alias] = try aggregate.decode(cells[index])
                index += 1
            }
            group["__domain"] = Self.encode(.allOf(groupDomain))
            if !ranges.isEmpty { group["__range"] = .dict(ranges) }
            if lazy, groupby.count > 1 { group["__context"] = ["group_by": .array(groupby.dropFirst().map(Value.string))] }
            groups.append(group)
        }
        return groups
    }

    private func groupOrder(_ orderby: String?, specs: [GroupSpec], aggregates: [Aggregate]) throws -> String {
        guard let orderby, !orderby.isEmpty else { return specs.map { $0.orderExpression + " ASC" }.joined(separator: ", ") }
        return try orderby.split(separator: ",").map { part in
            let words = part.split(separator: " ").map(String.init)
            guard let name = words.first else { throw ChainstoreError.valueError("Invalid orderby \(orderby)") }
            let direction = words.count > 1 && words[1].lowercased() == "desc" ? " DESC" : " ASC"
            if let spec = specs.first(where: { $0.key == name || $0.field.name == name }) { return spec.orderExpression + direction }
            if let aggregate = aggregates.first(where: { $0.alias == name }) { return aggregate.expression + direction }
            if name == "__count" || name.hasSuffix("_count") { return "count(*)" + direction }
            throw ChainstoreError.valueError("Invalid orderby \(orderby): '\(name)' is not grouped or aggregated")
        }.joined(separator: ", ")
    }

    /// A domain back in Odoo's prefix-list form (for `__domain`).
    static func encode(_ domain: Domain) -> Value {
        var items: [Value] = []
        func walk(_ d: Domain) {
            switch d {
            case .all: items.append([1, "=", 1])
            case .none: items.append([0, "=", 1])
            case .leaf(let path, let op, let value): items.append([.string(path.joined(separator: ".")), .string(op.rawValue), value])
            case .not(let inner):
                items.append("!")
                walk(inner)
            case .and(let parts), .or(let parts):
                let symbol: Value = { if case .and = d { return "&" } else { return "|" } }()
                for _ in parts.dropFirst() { items.append(symbol) }
                parts.forEach(walk)
            }
        }
        if domain != .all { walk(domain) }
        return .array(items)
    }
}
