// libFuzzer target for the domain parser and `distributingNot()` (ChainstoreCore's
// Domain+Parse.swift, Domain+Negation.swift, with JSONReader). Built and run by
// `scripts/fuzz domain`; not part of any SwiftPM target.
//
// The input is read as JSON. When it parses as a domain `d`, with `n = d.distributingNot()`:
//  1. `n` is in negation normal form: a `.not` only ever wraps a leaf whose operator has no
//     negation (so never an `.and`, `.or`, `.not`, `.all` or `.none`);
//  2. `distributingNot()` is idempotent: `n.distributingNot() == n`;
//  3. negating twice is the identity: `(!(!d))` and `!(!d)`'s own normal form give `n` again;
//  4. it keeps the meaning: under deterministic truth assignments to the leaves (a leaf with a
//     negated operator being the opposite of its positive form), `d` and `n` agree, and
//     `!d` disagrees with both;
//  5. it keeps the fields that are mentioned (`mentions(field:)`).
// Any failure stops the run with `fatalError`.

import ChainstoreCore

func check(_ condition: Bool, _ what: String, _ input: UnsafeBufferPointer<UInt8>, _ detail: @autoclosure () -> String) {
    guard !condition else { return }
    fatalError("Domain property failed: \(what)\n\(detail())\ninput: \(String(decoding: input, as: UTF8.self).debugDescription)")
}

/// Whether `.not` wraps only leaves that have no negated operator.
func isNormal(_ d: Domain) -> Bool {
    switch d {
    case .all, .none, .leaf: return true
    case .and(let parts), .or(let parts): return parts.allSatisfy(isNormal)
    case .not(.leaf(_, let op, _)): return op.negation == nil
    case .not: return false
    }
}

/// FNV-1a, so that runs are reproducible (Swift's Hasher is seeded per process).
struct FNV {
    var state: UInt64
    init(seed: UInt64) { state = 0xcbf2_9ce4_8422_2325 ^ seed }
    mutating func add(_ s: String) {
        for b in s.utf8 { state = (state ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = (state ^ 0xFF) &* 0x100_0000_01b3
    }
}

/// A two-valued model: each positive leaf gets a pseudo-random truth value; a leaf whose operator
/// is the negation of another is the opposite of that one.
func evaluate(_ d: Domain, seed: UInt64) -> Bool {
    switch d {
    case .all: return true
    case .none: return false
    case .and(let parts): return parts.allSatisfy { evaluate($0, seed: seed) }
    case .or(let parts): return parts.contains { evaluate($0, seed: seed) }
    case .not(let inner): return !evaluate(inner, seed: seed)
    case .leaf(let path, let op, let value):
        var canonical = op
        if let negation = op.negation, negation.rawValue < op.rawValue { canonical = negation }
        var h = FNV(seed: seed)
        for part in path { h.add(part) }
        h.add(canonical.rawValue)
        h.add(value.description)
        let bit = (h.state >> 29) & 1 == 1
        return canonical == op ? bit : !bit
    }
}

/// First path elements of all leaves.
func heads(_ d: Domain, into out: inout Set<String>) {
    switch d {
    case .all, .none: break
    case .leaf(let path, _, _): if let first = path.first { out.insert(first) }
    case .and(let parts), .or(let parts): for p in parts { heads(p, into: &out) }
    case .not(let inner): heads(inner, into: &out)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let json = try? JSONReader.parse(Array(input)) else { return 0 }
    guard let d = try? Domain.parse(json) else { return 0 }

    let n = d.distributingNot()
    check(isNormal(n), "distributingNot() left a NOT above a non-leaf or a negatable leaf", input, "domain: \(d)\nresult: \(n)")
    let nn = n.distributingNot()
    check(nn == n, "distributingNot() is not idempotent", input, "once: \(n)\ntwice: \(nn)")

    check(Domain.not(.not(d)).distributingNot() == n, "!!d is not d", input, "domain: \(d)")
    let m = Domain.not(d).distributingNot()
    check(isNormal(m), "negation left a NOT above a non-leaf", input, "domain: \(d)\nnegated: \(m)")
    let back = Domain.not(m).distributingNot()
    check(back == n, "negating the negation does not give the domain back", input, "domain: \(n)\nnegated twice: \(back)")

    for seed: UInt64 in [1, 2, 3] {
        let truth = evaluate(d, seed: seed)
        check(evaluate(n, seed: seed) == truth, "distributingNot() changed the meaning", input, "domain: \(d)\nresult: \(n)\nseed: \(seed)")
        check(evaluate(m, seed: seed) == !truth, "negation does not negate", input, "domain: \(d)\nnegated: \(m)\nseed: \(seed)")
    }

    var fields = Set<String>()
    heads(d, into: &fields)
    for field in fields {
        check(n.mentions(field: field), "distributingNot() lost field \(field)", input, "domain: \(d)\nresult: \(n)")
    }
    var after = Set<String>()
    heads(n, into: &after)
    check(after == fields, "distributingNot() changed the fields", input, "before: \(fields)\nafter: \(after)")
    return 0
}
