import Testing

@testable import Product

/// The node's compact product index against a plain model of it (dictionaries of values): the
/// same answers after loads, replacements, codes moving between variants, merges and the
/// rebuild that drops replaced text.
@Suite("Product index")
struct ProductIndexTests {
    struct Model {
        var variants: [Int64: ProductIndex.Variant] = [:]
        var codes: [String: ProductIndex.Code] = [:]
        var keys: [Int64: [String]] = [:]

        mutating func apply(_ variant: ProductIndex.Variant, codes new: [(String, ProductIndex.Code)]) {
            for key in keys[variant.id] ?? [] where codes[key]?.variant == variant.id { codes[key] = nil }
            variants[variant.id] = variant
            keys[variant.id] = new.map(\.0)
            for (key, code) in new { codes[key] = code }
        }
    }

    static func make(_ id: Int64, generation: Int, taxes: [Int64]) -> (ProductIndex.Variant, [(String, ProductIndex.Code)]) {
        let name = "产品 \(id) generation \(generation) " + String(repeating: "名", count: 30 + generation % 40)
        let barcode = generation % 5 == 4 ? nil : "69\(id * 7 + Int64(generation))"
        let sellable = generation % 7 != 6
        let variant = ProductIndex.Variant(
            id: id, template: id / 2, category: id % 9, name: name, barcode: barcode, defaultCode: "SKU\(id)",
            uom: ["Units", "kg", "箱"][Int(id % 3)], listPrice: "\(Double(id % 97) + 0.5)", cost: "\(id % 13)", taxes: taxes,
            company: id % 4 == 0 ? nil : id % 4, sellable: sellable)
        guard sellable else { return (variant, []) }
        var codes: [(String, ProductIndex.Code)] = [("r:SKU\(id)", .init(variant: id, pack: nil, quantity: "1"))]
        if let barcode { codes.append(("b:" + barcode, .init(variant: id, pack: nil, quantity: "1"))) }
        if id % 3 == 0 { codes.append(("b:CASE\(id)", .init(variant: id, pack: "Case of 12", quantity: "12"))) }
        // A shared code: the newest variant holding it wins, as in the database's own order.
        if id % 50 == 0 { codes.append(("b:SHARED\(id % 200)", .init(variant: id, pack: nil, quantity: "1"))) }
        return (variant, codes)
    }

    static func agree(_ index: ProductIndex, _ model: Model, probing ids: some Sequence<Int64>) {
        #expect(index.count == model.variants.count)
        var probes = Set(model.codes.keys)
        for id in ids { probes.formUnion(["r:SKU\(id)", "b:CASE\(id)", "b:69\(id * 7)", "b:nothing\(id)"]) }
        for key in probes {
            let found = index.lookup(key)
            let expected = model.codes[key]
            #expect(found?.1.variant == expected?.variant, "\(key)")
            #expect(found?.1.pack == expected?.pack && found?.1.quantity == expected?.quantity, "\(key)")
            if let found, let variant = model.variants[found.0.id] {
                #expect(found.0.name == variant.name && found.0.barcode == variant.barcode && found.0.defaultCode == variant.defaultCode)
                #expect(found.0.uom == variant.uom && found.0.listPrice == variant.listPrice && found.0.cost == variant.cost)
                #expect(found.0.taxes == variant.taxes && found.0.company == variant.company && found.0.category == variant.category)
                #expect(found.0.template == variant.template && found.0.sellable == variant.sellable)
            }
        }
    }

    @Test func answersAsAPlainModelThroughChangesMergesAndRebuilds() {
        var index = ProductIndex()
        var model = Model()
        let taxSets: [[Int64]] = [[], [1], [1, 2], [3]]
        for id in Int64(1)...3_000 {
            let (variant, codes) = Self.make(id, generation: 0, taxes: taxSets[Int(id % 4)])
            index.apply(variant, codes: codes)
            model.apply(variant, codes: codes)
        }
        Self.agree(index, model, probing: 1...3_000)

        // Changes arrive as a later index merged in; enough of them to rebuild the arena.
        var generator = SystemRandomNumberGenerator()
        for generation in 1...12 {
            var changes = ProductIndex()
            changes.version = Int64(generation)
            // A fetch brings each changed variant once.
            for id in Set((0..<1_500).map { _ in Int64.random(in: 1...3_200, using: &generator) }).sorted() {
                let (variant, codes) = Self.make(id, generation: generation, taxes: taxSets.randomElement(using: &generator)!)
                changes.apply(variant, codes: codes)
                model.apply(variant, codes: codes)
            }
            index.merge(changes)
            #expect(index.version == Int64(generation))
            Self.agree(index, model, probing: 1...3_200)
        }
        #expect(index.rebuilds > 0, "replaced text was dropped at least once")
    }

    /// Variants are found again by id (to be replaced) whatever order and size the ids come in:
    /// sparse ids beyond 32 bits, loaded shuffled, then each replaced.
    @Test func replacesVariantsFoundByIdInAnyOrder() {
        var generator = SystemRandomNumberGenerator()
        let ids = Array(Set((0..<5_000).map { _ in Int64.random(in: 1...(1 << 40), using: &generator) })).shuffled(using: &generator)
        var index = ProductIndex()
        var model = Model()
        for generation in 0...1 {
            for id in ids.shuffled(using: &generator) {
                let (variant, codes) = Self.make(id, generation: generation, taxes: [1])
                index.apply(variant, codes: codes)
                model.apply(variant, codes: codes)
            }
            #expect(index.count == ids.count, "each id held once after generation \(generation)")
            Self.agree(index, model, probing: ids.prefix(500))
        }
    }
}
