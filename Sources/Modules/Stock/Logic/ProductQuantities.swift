import ChainstoreCore
import ChainstoreDB
import Foundation

/// A product's quantities as Odoo 17 computes them (`product.product._compute_quantities`), in
/// SQL for each call, from the caller's context and companies:
///
/// - where: the `location` and/or `warehouse` context keys (an id, a name, or a list of them;
///   each location with everything below it), else every internal location of the caller's
///   companies (`allowed_company_ids` narrows them);
/// - `qty_available`: the balances there; with `to_date` in the past, as they stood then (done
///   moves since are taken back out); `lot_id`, `owner_id`, `package_id` narrow the balances;
/// - `free_qty`: the same balances less what open moves have reserved;
/// - `incoming_qty` / `outgoing_qty`: open moves (waiting, confirmed, partially available,
///   assigned) into / out of those places from / to anywhere else, up to `to_date` if given;
/// - `virtual_available`: on hand + incoming − outgoing.
///
/// Every figure is read under the caller's rules on balances and moves, so a store never counts
/// another's stock. All are searchable with Odoo's operators (`qty_available > 0` starts from the
/// balances, not from every product) and sortable.
enum ProductQuantities {
    static let fields: [FieldSpec] = [
        FieldSpec("qty_available", "Quantity On Hand", kind: .decimal(precision: 16, scale: 4)).contextuallyComputed(),
        FieldSpec("virtual_available", "Forecasted Quantity", kind: .decimal(precision: 16, scale: 4)).contextuallyComputed(),
        FieldSpec("free_qty", "Free To Use Quantity", kind: .decimal(precision: 16, scale: 4)).contextuallyComputed(),
        FieldSpec("incoming_qty", "Incoming", kind: .decimal(precision: 16, scale: 4)).contextuallyComputed(),
        FieldSpec("outgoing_qty", "Outgoing", kind: .decimal(precision: 16, scale: 4)).contextuallyComputed(),
    ]

    static let extensions: [ModelExtension] = [
        ModelExtension(model: "product.product", fields: fields),
        ModelExtension(model: "product.template", fields: fields),
    ]

    /// The open states of a move: what it will still bring or take.
    static let openStates = "('waiting', 'confirmed', 'partially_available', 'assigned')"

    static let columns: [ContextualColumn] = ["product.product", "product.template"].flatMap { model in
        let variant = model == "product.product"
        return [
            ContextualColumn(model: model, field: "qty_available", value: { scope in
                let where_ = try Place(scope)
                var sql = try balances(scope, where_, variant: variant, amount: "s.quantity")
                if let past = where_.since(scope.env) {
                    sql = "(\(sql) - \(try moves(scope, where_, variant: variant, incoming: true, done: past)) + \(try moves(scope, where_, variant: variant, incoming: false, done: past)))"
                }
                return sql
            }, support: { scope in
                let where_ = try Place(scope)
                return where_.since(scope.env) == nil ? try balanceSupport(scope, where_, variant: variant) : nil
            }),
            ContextualColumn(model: model, field: "free_qty", value: { scope in
                try balances(scope, try Place(scope), variant: variant, amount: "s.quantity - s.reserved_quantity")
            }, support: { scope in try balanceSupport(scope, try Place(scope), variant: variant) }),
            ContextualColumn(model: model, field: "incoming_qty", value: { scope in
                try moves(scope, try Place(scope), variant: variant, incoming: true, done: nil)
            }, support: { scope in try moveSupport(scope, try Place(scope), variant: variant, incoming: true) }),
            ContextualColumn(model: model, field: "outgoing_qty", value: { scope in
                try moves(scope, try Place(scope), variant: variant, incoming: false, done: nil)
            }, support: { scope in try moveSupport(scope, try Place(scope), variant: variant, incoming: false) }),
            ContextualColumn(model: model, field: "virtual_available", value: { scope in
                let where_ = try Place(scope)
                let onHand = try balances(scope, where_, variant: variant, amount: "s.quantity")
                let incoming = try moves(scope, where_, variant: variant, incoming: true, done: nil)
                let outgoing = try moves(scope, where_, variant: variant, incoming: false, done: nil)
                return "(\(onHand) + \(incoming) - \(outgoing))"
            }, support: { scope in
                let where_ = try Place(scope)
                let onHand = try balanceSupport(scope, where_, variant: variant)
                let incoming = try moveSupport(scope, where_, variant: variant, incoming: true)
                let outgoing = try moveSupport(scope, where_, variant: variant, incoming: false)
                return "\(onHand) UNION \(incoming) UNION \(outgoing)"
            }),
        ]
    }

    /// `s.product_id` belongs to the record: the variant itself, or one of the template's variants.
    static func product(_ column: String, _ scope: ContextualScope, variant: Bool) -> SQLBuilder {
        variant
            ? "\(unsafeRaw: column) = \(unsafeRaw: scope.alias).id"
            : "\(unsafeRaw: column) IN (SELECT v.id FROM product_product v WHERE v.product_tmpl_id = \(unsafeRaw: scope.alias).id AND v.active)"
    }

    /// The sum of `amount` over the balances in the place.
    static func balances(_ scope: ContextualScope, _ place: Place, variant: Bool, amount: String) throws -> SQLBuilder {
        """
        (SELECT coalesce(sum(\(unsafeRaw: amount)), 0) FROM stock_quant s JOIN stock_location sl ON sl.id = s.location_id \
        WHERE \(product("s.product_id", scope, variant: variant)) AND \(try place.contains("sl", scope))\(place.narrowing("s")) \
        AND \(try scope.rules("stock.quant", alias: "s")))
        """
    }

    /// The records with a nonzero balance in the place.
    static func balanceSupport(_ scope: ContextualScope, _ place: Place, variant: Bool) throws -> SQLBuilder {
        let record = variant ? "s.product_id" : "(SELECT v.product_tmpl_id FROM product_product v WHERE v.id = s.product_id)"
        return """
            (SELECT \(unsafeRaw: record) FROM stock_quant s JOIN stock_location sl ON sl.id = s.location_id \
            WHERE s.quantity <> 0 AND \(try place.contains("sl", scope))\(place.narrowing("s")) AND \(try scope.rules("stock.quant", alias: "s")))
            """
    }

    /// The quantity of moves into (`incoming`) or out of the place from or to anywhere else:
    /// open ones (up to `to_date`), or with `done` the ones done after that instant.
    static func moves(_ scope: ContextualScope, _ place: Place, variant: Bool, incoming: Bool, done: String?) throws -> SQLBuilder {
        "(SELECT coalesce(sum(coalesce(m.product_qty, m.product_uom_qty)), 0) \(try moveRows(scope, place, incoming: incoming, done: done, product: product("m.product_id", scope, variant: variant))))"
    }

    static func moveSupport(_ scope: ContextualScope, _ place: Place, variant: Bool, incoming: Bool) throws -> SQLBuilder {
        let record = variant ? "m.product_id" : "(SELECT v.product_tmpl_id FROM product_product v WHERE v.id = m.product_id)"
        return "(SELECT \(unsafeRaw: record) \(try moveRows(scope, place, incoming: incoming, done: nil, product: "TRUE")))"
    }

    private static func moveRows(_ scope: ContextualScope, _ place: Place, incoming: Bool, done: String?, product: SQLBuilder) throws -> SQLBuilder {
        let (inside, outside) = incoming ? ("md", "mo") : ("mo", "md")
        var sql: SQLBuilder = """
            FROM stock_move m JOIN stock_location md ON md.id = m.location_dest_id JOIN stock_location mo ON mo.id = m.location_id \
            WHERE \(product) AND 
            """
        if let done {
            sql += "m.state = 'done' AND m.date > (\(done)::timestamp AT TIME ZONE 'UTC')" as SQLBuilder
        } else {
            sql += "m.state IN \(unsafeRaw: openStates)" as SQLBuilder
            if let until = place.toDate { sql += " AND m.date <= (\(until)::timestamp AT TIME ZONE 'UTC')" as SQLBuilder }
        }
        if let lot = place.lot { sql += " AND m.restrict_lot_id = \(lot)" as SQLBuilder }
        sql += " AND \(try place.contains(inside, scope)) AND NOT coalesce(\(try place.contains(outside, scope)), false)" as SQLBuilder
        sql += " AND \(try scope.rules("stock.move", alias: "m"))" as SQLBuilder
        return sql
    }

    /// Where quantities are counted, read from Odoo's context keys.
    struct Place {
        var locationIDs: [Int64] = []
        var locationNames: [String] = []
        var warehouseIDs: [Int64] = []
        var warehouseNames: [String] = []
        var toDate: String?
        var lot: Int64?
        var owner: Int64?
        var package: Int64?
        var given: (locations: Bool, warehouses: Bool) = (false, false)

        init(_ scope: ContextualScope) throws {
            let context = scope.env.context
            (locationIDs, locationNames, given.locations) = try Self.references(context["location"], key: "location")
            (warehouseIDs, warehouseNames, given.warehouses) = try Self.references(context["warehouse"], key: "warehouse")
            if let value = context["to_date"], !value.isEmpty {
                guard let text = value.stringValue, Self.instant(text) != nil else {
                    throw ChainstoreError.valueError("Invalid to_date \(value): expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
                }
                toDate = text.count == 10 ? text + " 00:00:00" : text
            }
            lot = try Self.id(context["lot_id"], key: "lot_id")
            owner = try Self.id(context["owner_id"], key: "owner_id")
            package = try Self.id(context["package_id"], key: "package_id")
        }

        /// With `to_date` in the past: the instant since which done moves are taken back out.
        func since(_ env: Env) -> String? {
            guard let toDate, let instant = Self.instant(toDate), instant < env.clock() else { return nil }
            return toDate
        }

        /// The location row `alias` is one of the places counted.
        func contains(_ alias: String, _ scope: ContextualScope) throws -> SQLBuilder {
            guard given.locations || given.warehouses else {
                return "(\(unsafeRaw: alias).usage = 'internal' AND \(try scope.companies(of: "stock.location", alias: alias)))"
            }
            var sql: SQLBuilder = "("
            if given.locations {
                sql += """
                    \(unsafeRaw: alias).parent_path LIKE ANY (ARRAY(SELECT p.parent_path || '%' FROM stock_location p \
                    WHERE p.id = ANY(\(locationIDs)) OR p.name ILIKE ANY(\(locationNames.map(Self.pattern)))))
                    """ as SQLBuilder
            }
            if given.warehouses {
                if given.locations { sql += " AND " }
                sql += """
                    \(unsafeRaw: alias).parent_path LIKE ANY (ARRAY(SELECT p.parent_path || '%' FROM stock_warehouse w \
                    JOIN stock_location p ON p.id = w.view_location_id WHERE w.id = ANY(\(warehouseIDs)) OR w.name ILIKE ANY(\(warehouseNames.map(Self.pattern)))))
                    """ as SQLBuilder
            }
            sql += ")"
            return sql
        }

        /// ` AND s.lot_id = …` for each of lot, owner and package the context names.
        func narrowing(_ alias: String) -> SQLBuilder {
            var sql = SQLBuilder()
            if let lot { sql += " AND \(unsafeRaw: alias).lot_id = \(lot)" as SQLBuilder }
            if let owner { sql += " AND \(unsafeRaw: alias).owner_id = \(owner)" as SQLBuilder }
            if let package { sql += " AND \(unsafeRaw: alias).package_id = \(package)" as SQLBuilder }
            return sql
        }

        /// `ilike` on a name, as Odoo's `_search_ids` does: the text anywhere, its wildcards literal.
        static func pattern(_ name: String) -> String {
            "%" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        }

        /// An id, a name, or a list of them (Odoo accepts each).
        static func references(_ value: Value?, key: String) throws -> ([Int64], [String], Bool) {
            guard let value, !value.isEmpty else { return ([], [], false) }
            var ids: [Int64] = []
            var names: [String] = []
            for item in value.arrayValue ?? [value] {
                if let id = item.intValue, case .int = item { ids.append(id) }
                else if let name = item.stringValue { names.append(name) }
                else { throw ChainstoreError.valueError("Invalid \(key) \(item) in the context: expected an id or a name") }
            }
            return (ids, names, true)
        }

        static func id(_ value: Value?, key: String) throws -> Int64? {
            guard let value, !value.isEmpty else { return nil }
            guard case .int(let id) = value else { throw ChainstoreError.valueError("Invalid \(key) \(value) in the context: expected an id") }
            return id
        }

        static func instant(_ text: String) -> Date? {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = text.count == 10 ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss"
            return formatter.date(from: text)
        }
    }
}
