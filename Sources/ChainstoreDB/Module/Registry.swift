import ChainstoreCore

/// Every model, record rule, method and hook of the loaded modules. Immutable after boot;
/// `validate()` proves the declarations hang together (run at boot and in a unit test).
public struct Registry: Sendable {
    public let models: [String: ModelSpec]
    public let modules: [ModuleManifest]
    public let rules: [RecordRule]
    /// The business methods callable over RPC, from every module.
    public let methods: MethodTable
    public let afterCreate: [AfterCreate]
    public let afterWrite: [AfterWrite]
    /// For each model, the many2one fields of any model that point at it (magic `create_uid` and
    /// `write_uid` excepted): what must happen to other records when one is deleted.
    public let incomingMany2one: [String: [(model: String, field: FieldSpec)]]
    /// For each model, the many2many fields that link to it: their link rows vanish with it.
    public let incomingMany2many: [String: [(model: String, field: FieldSpec)]]
    /// The SQL of every field computed per call, by `model.field`.
    public let contextualColumns: [String: ContextualColumn]
    /// The computation of each field computed for the records read, by `model.field`.
    public let recordComputes: [String: RecordCompute]
    /// The modules' translations, for what the server names in the user's language.
    public let terms: Terms

    public init(modules: [ModuleManifest]) throws {
        var models: [String: ModelSpec] = [:]
        for module in modules {
            for model in module.models {
                guard models[model.name] == nil else {
                    throw ChainstoreError.validation("Model \(model.name) is declared twice (module \(module.name))")
                }
                models[model.name] = model
            }
            for added in module.extending {
                guard let model = models[added.model] else {
                    throw ChainstoreError.validation("Module \(module.name) extends \(added.model), which is not loaded before it")
                }
                models[added.model] = try model.adding(added.fields)
            }
        }
        self.models = models
        self.modules = modules
        self.rules = modules.flatMap(\.rules)
        let hooks = modules.flatMap(\.hooks)
        self.afterCreate = hooks.compactMap { if case .created(let hook) = $0 { hook } else { nil } }
        self.afterWrite = hooks.compactMap { if case .written(let hook) = $0 { hook } else { nil } }
        var many2one: [String: [(model: String, field: FieldSpec)]] = [:]
        var many2many: [String: [(model: String, field: FieldSpec)]] = [:]
        for model in models.values.sorted(by: { $0.name < $1.name }) {
            for field in model.fields.values where !["create_uid", "write_uid"].contains(field.name) {
                switch field.kind {
                case .many2one(let comodel, _) where field.isStored: many2one[comodel, default: []].append((model.name, field))
                case .many2many(let comodel, _, _, _): many2many[comodel, default: []].append((model.name, field))
                default: break
                }
            }
        }
        self.incomingMany2one = many2one
        self.incomingMany2many = many2many
        var contextual: [String: ContextualColumn] = [:]
        for column in modules.flatMap(\.contextual) {
            guard models[column.model]?.fields[column.field]?.contextual == true, contextual[column.key] == nil else {
                throw ChainstoreError.validation("\(column.key) is given SQL but is not a field computed per call, or is given it twice")
            }
            contextual[column.key] = column
        }
        for model in models.values {
            for field in model.fields.values where field.contextual {
                guard contextual[model.name + "." + field.name] != nil else {
                    throw ChainstoreError.validation("\(model.name).\(field.name) is computed per call but no module gives its SQL")
                }
                switch field.kind {
                case .integer, .float, .decimal, .monetary: break
                default: throw ChainstoreError.validation("\(model.name).\(field.name): only numbers are computed per call")
                }
            }
        }
        self.contextualColumns = contextual
        var computes: [String: RecordCompute] = [:]
        for computation in modules.flatMap(\.computes) {
            for field in computation.fields {
                let key = computation.model + "." + field
                guard models[computation.model]?.fields[field]?.computedForRecords == true, computes[key] == nil else {
                    throw ChainstoreError.validation("\(key) is given a computation but is not a field computed for the records read, or is given it twice")
                }
                computes[key] = computation
            }
        }
        for model in models.values {
            for field in model.fields.values where field.computedForRecords && computes[model.name + "." + field.name] == nil {
                throw ChainstoreError.validation("\(model.name).\(field.name) is computed for the records read but no module computes it")
            }
        }
        self.recordComputes = computes
        self.methods = try MethodTable(modules.flatMap(\.methods), models: models)
        self.terms = try Terms(modules: modules)
        try validate()
    }

    public func model(_ name: String) throws -> ModelSpec {
        guard let model = models[name] else { throw ChainstoreError.userError("Object \(name) doesn't exist") }
        return model
    }

    /// Every endpoint, job and page of the modules, with the module that declares it.
    public var endpoints: [(module: String, endpoint: Endpoint)] { modules.flatMap { m in m.endpoints.map { (m.name, $0) } } }
    public var jobs: [Job] { modules.flatMap(\.jobs) }
    /// Every module's alert probes.
    public var alerts: [AlertProbe] { modules.flatMap(\.alerts) }
    /// The named bus channel families modules publish on.
    public var channels: [BusChannel] { modules.flatMap(\.channels) }

    /// Rules that apply to `model` for `operation`.
    public func rules(for model: String, _ operation: Operation) -> [RecordRule] {
        rules.filter { $0.model == model && $0.operations.contains(operation) }
    }

    public static func isIdentifier(_ name: String, dots: Bool) -> Bool {
        guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) || first == UInt8(ascii: "_") else {
            return false
        }
        return name.utf8.count <= 63 && name.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_") || (dots && $0 == UInt8(ascii: "."))
        }
    }

    func validate() throws {
        var moduleNames = Set<String>()
        for module in modules {
            guard moduleNames.insert(module.name).inserted else { throw ChainstoreError.validation("Module \(module.name) listed twice") }
            for dependency in module.depends where !moduleNames.contains(dependency) {
                throw ChainstoreError.validation("Module \(module.name) depends on \(dependency), which is not loaded before it")
            }
        }
        for model in models.values {
            guard Self.isIdentifier(model.name, dots: true), Self.isIdentifier(model.table, dots: false) else {
                throw ChainstoreError.validation("Model name \(model.name) is not a plain identifier")
            }
            for field in model.fields.values {
                // Names reach SQL text (quoted) and JSON keys, so they must be plain identifiers.
                guard Self.isIdentifier(field.name, dots: false) else {
                    throw ChainstoreError.validation("\(model.name): field name '\(field.name)' is not a plain identifier")
                }
                if let comodel = field.kind.comodel, models[comodel] == nil {
                    throw ChainstoreError.validation("\(model.name).\(field.name) points to unknown model \(comodel)")
                }
                if case .one2many(let comodel, let inverse) = field.kind {
                    guard let inv = models[comodel]?.fields[inverse], case .many2one(let back, _) = inv.kind, back == model.name else {
                        throw ChainstoreError.validation("\(model.name).\(field.name): inverse \(comodel).\(inverse) is not a many2one to \(model.name)")
                    }
                }
                if let via = field.delegate {
                    guard case .many2one(let parent, _)? = model.fields[via]?.kind, let target = models[parent]?.fields[field.name],
                        target.kind.typeName == field.kind.typeName, target.delegate == nil
                    else {
                        throw ChainstoreError.validation("\(model.name).\(field.name): delegated through \(via), which does not lead to a stored field of that name and type")
                    }
                }
                if case .monetary(let currency) = field.kind, model.fields[currency] == nil {
                    throw ChainstoreError.validation("\(model.name).\(field.name): currency field \(currency) is missing")
                }
            }
            if model.companyScoped, model.fields["company_id"] == nil {
                throw ChainstoreError.validation("\(model.name) is company-scoped but has no company_id")
            }
            for path in model.readableByCompanies {
                var current = model
                for (index, step) in path.split(separator: ".").enumerated() {
                    guard case .many2one(let comodel, _)? = current.fields[String(step)]?.kind, let next = models[comodel] else {
                        throw ChainstoreError.validation("\(model.name): readableByCompanies path \(path) is not a chain of many2one fields")
                    }
                    if index == path.split(separator: ".").count - 1, comodel != "res.company" {
                        throw ChainstoreError.validation("\(model.name): readableByCompanies path \(path) does not end at a company")
                    }
                    current = next
                }
            }
            if let parent = model.parentField, model.fields[parent] == nil {
                throw ChainstoreError.validation("\(model.name): parent field \(parent) is missing")
            }
            guard model.fields[model.recName] != nil || model.displayNameSQL != nil else {
                throw ChainstoreError.validation("\(model.name): no field \(model.recName) to name records by")
            }
            _ = try OrderSpec.parse(model.order, model: model)
            for name in model.nameSearchFields {
                guard let field = model.fields[name], field.isStored || field.delegate != nil else {
                    throw ChainstoreError.validation("\(model.name): name_search field \(name) is neither stored nor delegated")
                }
            }
        }
        for rule in rules where models[rule.model] == nil {
            throw ChainstoreError.validation("Rule \(rule.name) names unknown model \(rule.model)")
        }
        for hook in afterCreate where models[hook.model] == nil {
            throw ChainstoreError.validation("A create hook names unknown model \(hook.model)")
        }
        for hook in afterWrite {
            guard let model = models[hook.model] else { throw ChainstoreError.validation("A write hook names unknown model \(hook.model)") }
            for field in hook.fields where model.fields[field] == nil {
                throw ChainstoreError.validation("A write hook of \(hook.model) watches unknown field \(field)")
            }
        }
        try validateRuntime()
    }

    /// Routes, jobs, pages, channels and views: unique where they must be, naming what exists.
    func validateRuntime() throws {
        var routes = Set<String>()
        for (module, endpoint) in endpoints {
            guard endpoint.path.hasPrefix("/"), routes.insert("\(endpoint.method.rawValue) \(endpoint.path)").inserted else {
                throw ChainstoreError.validation("Module \(module): route \(endpoint.method.rawValue) \(endpoint.path) is declared twice or is not absolute")
            }
        }
        for page in modules.flatMap({ $0.web?.pages ?? [] }) {
            guard routes.insert("GET \(page.path)").inserted else { throw ChainstoreError.validation("Page \(page.path) is declared twice") }
        }
        var jobNames = Set<String>()
        for job in jobs where !jobNames.insert(job.name).inserted {
            throw ChainstoreError.validation("Job \(job.name) is declared twice")
        }
        var prefixes = Set<String>()
        for channel in modules.flatMap(\.channels) where channel.prefix.isEmpty || !prefixes.insert(channel.prefix).inserted {
            throw ChainstoreError.validation("Bus channel prefix '\(channel.prefix)' is empty or declared twice")
        }
        for view in modules.flatMap(\.views) {
            guard let model = models[view.model] else { throw ChainstoreError.validation("A \(view.kind.rawValue) view names unknown model \(view.model)") }
            for field in view.fields where model.fields[field] == nil {
                throw ChainstoreError.validation("The \(view.kind.rawValue) view of \(view.model) names unknown field \(field)")
            }
            for button in view.buttons where methods.method(view.model, button.method)?.receiver != .records {
                throw ChainstoreError.validation("The \(view.kind.rawValue) view of \(view.model) offers \(button.method), which is no record method")
            }
        }
        var cards = Set<String>()
        for card in modules.flatMap(\.dashboard) {
            guard let model = models[card.model], cards.insert(card.id).inserted else {
                throw ChainstoreError.validation("Dashboard card \(card.id) names unknown model \(card.model), or is declared twice")
            }
            let grouped = String(card.groupby.split(separator: ":")[0])
            let measured = card.measure.map { String($0.split(separator: ":")[0]) }
            for name in [grouped] + (measured.map { [$0] } ?? []) where model.fields[name] == nil {
                throw ChainstoreError.validation("Dashboard card \(card.id) names unknown field \(card.model).\(name)")
            }
        }
        var listed = Set<String>()
        for item in modules.flatMap(\.menus) {
            guard models[item.model] != nil, listed.insert(item.model).inserted else {
                throw ChainstoreError.validation("A menu names unknown model \(item.model), or names it twice")
            }
        }
    }
}

extension Registry {
    /// For a many2one with a `sortColumn`: the directions of the kept key and of the link when
    /// the field is sorted ascending, from the linked model's default order (its first key and
    /// its `id`, ascending when the order does not name it). Odoo sorts a many2one by the
    /// linked model's order: a location by "complete_name, id", a purchase order by
    /// "priority desc, id desc".
    public func keptSortDescending(_ field: FieldSpec) -> (column: Bool, link: Bool) {
        guard let comodel = field.kind.comodel.flatMap({ models[$0] }), let order = try? OrderSpec.parse(comodel.order, model: comodel),
              let first = order.terms.first
        else { return (false, false) }
        return (first.descending, order.terms.first(where: { $0.field == "id" })?.descending ?? false)
    }
}
