import ChainstoreCore

/// Record rules of the base module. Company-scoped models also get the core's multi-company
/// rule; these cover the models that are not company-scoped.
enum BaseRules {
    static let all: [RecordRule] = [companyVisible, companyWritable, groupsVisible]

    static func allowed(_ env: Env) -> Value { .array(env.allowedCompanyIds.map(Value.int)) }

    /// A user sees the companies under their allowed ones, and the parents above them (names in
    /// the hierarchy), but changes only those under.
    static let companyVisible = RecordRule("res.company: visible tree", model: "res.company", operations: [.read]) { env in
        if env.coversCompanyTree { return .all }
        if let below = env.companyReach?.below, let above = env.companyReach?.above {
            return .leaf("id", .in, .array((below + above).map(Value.int)))
        }
        return .or([.leaf("id", .childOf, allowed(env)), .leaf("id", .parentOf, allowed(env))])
    }

    static let companyWritable = RecordRule(
        "res.company: own subtree", model: "res.company", operations: [.write, .create, .unlink]
    ) { env in
        env.coversCompanyTree ? .all : .leaf("id", .childOf, allowed(env))
    }

    /// Groups are visible to everyone; changing them is for administrators (access rights).
    static let groupsVisible = RecordRule("res.groups: all", model: "res.groups", operations: [.read]) { _ in .all }
}
