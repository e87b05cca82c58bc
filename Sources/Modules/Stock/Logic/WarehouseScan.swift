import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation
import PostgresNIO
import Product

/// `POST /api/v1/scan`: one scan of a handheld terminal, in the context of an operation
/// (receive, put away, pick, pack, count, move a pallet) and of what was scanned before (the
/// `State` the terminal sends back). The code is read with the barcode codec — a transfer's
/// name, a location's barcode, a pallet's SSCC, or a product (its barcode, a case, a GS1 label
/// with lot, serial and expiry, a weight label) — and applied at once, in the caller's
/// transaction and with the caller's rights. A scan that does not fit says why and changes
/// nothing.
public enum WarehouseScan {
    public enum Operation: String, Sendable, CaseIterable { case receive, putaway, pick, count, transfer, pack }

    /// What the terminal remembers between scans (sent back with the next scan).
    public struct State: Sendable, Equatable {
        public var pickingId: Int64?, locationId: Int64?, productId: Int64?, quantity: Decimal?, packageId: Int64?, countId: Int64?
        public init(pickingId: Int64? = nil, locationId: Int64? = nil, productId: Int64? = nil, quantity: Decimal? = nil,
                    packageId: Int64? = nil, countId: Int64? = nil) {
            (self.pickingId, self.locationId, self.productId, self.quantity, self.packageId, self.countId) =
                (pickingId, locationId, productId, quantity, packageId, countId)
        }

        public var value: Value {
            func id(_ v: Int64?) -> Value { v.map(Value.int) ?? .null }
            return .dict([
                "picking_id": id(pickingId), "location_id": id(locationId), "product_id": id(productId),
                "quantity": quantity.map { .number($0) } ?? .null, "package_id": id(packageId), "count_id": id(countId),
            ])
        }
    }

    /// A scan that does not fit the operation (HTTP 422): nothing was changed.
    public struct Refusal: Error, Sendable { public let message: String }

    public struct Answer: Sendable {
        public var kind: String, message: String, next: String, state: State
        public var lines: [Value]? = nil

        public var value: Value {
            var dict: RecordValues = ["ok": true, "kind": .string(kind), "message": .string(message), "next": .string(next), "state": state.value]
            if let lines { dict["lines"] = .array(lines) }
            return .dict(dict)
        }
    }

    /// What a scanned code is, looked up in this order: a transfer, a location, a package, a
    /// product.
    enum Scanned {
        case picking(id: Int64, name: String, code: String, state: String)
        case location(id: Int64, name: String, path: String, usage: String)
        case package(id: Int64?, name: String)
        case product(Scan.Result)
    }

    public static func handle(
        _ store: RecordStore, cache: CatalogueCache, database: Database, operation: Operation, code: String?, action: String?,
        state: State, today: GS1Date
    ) async throws -> Answer {
        let session = Session(store: store, cache: cache, database: database, state: state, today: today)
        if let action {
            switch (operation, action) {
            case (.receive, "validate"), (.pick, "validate"): return try await session.validate()
            case (.count, "done"): return try await session.applyCount()
            default: throw Refusal(message: "\(operation.rawValue) has no action \(action).")
            }
        }
        guard let code = code?.trimmingCharacters(in: .whitespacesAndNewlines), !code.isEmpty, code.utf8.count <= 200 else {
            throw ChainstoreError.valueError("A scan needs a code (at most 200 characters) or an action.")
        }
        let scanned = try await session.identify(code)
        switch operation {
        case .receive, .pick: return try await session.transferScan(operation, scanned)
        case .putaway: return try await session.putawayScan(scanned)
        case .count: return try await session.countScan(scanned)
        case .transfer: return try await session.palletScan(scanned)
        case .pack: return try await session.packScan(scanned)
        }
    }
}

/// One scan's work, with the caller's store.
struct Session {
    let store: RecordStore
    let cache: CatalogueCache
    let database: Database
    var state: WarehouseScan.State
    let today: GS1Date

    var tx: Transaction { store.tx }
    var ledger: Ledger { Ledger(store: store) }
    typealias Refusal = WarehouseScan.Refusal
    typealias Answer = WarehouseScan.Answer

    // MARK: - What was scanned

    func identify(_ code: String) async throws -> WarehouseScan.Scanned {
        if let picking = try await store.searchRead("stock.picking", domain: .leaf("name", .equal, .string(code)),
                                                    fields: ["name", "picking_type_code", "state"], limit: 1).first,
            let id = picking["id"]?.intValue
        {
            return .picking(id: id, name: picking["name"]?.stringValue ?? code, code: picking["picking_type_code"]?.stringValue ?? "",
                            state: picking["state"]?.stringValue ?? "")
        }
        if let location = try await store.searchRead("stock.location", domain: .leaf("barcode", .equal, .string(code)),
                                                     fields: ["complete_name", "parent_path", "usage"], limit: 1).first,
            let id = location["id"]?.intValue
        {
            return .location(id: id, name: location["complete_name"]?.stringValue ?? code, path: location["parent_path"]?.stringValue ?? "",
                             usage: location["usage"]?.stringValue ?? "")
        }
        if let package = try await store.searchRead("stock.quant.package", domain: .leaf("name", .equal, .string(code)),
                                                    fields: ["name"], limit: 1).first, let id = package["id"]?.intValue {
            return .package(id: id, name: code)
        }
        let result = try await Scan.resolve(store, cache: cache, database: database, code: code, company: store.env.companyId, today: today)
        if let sscc = result.sscc, result.productId == nil {
            let known = try await store.search("stock.quant.package", domain: .leaf("name", .equal, .string(sscc)), limit: 1).first
            return .package(id: known, name: sscc)
        }
        return .product(result)
    }

    // MARK: - Receive and pick

    func transferScan(_ operation: WarehouseScan.Operation, _ scanned: WarehouseScan.Scanned) async throws -> Answer {
        try await store.checkAccess(try store.model("stock.picking"), .write)
        var state = self.state
        // What the terminal sends back is checked again, every scan.
        if let picking = state.pickingId {
            try await store.lockAndCheck(try store.model("stock.picking"), ids: [picking], operation: .write)
            if let location = state.locationId, try await !fits(location, picking, operation) {
                throw Refusal(message: "The remembered place is not one this transfer uses; scan it again.")
            }
        }
        switch scanned {
        case .picking(let id, let name, let code, let pickingState):
            let fits = operation == .receive ? code == "incoming" : code == "outgoing" || code == "internal"
            guard fits else {
                throw Refusal(message: "\(name) is \(code == "incoming" ? "a receipt" : "not a receipt"): it cannot be \(operation == .receive ? "received" : "picked") here.")
            }
            guard pickingState != "done", pickingState != "cancel" else { throw Refusal(message: "\(name) is already \(pickingState == "done" ? "done" : "cancelled").") }
            try await store.lockAndCheck(try store.model("stock.picking"), ids: [id], operation: .write)
            try await ledger.confirm(try await ledger.moveIds(ofPickings: [id], states: [.draft]))
            if operation == .pick { try await ledger.assign(try await ledger.moveIds(ofPickings: [id])) }
            state = WarehouseScan.State(pickingId: id)
            return Answer(kind: "picking", message: "\(name) opened", next: operation == .receive ? "Scan a product (or a shelf to put it on)" : "Scan a location or a product",
                          state: state, lines: try await progress(id, operation))
        case .location(let id, let name, _, let usage):
            let picking = try requirePicking()
            guard usage == "internal", try await fits(id, picking, operation) else {
                throw Refusal(message: "\(name) is not a place this transfer \(operation == .receive ? "delivers to" : "takes from").")
            }
            state.locationId = id
            return Answer(kind: "location", message: name, next: "Scan a product", state: state, lines: try await progress(picking, operation))
        case .product(let result):
            let picking = try requirePicking()
            guard let product = result.productId else { throw ChainstoreError.missing("Unknown barcode: \(result.code)") }
            let move = try await openMove(picking, product: product, name: result.name ?? "")
            let lot = try await lotFor(product, result, create: operation == .receive)
            if operation == .receive {
                // Units of an announced pallet come out of its announcement; others are counted in.
                var announced = false
                if state.locationId == nil {
                    announced = try await ledger.pickPicked(move: move, quantity: result.quantity, lot: lot, source: nil, announced: true)
                }
                if !announced { try await receiveUnits(move: move, quantity: result.quantity, lot: lot, destination: state.locationId) }
            } else {
                try await pickUnits(move: move, quantity: result.quantity, lot: lot, source: state.locationId, name: result.name ?? "")
            }
            return Answer(kind: "product", message: "\(result.name ?? "") +\(result.quantity)", next: "Scan the next product, or validate",
                          state: state, lines: try await progress(picking, operation))
        case .package(let id, let name):
            guard operation == .receive, let id else {
                throw Refusal(message: "Package \(name) cannot be \(operation == .receive ? "received" : "picked") here: scan its products, or move it whole.")
            }
            return try await receivePallet(id, name: name, state: state)
        }
    }

    /// A pallet announced on a receipt (an advance shipping notice's SSCC) is received whole,
    /// as announced, in one scan; the terminal opens its receipt when none was open.
    func receivePallet(_ package: Int64, name: String, state: WarehouseScan.State) async throws -> Answer {
        let find: SQLBuilder = """
            SELECT ml.picking_id FROM stock_move_line ml JOIN stock_picking p ON p.id = ml.picking_id
            JOIN stock_picking_type pt ON pt.id = p.picking_type_id
            WHERE ml.result_package_id = \(package) AND NOT ml.picked AND ml.state NOT IN ('done', 'cancel') AND pt.code = 'incoming'
            ORDER BY ml.id LIMIT 1
            """
        guard let picking = try await tx.query(find).first?.decode(Int64.self) else {
            throw Refusal(message: "Pallet \(name) is not announced on an open receipt (or is already received): scan its products.")
        }
        if let open = state.pickingId, open != picking {
            throw Refusal(message: "Pallet \(name) is announced on another receipt: validate or leave this one first.")
        }
        try await store.lockAndCheck(try store.model("stock.picking"), ids: [picking], operation: .write)
        let received: SQLBuilder = """
            UPDATE stock_move_line SET picked = true, write_uid = \(store.env.uid), write_date = now()
            WHERE picking_id = \(picking) AND result_package_id = \(package) AND NOT picked AND state NOT IN ('done', 'cancel')
            RETURNING move_id
            """
        let moves = Set(try await tx.query(received).map { try $0.decode(Int64.self) })
        for move in moves.sorted() { try await ledger.markPicked(move) }
        var state = state
        state.pickingId = picking
        return Answer(kind: "pallet", message: "Pallet \(name) received whole", next: "Scan the next pallet or product, or validate",
                      state: state, lines: try await progress(picking, .receive))
    }

    /// Whether `location` lies where the transfer delivers (receive) or takes from (pick).
    func fits(_ location: Int64, _ picking: Int64, _ operation: WarehouseScan.Operation) async throws -> Bool {
        let sql: SQLBuilder = """
            SELECT l.parent_path LIKE r.parent_path || '%' AND l.usage = 'internal' FROM stock_location l, stock_picking p
            JOIN stock_location r ON r.id = \(unsafeRaw: operation == .receive ? "p.location_dest_id" : "p.location_id")
            WHERE l.id = \(location) AND p.id = \(picking)
            """
        return try await tx.query(sql).first?.decode(Bool.self) == true
    }

    /// A place the caller may see and store goods in.
    func storagePlace(_ location: Int64) async throws {
        guard try await !store.search("stock.location", domain: .and([.leaf("id", .equal, .int(location)), .leaf("usage", .equal, "internal")])).isEmpty
        else { throw Refusal(message: "The remembered place is out of reach; scan it again.") }
    }

    func requirePicking() throws -> Int64 {
        guard let picking = state.pickingId else { throw Refusal(message: "Scan the transfer first.") }
        return picking
    }

    func openMove(_ picking: Int64, product: Int64, name: String) async throws -> Int64 {
        let sql: SQLBuilder = """
            SELECT id FROM stock_move WHERE picking_id = \(picking) AND product_id = \(product) AND state NOT IN ('draft', 'done', 'cancel')
            ORDER BY id LIMIT 1 FOR UPDATE
            """
        guard let row = try await tx.query(sql).first else { throw Refusal(message: "\(name) is not on this transfer.") }
        return try row.decode(Int64.self)
    }

    /// The lot or serial a GS1 label names, for a tracked product (created on receipt, with its
    /// expiry); nil for an untracked one.
    func lotFor(_ product: Int64, _ result: Scan.Result, create: Bool) async throws -> Int64? {
        let sql: SQLBuilder = "SELECT t.tracking FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id WHERE p.id = \(product)"
        let tracking = try await tx.query(sql).first?.decode(String.self) ?? "none"
        guard tracking != "none" else { return nil }
        guard let name = (tracking == "serial" ? result.serial ?? result.lot : result.lot ?? result.serial) else {
            throw Refusal(message: "\(result.name ?? "This product") is tracked by \(tracking): scan its GS1 label with the \(tracking == "serial" ? "serial number" : "lot").")
        }
        if tracking == "serial", result.quantity != 1 { throw Refusal(message: "A serial number is one unit.") }
        if create {
            let insert: SQLBuilder = """
                INSERT INTO stock_lot (name, product_id, company_id, expiration_date, create_uid, create_date, write_uid, write_date)
                VALUES (\(name), \(product), \(store.env.companyId), \(result.expiry)::date, \(store.env.uid), now(), \(store.env.uid), now())
                ON CONFLICT (name, product_id, company_id) DO UPDATE SET expiration_date = coalesce(stock_lot.expiration_date, EXCLUDED.expiration_date)
                RETURNING id
                """
            return try await tx.query(insert)[0].decode(Int64.self)
        }
        let find: SQLBuilder = "SELECT id FROM stock_lot WHERE name = \(name) AND product_id = \(product) ORDER BY id LIMIT 1"
        guard let row = try await tx.query(find).first else { throw Refusal(message: "Lot \(name) is not in stock.") }
        return try row.decode(Int64.self)
    }

    /// Scanned units of a receipt, counted in by the ledger; a serial number counts once.
    func receiveUnits(move: Int64, quantity: Decimal, lot: Int64?, destination: Int64?) async throws {
        if let lot {
            let scanned: SQLBuilder = """
                SELECT count(*) FROM stock_move_line ml JOIN product_product p ON p.id = ml.product_id JOIN product_template t ON t.id = p.product_tmpl_id
                WHERE t.tracking = 'serial' AND ml.move_id = \(move) AND ml.lot_id = \(lot) AND ml.picked
                """
            if try await tx.query(scanned)[0].decode(Int.self) > 0 { throw Refusal(message: "This serial number is already scanned.") }
        }
        try await ledger.receivePicked(move: move, quantity: quantity, lot: lot, destination: destination)
    }

    /// Picked units of a delivery, taken by the ledger from a reserved line.
    func pickUnits(move: Int64, quantity: Decimal, lot: Int64?, source: Int64?, name: String) async throws {
        guard try await ledger.pickPicked(move: move, quantity: quantity, lot: lot, source: source) else {
            throw Refusal(message: "No \(name)\(lot == nil ? "" : " of this lot") is left to pick\(source == nil ? "" : " here").")
        }
    }

    /// One row of the terminal's table: product, lot, place, expected and done.
    static func progressLine(_ row: PostgresRow) throws -> Value {
        let (product, lot, location, expected, done) = try row.decode((String, String, String, Decimal, Decimal).self)
        return .dict([
            "product": .string(product), "lot": lot.isEmpty ? .null : .string(lot), "location": .string(location),
            "expected": .number(expected), "done": .number(done),
        ])
    }

    /// Expected and scanned quantities per move of the transfer.
    func progress(_ picking: Int64, _ operation: WarehouseScan.Operation) async throws -> [Value] {
        let sql: SQLBuilder = """
            SELECT t.name,
                coalesce((SELECT string_agg(DISTINCT lot.name, ', ') FROM stock_move_line ml JOIN stock_lot lot ON lot.id = ml.lot_id
                          WHERE ml.move_id = m.id AND ml.picked), ''),
                coalesce((SELECT string_agg(DISTINCT l.complete_name, ', ') FROM stock_move_line ml
                          JOIN stock_location l ON l.id = \(unsafeRaw: operation == .receive ? "ml.location_dest_id" : "ml.location_id")
                          WHERE ml.move_id = m.id), ''),
                m.product_qty, coalesce((SELECT sum(ml.quantity_product_uom) FROM stock_move_line ml WHERE ml.move_id = m.id AND ml.picked), 0)
            FROM stock_move m JOIN product_product p ON p.id = m.product_id JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE m.picking_id = \(picking) AND m.state <> 'cancel' ORDER BY m.sequence, m.id
            """
        return try await tx.query(sql).map(Self.progressLine)
    }

    /// Validates the transfer with what was scanned: moves that were scanned keep only their
    /// scanned lines; the rest waits in a backorder.
    func validate() async throws -> Answer {
        let picking = try requirePicking()
        try await store.checkAccess(try store.model("stock.picking"), .write)
        try await store.lockAndCheck(try store.model("stock.picking"), ids: [picking], operation: .write)
        let unpicked: SQLBuilder = """
            SELECT DISTINCT m.id FROM stock_move m JOIN stock_move_line ml ON ml.move_id = m.id AND ml.picked
            WHERE m.picking_id = \(picking) AND m.state NOT IN ('done', 'cancel')
            """
        let scanned = try await tx.query(unpicked).map { try $0.decode(Int64.self) }
        guard !scanned.isEmpty else { throw Refusal(message: "Nothing was scanned on this transfer yet.") }
        // Validation re-reads every move's quantity from its lines.
        try await ledger.releaseLines(ofMoves: scanned, where: "NOT picked")
        _ = try await ledger.validate([picking], rest: .backorder)
        let names: SQLBuilder = "SELECT p.name, (SELECT string_agg(b.name, ', ') FROM stock_picking b WHERE b.backorder_id = p.id) FROM stock_picking p WHERE p.id = \(picking)"
        let (name, backorder) = try await tx.query(names)[0].decode((String, String?).self)
        return Answer(kind: "done", message: "\(name) validated" + (backorder.map { "; the rest waits in \($0)" } ?? ""),
                      next: "Scan the next transfer", state: WarehouseScan.State())
    }

    // MARK: - Put away, move pallets, pack

    func putawayScan(_ scanned: WarehouseScan.Scanned) async throws -> Answer {
        try await store.checkAccess(try store.model("stock.move.line"), .create)
        var state = self.state
        if let source = state.locationId { try await storagePlace(source) }
        if let product = state.productId, try await store.search("product.product", domain: .leaf("id", .equal, .int(product))).isEmpty {
            throw Refusal(message: "The remembered product is out of reach; scan it again.")
        }
        switch scanned {
        case .product(let result):
            guard let product = result.productId else { throw ChainstoreError.missing("Unknown barcode: \(result.code)") }
            if state.locationId == nil { state.locationId = try await defaultStock() }
            state.quantity = (state.productId == product ? state.quantity ?? 0 : 0) + result.quantity
            state.productId = product
            return Answer(kind: "product", message: "\(result.name ?? "") × \(state.quantity!)", next: "Scan the shelf to put it on", state: state)
        case .location(let id, let name, _, let usage):
            guard usage == "internal" else { throw Refusal(message: "\(name) is not a storage place.") }
            guard let product = state.productId, let quantity = state.quantity, let source = state.locationId else {
                state.locationId = id
                return Answer(kind: "location", message: "Taking from \(name)", next: "Scan a product", state: state)
            }
            guard id != source else { throw Refusal(message: "The goods are already in \(name).") }
            try await sameWarehouse(source, id, name)
            let lines = try await takeFree(product: product, quantity: quantity, at: source, to: id)
            try await Ledger(store: store.asSystem(reason: "a put-away scanned by a stock user")).moveNow(
                lines, type: try await internalType(source), origin: "Put-away")
            state.productId = nil
            state.quantity = nil
            return Answer(kind: "done", message: "\(quantity) put on \(name)", next: "Scan the next product", state: state)
        case .picking(_, let name, _, _): throw Refusal(message: "\(name) is a transfer: choose Receive or Pick to work on it.")
        case .package(_, let name): throw Refusal(message: "\(name) is a pallet: choose Move pallet to put it away whole.")
        }
    }

    func palletScan(_ scanned: WarehouseScan.Scanned) async throws -> Answer {
        try await store.checkAccess(try store.model("stock.move.line"), .create)
        try await store.checkAccess(try store.model("stock.quant.package"), .write)
        var state = self.state
        switch scanned {
        case .package(let id, let name):
            guard let id else { throw ChainstoreError.missing("Unknown pallet: \(name)") }
            state.packageId = id
            return Answer(kind: "package", message: "Pallet \(name)", next: "Scan where it goes", state: state)
        case .location(let id, let name, _, let usage):
            guard let package = state.packageId else { throw Refusal(message: "Scan the pallet first.") }
            guard usage == "internal" || usage == "transit" else { throw Refusal(message: "\(name) is not a storage place.") }
            try await store.lockAndCheck(try store.model("stock.quant.package"), ids: [package], operation: .write)
            try await Ledger(store: store.asSystem(reason: "a pallet move scanned by a stock user")).movePackages([package], to: id)
            state.packageId = nil
            return Answer(kind: "done", message: "Pallet moved to \(name)", next: "Scan the next pallet", state: state)
        case .product(let result): throw Refusal(message: "\(result.name ?? result.code) is a product: scan a pallet's SSCC.")
        case .picking(_, let name, _, _): throw Refusal(message: "\(name) is a transfer: scan a pallet's SSCC.")
        }
    }

    func packScan(_ scanned: WarehouseScan.Scanned) async throws -> Answer {
        try await store.checkAccess(try store.model("stock.move.line"), .create)
        try await store.checkAccess(try store.model("stock.quant.package"), .write)
        var state = self.state
        if let location = state.locationId { try await storagePlace(location) }
        if let package = state.packageId {
            try await store.lockAndCheck(try store.model("stock.quant.package"), ids: [package], operation: .write)
        }
        switch scanned {
        case .package(let id, let name):
            guard let location = state.locationId else { throw Refusal(message: "Scan the place where you pack first.") }
            if let id {
                state.packageId = id
            } else {
                guard name.count == 18, CheckDigit.isValidGS1(name) else { throw ChainstoreError.valueError("\(name) is not a valid SSCC.") }
                state.packageId = try await store.create("stock.quant.package", [["name": .string(name)]])[0]
                _ = location
            }
            return Answer(kind: "package", message: "Packing into \(name)", next: "Scan the products to put in it", state: state)
        case .location(let id, let name, _, let usage):
            guard usage == "internal" else { throw Refusal(message: "\(name) is not a storage place.") }
            state.locationId = id
            return Answer(kind: "location", message: "Packing at \(name)", next: "Scan the pallet's SSCC", state: state)
        case .product(let result):
            guard let package = state.packageId, let location = state.locationId else { throw Refusal(message: "Scan the place and the pallet first.") }
            guard let product = result.productId else { throw ChainstoreError.missing("Unknown barcode: \(result.code)") }
            var lines = try await takeFree(product: product, quantity: result.quantity, at: location, to: location, loose: true)
            for index in lines.indices { lines[index].resultPackage = package }
            try await Ledger(store: store.asSystem(reason: "packing scanned by a stock user")).moveNow(lines, type: try await internalType(location), origin: "Packing")
            return Answer(kind: "product", message: "\(result.name ?? "") +\(result.quantity) packed", next: "Scan the next product", state: state)
        case .picking(_, let name, _, _): throw Refusal(message: "\(name) is a transfer, not a pallet.")
        }
    }

    /// Free stock of `product` exactly at `place` (first in, first out), as lines to `to`.
    func takeFree(product: Int64, quantity: Decimal, at place: Int64, to: Int64, loose: Bool = false) async throws -> [Ledger.DirectLine] {
        let sql: SQLBuilder = """
            SELECT q.quantity - q.reserved_quantity, q.lot_id, q.package_id, t.name, extract(epoch FROM q.in_date)::float8 FROM stock_quant q
            JOIN product_product p ON p.id = q.product_id JOIN product_template t ON t.id = p.product_tmpl_id
            WHERE q.product_id = \(product) AND q.location_id = \(place) AND q.owner_id IS NULL AND q.quantity > q.reserved_quantity
                AND (NOT \(loose) OR q.package_id IS NULL)
            ORDER BY q.id FOR UPDATE OF q
            """
        var lines: [Ledger.DirectLine] = []
        var need = quantity
        var name = ""
        // Locked in id order like every balance; taken oldest first.
        let rows = try await tx.query(sql).map { try $0.decode((Decimal, Int64?, Int64?, String, Double).self) }.sorted { $0.4 < $1.4 }
        for (free, lot, package, productName, _) in rows where need > 0 {
            name = productName
            let take = min(free, need)
            need -= take
            lines.append(Ledger.DirectLine(product: product, quantity: take, from: place, to: to, lot: lot, package: package, resultPackage: package))
        }
        guard need == 0 else {
            throw Refusal(message: "Only \(quantity - need) \(name.isEmpty ? "of it" : name) free here; \(quantity) scanned.")
        }
        return lines
    }

    func sameWarehouse(_ a: Int64, _ b: Int64, _ name: String) async throws {
        let sql: SQLBuilder = """
            SELECT split_part(x.parent_path, '/', 1) = split_part(y.parent_path, '/', 1) FROM stock_location x, stock_location y WHERE x.id = \(a) AND y.id = \(b)
            """
        guard try await tx.query(sql).first?.decode(Bool.self) == true else { throw Refusal(message: "\(name) is in another warehouse.") }
    }

    /// The stock location of the caller's company's first warehouse.
    func defaultStock() async throws -> Int64 {
        let warehouses = try await store.searchRead("stock.warehouse", domain: .leaf("company_id", .equal, .int(store.env.companyId)),
                                                    fields: ["lot_stock_id"], limit: 1, load: .classicWrite)
        guard let stock = warehouses.first?["lot_stock_id"]?.intValue else {
            throw Refusal(message: "Your company has no warehouse: scan the place to take goods from first.")
        }
        return stock
    }

    /// The internal transfer type of the warehouse holding `location`.
    func internalType(_ location: Int64) async throws -> Int64? {
        let sql: SQLBuilder = """
            SELECT pt.id FROM stock_location l, stock_warehouse w JOIN stock_location v ON v.id = w.view_location_id
            JOIN stock_picking_type pt ON pt.warehouse_id = w.id AND pt.code = 'internal'
            WHERE l.parent_path LIKE v.parent_path || '%' AND l.id = \(location) ORDER BY pt.sequence, pt.id LIMIT 1
            """
        return try await tx.query(sql).first?.decode(Int64.self)
    }

    // MARK: - Count

    func countScan(_ scanned: WarehouseScan.Scanned) async throws -> Answer {
        var state = self.state
        if let count = state.countId {
            try await store.lockAndCheck(try store.model("stock.count"), ids: [count], operation: .write)
            if let location = state.locationId { try await storagePlace(location) }
        }
        switch scanned {
        case .location(let id, let name, let path, let usage):
            guard usage == "internal" else { throw Refusal(message: "\(name) is not a storage place.") }
            if let count = state.countId {
                let sql: SQLBuilder = "SELECT l.parent_path FROM stock_count c JOIN stock_location l ON l.id = c.location_id WHERE c.state = 'draft' AND c.id = \(count)"
                guard let scope = try await tx.query(sql).first?.decode(String.self), path.hasPrefix(scope) else {
                    throw Refusal(message: "\(name) is outside the place being counted.")
                }
            } else {
                state.countId = try await store.create("stock.count", [["name": .string("Count \(name)"), "location_id": .int(id)]])[0]
            }
            state.locationId = id
            return Answer(kind: "count", message: "Counting \(name)", next: "Scan each product", state: state, lines: try await countLines(state.countId!))
        case .product(let result):
            guard let count = state.countId, let location = state.locationId else { throw Refusal(message: "Scan the place you count first.") }
            guard let product = result.productId else { throw ChainstoreError.missing("Unknown barcode: \(result.code)") }
            let lot = try await lotFor(product, result, create: true)
            let mine = try await store.search("stock.count.line", domain: .and([
                .leaf("count_id", .equal, .int(count)), .leaf("product_id", .equal, .int(product)), .leaf("location_id", .equal, .int(location)),
                .leaf("lot_id", .equal, lot.map(Value.int) ?? .false), .leaf("user_id", .equal, .int(store.env.uid)),
            ]), limit: 1)
            if let line = mine.first {
                let sql: SQLBuilder = "UPDATE stock_count_line SET quantity = quantity + \(result.quantity), write_date = now() WHERE id = \(line)"
                try await store.lockAndCheck(try store.model("stock.count.line"), ids: [line], operation: .write)
                try await tx.query(sql)
            } else {
                _ = try await store.create("stock.count.line", [[
                    "count_id": .int(count), "product_id": .int(product), "location_id": .int(location),
                    "lot_id": lot.map(Value.int) ?? .false, "quantity": .number(result.quantity),
                ]])
            }
            return Answer(kind: "product", message: "\(result.name ?? "") +\(result.quantity)", next: "Scan the next product, or apply the count",
                          state: state, lines: try await countLines(count))
        case .picking(_, let name, _, _): throw Refusal(message: "\(name) is a transfer: scan a location to count.")
        case .package(_, let name): throw Refusal(message: "\(name) is a pallet: count its products.")
        }
    }

    func countLines(_ count: Int64) async throws -> [Value] {
        let sql: SQLBuilder = """
            SELECT t.name, coalesce(lot.name, ''), l.complete_name,
                coalesce((SELECT sum(q.quantity) FROM stock_quant q WHERE q.product_id = cl.product_id AND q.location_id = cl.location_id
                          AND q.lot_id IS NOT DISTINCT FROM cl.lot_id), 0), sum(cl.quantity)
            FROM stock_count_line cl JOIN product_product p ON p.id = cl.product_id JOIN product_template t ON t.id = p.product_tmpl_id
            JOIN stock_location l ON l.id = cl.location_id LEFT JOIN stock_lot lot ON lot.id = cl.lot_id
            WHERE cl.count_id = \(count) GROUP BY t.name, lot.name, l.complete_name, cl.product_id, cl.location_id, cl.lot_id ORDER BY l.complete_name, t.name
            """
        return try await tx.query(sql).map(Self.progressLine)
    }

    func applyCount() async throws -> Answer {
        guard let count = state.countId else { throw Refusal(message: "Scan a place to count first.") }
        let differences = try await Counts.apply(store, [count]).arrayValue ?? []
        return Answer(kind: "done", message: "Count applied: \(differences.count) difference\(differences.count == 1 ? "" : "s") posted",
                      next: "Scan the next place to count", state: WarehouseScan.State(), lines: nil)
    }
}
