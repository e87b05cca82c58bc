import ChainstoreCore
import ChainstoreDB
import Foundation

extension Product {
    /// Business methods of the catalogue callable over RPC.
    public static let methods: [ModelMethod] = [
        // `product.pricelist.price_lines([[product_id, qty], …], company_id=None, date=None)`:
        // the batch pricing of `Pricing.price`, one dictionary per line.
        ModelMethod(model: "product.pricelist", name: "price_lines", receiver: .model) { call in
            guard let given = call.argument(0, "lines")?.arrayValue else {
                throw ChainstoreError.typeError("price_lines() takes a list of [product_id, quantity] pairs")
            }
            let lines = try given.map { item -> Pricing.Line in
                guard let pair = item.arrayValue, pair.count == 2, let id = pair[0].intValue, let qty = pair[1].doubleValue ?? pair[1].intValue.map(Double.init)
                else { throw ChainstoreError.valueError("price_lines(): each line is [product_id, quantity], not \(item)") }
                return Pricing.Line(productId: id, quantity: Decimal(string: String(qty)) ?? Decimal(qty))
            }
            let company = call.argument(1, "company_id")?.intValue ?? call.store.env.companyId
            let date = call.argument(2, "date")?.stringValue
            let priced = try await Pricing.price(call.store, company: company, date: date, lines: lines)
            return .array(priced.map { p in
                .dict([
                    "product_id": .int(p.productId), "quantity": .number(p.quantity), "price_unit": .number(p.priceUnit),
                    "price_subtotal_incl": .number(p.total), "price_subtotal": .number(p.untaxed), "price_tax": .number(p.tax),
                    "price_total": .number(p.total), "tax_ids": .array(p.taxIds.map(Value.int)), "rule_id": p.ruleId.map(Value.int) ?? .false,
                ])
            })
        },
    ]
}
