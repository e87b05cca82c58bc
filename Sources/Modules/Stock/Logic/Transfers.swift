import ChainstoreCore
import ChainstoreDB
import Foundation

/// Transfers over RPC, as an Odoo 17 integration script drives them: create a picking with its
/// moves, `action_confirm`, `action_assign`, set `quantity`, `button_validate` (answering the
/// backorder question), `action_cancel`. Values Odoo computes (locations from the operation
/// type, a move's unit and name, the transfer's name) are filled in when records are created.
enum Transfers {
    static let hooks: [RecordHook] = [
        .afterCreate("stock.picking") { store, ids, _ in
            try await fillPickings(store.tx, ids)
            try await name(store.tx, pickings: ids)
            try await Shipments.prepare(store, pickings: ids)
            try await fillMoves(store.tx, pickings: ids, moves: nil)
        },
        .afterCreate("stock.move") { store, ids, valsList in
            let companyGiven = ids.enumerated().filter { valsList[$0.offset]["company_id"] != nil }.map(\.element)
            try await fillMoves(store.tx, pickings: nil, moves: ids, companyGiven: companyGiven)
            // Created with a quantity (Odoo 17's immediate transfers): its lines follow.
            let withQuantity = ids.enumerated().filter { (valsList[$0.offset]["quantity"]?.doubleValue ?? 0) > 0 }.map(\.element)
            if !withQuantity.isEmpty { try await Ledger(store: store).setQuantity(withQuantity) }
        },
        // A move's places and company stay its company's (or the shipment it receives) whenever they change.
        .afterWrite("stock.move", fields: ["location_id", "location_dest_id", "company_id", "picking_type_id", "picking_id"]) { store, ids, _ in
            try await Ledger(store: store).checkCompanies(ids)
        },
        .afterWrite("stock.move", fields: ["quantity"]) { store, ids, _ in
            try await Ledger(store: store).setQuantity(ids)
        },
        // A changed demand is a changed need in the product's unit.
        .afterWrite("stock.move", fields: ["product_uom_qty", "product_uom"]) { store, ids, _ in
            var sql = SQLBuilder("UPDATE stock_move m SET product_qty = round(chainstore_uom_convert(m.product_uom_qty, m.product_uom, t.uom_id), 6) ")
            sql += "FROM product_product p, product_template t WHERE p.id = m.product_id AND t.id = p.product_tmpl_id AND m.state <> 'draft' AND m.id = ANY("
            sql.bind(.intArray(ids), cast: "bigint[]")
            sql += ")"
            try await store.tx.query(sql)
            try await Ledger(store: store).syncMoves(ids)
        },
        .afterCreate("stock.move.line") { store, ids, _ in
            try await Ledger(store: store).syncLines(ids)
        },
        .afterWrite("stock.move.line", fields: ["quantity", "lot_id", "location_id", "location_dest_id", "package_id", "owner_id", "product_uom_id",
                                                      "product_id", "move_id"]) { store, ids, _ in
            try await Ledger(store: store).syncLines(ids)
        },
    ]

    /// Source and destination from the operation type when not given.
    static func fillPickings(_ tx: Transaction, _ ids: [Int64]) async throws {
        var sql = SQLBuilder("UPDATE stock_picking p SET location_id = coalesce(p.location_id, pt.default_location_src_id), ")
        sql += "location_dest_id = coalesce(p.location_dest_id, pt.default_location_dest_id), scheduled_date = coalesce(p.scheduled_date, now()) "
        sql += "FROM stock_picking_type pt WHERE pt.id = p.picking_type_id AND p.id = ANY("
        sql.bind(.intArray(ids), cast: "bigint[]")
        sql += ") RETURNING p.id, p.location_id IS NULL OR p.location_dest_id IS NULL"
        for row in try await tx.query(sql) where try row.decode((Int64, Bool).self).1 {
            throw ChainstoreError.userError("Transfer \(try row.decode((Int64, Bool).self).0) needs a source and a destination location.")
        }
    }

    /// "WH/IN/00042": the warehouse's code, the operation type's prefix and the transfer's id.
    /// Numbers are unique and increase without taking a lock (a per-type counter would make
    /// every transfer of a warehouse wait for the one before it to commit); like Odoo's
    /// standard sequences they are not contiguous.
    static func name(_ tx: Transaction, pickings: [Int64]) async throws {
        var sql = SQLBuilder("UPDATE stock_picking p SET name = coalesce((SELECT w.code || '/' FROM stock_warehouse w WHERE w.id = pt.warehouse_id), '') ")
        sql += "|| pt.sequence_code || '/' || lpad(p.id::text, 5, '0') FROM stock_picking_type pt WHERE pt.id = p.picking_type_id AND p.name = '/' "
        sql += "AND p.id = ANY("
        sql.bind(.intArray(pickings), cast: "bigint[]")
        sql += ")"
        try await tx.query(sql)
    }

    /// A move takes what it does not say from its transfer (places, operation type, company,
    /// reference) and its product (unit, description).
    static func fillMoves(_ tx: Transaction, pickings: [Int64]?, moves: [Int64]?, companyGiven: [Int64] = []) async throws {
        var sql = SQLBuilder("UPDATE stock_move m SET location_id = coalesce(m.location_id, pk.location_id), ")
        sql += "location_dest_id = coalesce(m.location_dest_id, pk.location_dest_id), picking_type_id = coalesce(m.picking_type_id, pk.picking_type_id), "
        sql += "company_id = CASE WHEN pk.id IS NULL OR m.id = ANY("
        sql.bind(.intArray(companyGiven), cast: "bigint[]")
        sql += ") THEN m.company_id ELSE coalesce(pk.company_id, m.company_id) END, reference = coalesce(pk.name, m.reference), "
        sql += "partner_id = coalesce(m.partner_id, pk.partner_id), product_uom = coalesce(m.product_uom, t.uom_id), name = coalesce(m.name, t.name), "
        sql += "origin = coalesce(m.origin, pk.origin), date = coalesce(pk.scheduled_date, m.date) "
        sql += "FROM stock_move mm LEFT JOIN stock_picking pk ON pk.id = mm.picking_id JOIN product_product p ON p.id = mm.product_id "
        sql += "JOIN product_template t ON t.id = p.product_tmpl_id WHERE mm.id = m.id AND "
        if let pickings {
            sql += "m.picking_id = ANY("
            sql.bind(.intArray(pickings), cast: "bigint[]")
        } else {
            sql += "m.id = ANY("
            sql.bind(.intArray(moves ?? []), cast: "bigint[]")
        }
        sql += ")"
        try await tx.query(sql)
    }

    /// The transfers named by a record method's ids, checked against the caller's write rules.
    static func pickings(_ call: MethodCall) async throws -> [Int64] {
        guard !call.ids.isEmpty else { return [] }
        try await call.store.checkAccess(try call.store.model("stock.picking"), .write)
        try await call.store.lockAndCheck(try call.store.model("stock.picking"), ids: call.ids, operation: .write)
        return call.ids.sorted()
    }

    static func createReturn(_ store: RecordStore, of picking: Int64) async throws -> Int64 {
        var sql = SQLBuilder("SELECT p.state, p.name, coalesce(pt.return_picking_type_id, pt.id), p.location_id, p.location_dest_id, p.partner_id, ")
        sql += "p.company_id FROM stock_picking p JOIN stock_picking_type pt ON pt.id = p.picking_type_id WHERE p.id = "
        sql.bind(.int(picking))
        let (state, name, type, source, destination, partner, company) = try await store.tx.query(sql)[0].decode(
            (String, String, Int64, Int64, Int64, Int64?, Int64?).self)
        guard state == "done" else { throw ChainstoreError.userError("Only a done transfer can be returned; \(name) is not done.") }
        var left = SQLBuilder("SELECT m.id, m.product_id, m.quantity - coalesce((SELECT sum(r.product_uom_qty) FROM stock_move r ")
        left += "WHERE r.origin_returned_move_id = m.id AND r.state <> 'cancel'), 0), m.product_uom, m.price_unit FROM stock_move m WHERE m.picking_id = "
        left.bind(.int(picking))
        left += " AND m.state = 'done' ORDER BY m.id"
        let moves: [Value] = try await store.tx.query(left).compactMap { row in
            let (move, product, quantity, unit, price) = try row.decode((Int64, Int64, Decimal, Int64, Decimal).self)
            guard quantity > 0 else { return nil }
            return [0, 0, .dict([
                "product_id": .int(product), "product_uom_qty": .number(quantity), "product_uom": .int(unit),
                "origin_returned_move_id": .int(move), "price_unit": .number(price),
                "location_id": .int(destination), "location_dest_id": .int(source),
            ])]
        }
        guard !moves.isEmpty else { throw ChainstoreError.userError("Everything \(name) moved has already been returned.") }
        var vals: RecordValues = [
            "picking_type_id": .int(type), "location_id": .int(destination), "location_dest_id": .int(source),
            "origin": .string("Return of \(name)"), "move_ids": .array(moves),
        ]
        if let partner { vals["partner_id"] = .int(partner) }
        if let company { vals["company_id"] = .int(company) }
        let returned = try await store.create("stock.picking", [vals])[0]
        let ledger = Ledger(store: store)
        try await ledger.confirm(try await ledger.moveIds(ofPickings: [returned], states: [.draft]))
        return returned
    }

    static func moves(_ call: MethodCall) async throws -> [Int64] {
        guard !call.ids.isEmpty else { return [] }
        try await call.store.checkAccess(try call.store.model("stock.move"), .write)
        try await call.store.lockAndCheck(try call.store.model("stock.move"), ids: call.ids, operation: .write)
        return call.ids.sorted()
    }
}

extension Stock {
    /// Business methods of inventory callable over RPC (Odoo 17's names and answers).
    public static let methods: [ModelMethod] = [
        ModelMethod(model: "stock.picking", name: "action_confirm", receiver: .records) { call in
            let ledger = Ledger(store: call.store)
            try await ledger.confirm(try await ledger.moveIds(ofPickings: try await Transfers.pickings(call), states: [.draft]))
            return .true
        },
        ModelMethod(model: "stock.picking", name: "action_assign", receiver: .records) { call in
            let ledger = Ledger(store: call.store)
            let pickings = try await Transfers.pickings(call)
            try await ledger.confirm(try await ledger.moveIds(ofPickings: pickings, states: [.draft]))
            try await ledger.assign(try await ledger.moveIds(ofPickings: pickings))
            return .true
        },
        ModelMethod(model: "stock.picking", name: "button_validate", receiver: .records) { call in
            let context = call.store.env.context
            let pickings = try await Transfers.pickings(call)
            guard context["skip_backorder"]?.boolValue == true else {
                return try await Ledger(store: call.store).validate(pickings, rest: .ask)
            }
            let noBackorder = Set((context["picking_ids_not_to_backorder"]?.arrayValue ?? []).compactMap(\.intValue))
            let ledger = Ledger(store: call.store)
            let cancelled = pickings.filter(noBackorder.contains)
            let kept = pickings.filter { !noBackorder.contains($0) }
            if !cancelled.isEmpty { _ = try await ledger.validate(cancelled, rest: .cancel) }
            if !kept.isEmpty { _ = try await ledger.validate(kept, rest: .backorder) }
            return .true
        },
        ModelMethod(model: "stock.picking", name: "action_cancel", receiver: .records) { call in
            let ledger = Ledger(store: call.store)
            try await ledger.cancel(try await ledger.moveIds(ofPickings: try await Transfers.pickings(call), states: [.draft, .waiting, .confirmed, .partiallyAvailable, .assigned]))
            return .true
        },
        // `stock.picking.action_create_return()`: a confirmed return of what a done transfer
        // moved and was not returned yet (Odoo's return wizard in one call); answers its id.
        ModelMethod(model: "stock.picking", name: "action_create_return", receiver: .records) { call in
            guard call.ids.count == 1 else { throw ChainstoreError.userError("Return one transfer at a time.") }
            let picking = try await Transfers.pickings(call)[0]
            return .int(try await Transfers.createReturn(call.store, of: picking))
        },
        ModelMethod(model: "stock.picking", name: "do_unreserve", receiver: .records) { call in
            let ledger = Ledger(store: call.store)
            try await ledger.unreserve(try await ledger.moveIds(ofPickings: try await Transfers.pickings(call)))
            return .true
        },
        ModelMethod(model: "stock.move", name: "action_cancel", receiver: .records) { call in
            try await Ledger(store: call.store).cancel(try await Transfers.moves(call))
            return .true
        },
        // `stock.count.action_apply()`: posts the differences; answers them, one dict each.
        ModelMethod(model: "stock.count", name: "action_apply", receiver: .records) { call in
            try await Counts.apply(call.store, call.ids)
        },
        // `stock.quant.package.action_move(location_id)`: the whole pallet, contents and all.
        ModelMethod(model: "stock.quant.package", name: "action_move", receiver: .records) { call in
            guard let destination = call.argument(0, "location_id")?.intValue else {
                throw ChainstoreError.typeError("action_move() takes the destination location id")
            }
            try await call.store.checkAccess(try call.store.model("stock.quant.package"), .write)
            try await call.store.checkAccess(try call.store.model("stock.move.line"), .create)
            try await call.store.lockAndCheck(try call.store.model("stock.quant.package"), ids: call.ids, operation: .write)
            guard try await !call.store.search("stock.location", domain: .and([
                .leaf("id", .equal, .int(destination)), .leaf("usage", .in, ["internal", "transit"]),
            ])).isEmpty else {
                throw ChainstoreError.userError("Location \(destination) is not a storage place within your reach.")
            }
            let picking = try await Ledger(store: call.store.asSystem(reason: "moving whole packages")).movePackages(call.ids, to: destination)
            return picking.map(Value.int) ?? .false
        },
        // `stock.lot.action_trace()` / `stock.quant.package.action_trace()`: where it came from
        // and everywhere it went.
        ModelMethod(model: "stock.lot", name: "action_trace", receiver: .records) { call in
            try await Traceability.trace(call.store, lots: call.ids)
        },
        ModelMethod(model: "stock.quant.package", name: "action_trace", receiver: .records) { call in
            try await Traceability.trace(call.store, packages: call.ids)
        },
        // `stock.valuation.layer.stock_value(date=None, group_by='company', company_id=None)`:
        // what the stock was worth then, by company, location or category.
        ModelMethod(model: "stock.valuation.layer", name: "stock_value", receiver: .model) { call in
            let date = call.argument(0, "date").flatMap { $0 == .false || $0 == .null ? nil : $0.stringValue }
            let grouping = call.argument(1, "group_by")?.stringValue ?? "company"
            guard let groupBy = StockValue.Grouping(rawValue: grouping) else {
                throw ChainstoreError.valueError("group_by must be one of company, location, category")
            }
            let company = call.argument(2, "company_id")?.intValue
            return .array(try await StockValue.at(call.store, date: date, groupBy: groupBy, company: company))
        },
        ModelMethod(model: "stock.backorder.confirmation", name: "process", receiver: .records) { call in
            try await Backorders.answer(call, rest: .backorder)
        },
        ModelMethod(model: "stock.backorder.confirmation", name: "process_cancel_backorder", receiver: .records) { call in
            try await Backorders.answer(call, rest: .cancel)
        },
    ]
}

/// The answer to "Create Backorder?": validate the wizard's transfers, keeping or cancelling
/// what was not done.
enum Backorders {
    static func answer(_ call: MethodCall, rest: Ledger.Rest) async throws -> Value {
        var sql = SQLBuilder("SELECT DISTINCT picking_id FROM stock_backorder_confirmation_pick_rel WHERE wizard_id = ANY(")
        sql.bind(.intArray(call.ids), cast: "bigint[]")
        sql += ") ORDER BY picking_id"
        var pickings = try await call.store.tx.query(sql).map { try $0.decode(Int64.self) }
        if pickings.isEmpty {
            pickings = (call.store.env.context["button_validate_picking_ids"]?.arrayValue ?? []).compactMap(\.intValue)
        }
        guard !pickings.isEmpty else { throw ChainstoreError.userError("There is no transfer to validate.") }
        try await call.store.checkAccess(try call.store.model("stock.picking"), .write)
        try await call.store.lockAndCheck(try call.store.model("stock.picking"), ids: pickings, operation: .write)
        return try await Ledger(store: call.store).validate(pickings, rest: rest)
    }
}

extension Stock {
    /// Validates transfers as `button_validate` does when told what to do with the rest: what
    /// was not done becomes a backorder (`backorder`) or is cancelled. For other modules (a
    /// pick-to-light wave confirmed shelf by shelf).
    public static func validate(_ store: RecordStore, pickings: [Int64], backorder: Bool) async throws {
        _ = try await Ledger(store: store).validate(pickings, rest: backorder ? .backorder : .cancel)
    }
}
