/// A parsed `order` clause (`"name desc, id"`), checked against the model's fields.
public struct OrderSpec: Sendable, Hashable {
    public struct Term: Sendable, Hashable {
        public let field: String
        public let descending: Bool
        public let nullsFirst: Bool?
    }
    public let terms: [Term]

    public static func parse(_ text: String, model: ModelSpec) throws -> OrderSpec {
        var terms: [Term] = []
        for part in text.split(separator: ",") {
            let words = part.split(separator: " ").map { $0.lowercased() }
            guard let name = words.first else { continue }
            var descending = false
            var nullsFirst: Bool?
            var rest = words.dropFirst()[...]
            if let dir = rest.first, dir == "asc" || dir == "desc" {
                descending = dir == "desc"
                rest = rest.dropFirst()
            }
            if rest == ["nulls", "first"] { nullsFirst = true; rest = [] }
            if rest == ["nulls", "last"] { nullsFirst = false; rest = [] }
            guard rest.isEmpty else { throw ChainstoreError.valueError("Invalid order \"\(text)\" on model '\(model.name)'") }
            guard let field = model.fields[name], field.kind.hasColumn || name == "display_name" else {
                throw ChainstoreError.valueError("Invalid field '\(name)' in order on model '\(model.name)'")
            }
            if field.kind.isX2Many { throw ChainstoreError.valueError("Cannot order '\(model.name)' by x2many field '\(name)'") }
            terms.append(Term(field: name, descending: descending, nullsFirst: nullsFirst))
        }
        return OrderSpec(terms: terms)
    }
}
