import ChainstoreCore

extension RecordStore {
    /// Model access rights (`ir.model.access`): granted when any line for the model, global or for
    /// one of the user's groups, allows the operation.
    public func checkAccess(_ model: ModelSpec, _ operation: Operation) async throws {
        guard !env.isSystem else { return }
        let groups = env.groups.sorted()
        let key = Self.accessKey(database: tx.database, model: model.name, operation: operation, env: env)
        let allowed: Bool
        if let known = AccessRightsCache.shared.lookup(key) {
            allowed = known
        } else {
            var sql = SQLBuilder("SELECT coalesce(bool_or(a.perm_\(unsafeRaw: operation.rawValue)), false) FROM ir_model_access a ")
            sql += "LEFT JOIN res_groups g ON g.id = a.group_id WHERE a.active AND a.model = "
            sql.bind(.text(model.name))
            sql += " AND (a.group_id IS NULL OR g.xmlid = ANY("
            sql.bind(.textArray(groups))
            sql += "))"
            allowed = try await tx.query(sql).first?.decode(Bool.self) ?? false
            AccessRightsCache.shared.store(key, allowed)
        }
        guard allowed else {
            throw ChainstoreError.accessError(
                "You are not allowed to \(Self.verb(operation)) '\(model.label)' (\(model.name)) records.")
        }
    }

    static func accessKey(database: String, model: String, operation: Operation, env: Env) -> String {
        "\(database)|\(model)|\(operation.rawValue)|" + env.groups.sorted().joined(separator: ",")
    }

    /// The access right as remembered by this node (true for the system), or nil when it has to
    /// be asked: for hot paths that answer without a round trip when they can.
    public static func cachedAccess(database: String, model: String, operation: Operation, env: Env) -> Bool? {
        if env.isSystem { return true }
        return AccessRightsCache.shared.lookup(accessKey(database: database, model: model, operation: operation, env: env))
    }

    /// The record-rule domain for `operation`: global rules AND-ed (the multi-company rule among
    /// them for company-scoped models, unless the user's companies cover the whole tree), group
    /// rules of the user's groups OR-ed.
    /// Over one of the caller's branch ranges (`part`), the multi-company rule is what remains
    /// of it for the rows of that range.
    public func ruleDomain(_ model: ModelSpec, _ operation: Operation, branch part: BranchPart = .all) -> Domain {
        guard !env.isSystem else { return .all }
        var global: [Domain] = []
        var byGroup: [Domain] = []
        // Roots covering the whole tree make "under an allowed company" true of every row.
        if model.companyScoped, !env.coversCompanyTree {
            global.append(.or(branchReach(model, operation, part) ?? companyReach(model, operation)))
        }
        for rule in registry.rules(for: model.name, operation) {
            if rule.groups.isEmpty {
                global.append(rule.domain(env))
            } else if rule.groups.contains(where: env.groups.contains) {
                byGroup.append(rule.domain(env))
            }
        }
        if !byGroup.isEmpty { global.append(.anyOf(byGroup)) }
        return .allOf(global)
    }

    /// The multi-company rule's alternatives: no company, a company under the allowed ones, a
    /// parent of them for what branches share, and the companies other paths name. Bound as the
    /// resolved company lists when the environment has them (PostgreSQL then plans with their
    /// size), else as `child_of` / `parent_of` sub-selects. A subtree of more than
    /// `CompanyReach.boundLimit` companies (a city of ten thousand stores) stays a sub-select:
    /// PostgreSQL would spend longer planning with ten thousand constants (23 ms) than running
    /// the query; the parents, few, are still bound and tested first.
    func companyReach(_ model: ModelSpec, _ operation: Operation) -> [Domain] {
        let shared = model.sharedWithBranches && operation == .read
        let ids = { (list: [Int64]) in Value.array(list.map(Value.int)) }
        let resolved = env.companyReach
        let under = resolved?.below
        // A city's ten thousand stores are the rows of the city's branch: one column.
        let own = wholeBranches(model).map { .leaf(path: [FieldSpec.companyBranchName], op: .in, value: ids($0)) } ?? underAllowed(["company_id"])
        var reach: [Domain] = [.leaf(path: ["company_id"], op: .equal, value: .false)]
        if shared {
            // The parents, few, bound when known; with a bound subtree, both in one list.
            reach.append(resolved.map { .leaf(path: ["company_id"], op: .in, value: ids((under ?? []) + $0.above)) }
                         ?? .leaf(path: ["company_id"], op: .parentOf, value: ids(env.allowedCompanyIds)))
            if under == nil { reach.append(own) }
        } else {
            reach.append(own)
        }
        if operation == .read { reach += furtherReach(model) }
        return reach
    }

    /// "The company at `path` is under an allowed one": the resolved subtree when bound, else
    /// `child_of` the allowed companies.
    private func underAllowed(_ path: [String]) -> Domain {
        guard let under = env.companyReach?.below else {
            return .leaf(path: path, op: .childOf, value: .array(env.allowedCompanyIds.map(Value.int)))
        }
        return .leaf(path: path, op: .in, value: .array(under.map(Value.int)))
    }

    /// The alternatives of a read through the model's paths to further companies
    /// (`readableByCompanies`): the company each path names is under an allowed one.
    private func furtherReach(_ model: ModelSpec) -> [Domain] {
        model.readableByCompanies.map { underAllowed($0.split(separator: ".").map(String.init)) }
    }

    /// The branches whose rows the caller may reach through `operation` by their own company
    /// (`nil` standing for rows without a branch: no company, or the group's own), when the table
    /// keeps its company's branch and the caller's companies lie in branches too many to bind (a
    /// city); nil otherwise. Each value is an index range of the table's branch indexes; the rule
    /// itself still decides each row. (A store's few companies are bound: PostgreSQL finds their
    /// rows by company.) Rows a read reaches through a path to further companies
    /// (`readableByCompanies`) may lie anywhere: they are the part `further` (`branchParts`).
    public func branchSplit(_ model: ModelSpec, _ operation: Operation) -> [Int64?]? {
        guard !env.isSystem, model.companyScoped, !env.coversCompanyTree, model.keepsCompanyBranch,
              let reach = env.companyReach, reach.below == nil, let branches = reach.branches, !branches.isEmpty else { return nil }
        let shared = model.sharedWithBranches && operation == .read
        let nullable = shared || !(model.fields["company_id"]?.required ?? false)
        return branches.map { Optional($0) } + (nullable ? [nil] : [])
    }

    /// The parts a statement over all of the caller's rows may be cut into, each read on its own
    /// (nil: no split): the branch ranges, and for a read of a model with paths to further
    /// companies, the rows only those paths reach. A split whose ranges are not whole branches
    /// (`wholeBranches`) cannot say which rows its ranges leave out: it has no `further` part
    /// and is not split when the model has paths.
    public func branchParts(_ model: ModelSpec, _ operation: Operation) -> [BranchPart]? {
        guard let split = branchSplit(model, operation) else { return nil }
        guard operation == .read, !model.readableByCompanies.isEmpty else { return split.map { .one($0) } }
        guard wholeBranches(model) != nil else { return nil }
        return split.map { .one($0) } + [.further]
    }

    /// Which of the caller's branch parts a statement reads: all, one branch range, or the rows
    /// reached only through a path to further companies.
    public enum BranchPart: Sendable, Equatable { case all, one(Int64?), further }

    /// The multi-company rule's alternatives over one branch range of a caller whose companies
    /// are whole branches (nil otherwise): in a branch's range every row is under an allowed
    /// company, the range's own condition; in the range of no branch, the rows of no company and
    /// (reading what branches share) the group's. Written as the range's condition itself, so
    /// PostgreSQL counts it once when estimating how many rows the range holds: as two
    /// different conditions it multiplied their selectivities, expected 3,000 of a city's
    /// 263,000 rules and sorted them all instead of reading the first page from the index.
    /// In the part `further`, the alternatives are the paths to further companies, over the rows
    /// outside every range (`branchDomain`).
    func branchReach(_ model: ModelSpec, _ operation: Operation, _ part: BranchPart) -> [Domain]? {
        guard let reach = env.companyReach, wholeBranches(model) != nil else { return nil }
        let value: Int64?
        switch part {
        case .all: return nil
        case .further: return furtherReach(model)
        case .one(let one): value = one
        }
        if let value { return [Self.inBranch(value)] }
        var alternatives: [Domain] = [.leaf(path: ["company_id"], op: .equal, value: .false)]
        if model.sharedWithBranches, operation == .read {
            alternatives.append(.leaf(path: ["company_id"], op: .in, value: .array(reach.above.map(Value.int))))
        }
        return alternatives
    }

    /// The caller's branches when its companies are whole branches too many to bind (a city
    /// manager's) and the table keeps the branch: "under an allowed company" is then "in one of
    /// these branches".
    func wholeBranches(_ model: ModelSpec) -> [Int64]? {
        guard model.keepsCompanyBranch, let reach = env.companyReach, reach.below == nil, reach.wholeBranches else { return nil }
        return reach.branches
    }

    /// The rows of the caller's branch ranges (`part`: one of them), AND-ed to the rules: the
    /// condition an index of the table's branch is read by. All rows when no split applies.
    func branchDomain(_ model: ModelSpec, _ operation: Operation, _ part: BranchPart) -> Domain {
        guard let parts = branchParts(model, operation), let split = branchSplit(model, operation) else { return .all }
        let values: [Int64?]
        switch part {
        case .one(let value): values = [value]
        case .all where parts.contains(.further): return .all
        case .all: values = split
        case .further: return outsideRanges(model, operation, split)
        }
        let known = values.compactMap { $0 }
        var ranges: [Domain] = known.count == 1 ? [Self.inBranch(known[0])]
            : known.isEmpty ? [] : [.leaf(path: [FieldSpec.companyBranchName], op: .in, value: .array(known.map(Value.int)))]
        if values.contains(nil) { ranges.append(.leaf(path: [FieldSpec.companyBranchName], op: .equal, value: .false)) }
        return .anyOf(ranges)
    }

    /// The rows none of the ranges `split` holds for the caller: a company (a row of no company
    /// is in the range of no branch), none of the branches, and, reading what branches share,
    /// not one of the caller's parents (also in the range of no branch).
    private func outsideRanges(_ model: ModelSpec, _ operation: Operation, _ split: [Int64?]) -> Domain {
        let branches = Value.array(split.compactMap { $0 }.map(Value.int))
        var outside: [Domain] = [
            .leaf(path: ["company_id"], op: .notEqual, value: .false),
            .or([.leaf(path: [FieldSpec.companyBranchName], op: .equal, value: .false),
                 .leaf(path: [FieldSpec.companyBranchName], op: .notIn, value: branches)]),
        ]
        if model.sharedWithBranches, operation == .read, let above = env.companyReach?.above, !above.isEmpty {
            outside.append(.leaf(path: ["company_id"], op: .notIn, value: .array(above.map(Value.int))))
        }
        return .allOf(outside)
    }

    /// One branch's rows, written the same way wherever it is used, so PostgreSQL sees one
    /// condition (an equality it merges) rather than two whose selectivities it multiplies.
    static func inBranch(_ branch: Int64) -> Domain {
        .leaf(path: [FieldSpec.companyBranchName], op: .equal, value: .int(branch))
    }

    static func verb(_ operation: Operation) -> String {
        switch operation {
        case .read: return "access"
        case .write: return "modify"
        case .create: return "create"
        case .unlink: return "delete"
        }
    }

    /// Appends the caller's record rules for `operation` over the row `alias` of `model`: a
    /// boolean expression (`TRUE` when no rule applies to the caller).
    public func appendRules(_ model: ModelSpec, _ operation: Operation, alias: String, into sql: inout SQLBuilder) throws {
        var compiler = DomainCompiler(registry: registry)
        try compiler.compileRules(ruleDomain(model, operation), model: model, alias: alias, into: &sql)
    }

    public func ruleViolation(_ model: ModelSpec, _ operation: Operation, ids: [Int64]) -> ChainstoreError {
        let list = ids.prefix(10).map(String.init).joined(separator: ", ")
        return ChainstoreError.accessError(
            "Due to security restrictions, you are not allowed to \(Self.verb(operation)) '\(model.label)' (\(model.name)) records. Records: \(list) (User: \(env.uid))")
    }

    /// Locks `ids` in a fixed order and proves each exists and passes the rules for `operation`.
    public func lockAndCheck(_ model: ModelSpec, ids: [Int64], operation: Operation) async throws {
        guard !ids.isEmpty else { return }
        var sql = SQLBuilder("SELECT t.id, ")
        try appendRules(model, operation, alias: "t", into: &sql)
        sql += " FROM \(quoted(model.table)) t WHERE t.id = ANY("
        sql.bind(.intArray(ids), cast: "bigint[]")
        sql += ") ORDER BY t.id FOR UPDATE"
        var found = Set<Int64>()
        var denied: [Int64] = []
        for row in try await tx.query(sql) {
            let (id, ok) = try row.decode((Int64, Bool?).self)
            found.insert(id)
            if ok != true { denied.append(id) }
        }
        let missing = Set(ids).subtracting(found)
        if !missing.isEmpty {
            let list = missing.sorted().prefix(10).map(String.init).joined(separator: ", ")
            throw ChainstoreError.missing(
                "Record does not exist or has been deleted.\n(Record: \(model.name)(\(list)), User: \(env.uid))")
        }
        if !denied.isEmpty { throw ruleViolation(model, operation, ids: denied) }
    }
}
