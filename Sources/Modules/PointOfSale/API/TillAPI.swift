import ChainstoreCore
import ChainstoreDB
import Base
import Foundation
import Product

/// The till's own calls beside Odoo's `create_from_ui`:
/// - `POST /api/v1/pos/open` with `{"config_id"?, "opening_cash"?}`: the caller's till (the one
///   named, or the first of the caller's store), its open session (made when there is none; a
///   till that counts cash stays in `opening_control` until `opening_cash` is given), the page
///   load counted (`login_number`, so two loads never share a receipt prefix), its payment
///   methods and receipt texts, the product categories sold only after an age check, and the
///   scale-label rules of the store's barcode nomenclature (the till reads labels offline).
/// - `POST /api/v1/pos/orders` with `{"device_id", "pending", "session_id"?, "orders": [envelope, …]}`: at most
///   100 orders (Odoo's envelope plus `order_uuid`), each taken exactly once as
///   `create_from_ui` takes them, one answer per order (`created`, `duplicate`, `rejected` with
///   the reason); then `pending` (what the device still holds after this batch) is recorded, so
///   the session does not close while the till holds orders (`session_id` names the session
///   when no order does).
/// - `GET /api/v1/pos/orders/{id}/receipt`: the receipt, ESC/POS or HTML (see `receipt`).
/// - `GET /api/v1/pos/orders?name=…`: a paid sale by its receipt name, for a refund (see `find`).
/// - `POST /api/v1/pos/display`: the cart for a customer display on another device (see `display`).
/// - `POST /api/v1/pos/attendant`: an attendant approves one item on a kiosk (see `attendant`).
enum TillAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.post, "/api/v1/pos/open", handler: open),
        Endpoint(.post, "/api/v1/pos/orders", maxBodyBytes: 4 << 20, handler: orders),
        Endpoint(.get, "/api/v1/pos/orders/{id}/receipt", handler: receipt),
        Endpoint(.get, "/api/v1/pos/orders", handler: find),
        Endpoint(.post, "/api/v1/pos/display", maxBodyBytes: 32 << 10, handler: display),
        Endpoint(.post, "/api/v1/pos/attendant", maxBodyBytes: 4 << 10, handler: attendant),
    ]

    /// `POST /api/v1/pos/attendant` with `{"session_id", "product_id", "reason": "age"|"weight",
    /// "login", "password"}`, sent by a self-checkout kiosk: a member of the store's staff signs
    /// in on the kiosk itself to approve one item that needs them. The attendant's password is
    /// checked as any sign-in (wrong ones count toward the lock-out); the attendant is an internal
    /// user whose companies include the kiosk's store and not the account the kiosk runs under;
    /// the session is the kiosk's own, open. The answer, `{"approval", "attendant": {id, name}}`,
    /// is what the kiosk puts on that line (`attendant_approval`); the order that sells it spends it.
    static func attendant(_ request: EndpointRequest) async throws -> EndpointResponse {
        let fields = try request.jsonObject()
        guard let session = fields["session_id"]?.intValue, let product = fields["product_id"]?.intValue,
              let reason = fields["reason"]?.stringValue, ["age", "weight"].contains(reason),
              let login = fields["login"]?.stringValue?.trimmingCharacters(in: .whitespaces), !login.isEmpty, login.count <= 100,
              let password = fields["password"]?.stringValue, !password.isEmpty, password.count <= 200
        else {
            throw ChainstoreError.valueError(
                "The body must be {\"session_id\", \"product_id\", \"reason\": \"age\" or \"weight\", \"login\", \"password\"}")
        }
        let caller = try request.signedIn()
        guard let attendant = try await request.node.identity.signIn(caller.database, login: login, secret: password, client: request.client) else {
            throw ChainstoreError(.accessDenied, "The attendant's login or password is wrong")
        }
        let answer = try await caller.run(transaction: true) { store in
            guard attendant != store.env.uid else {
                throw ChainstoreError.userError("The kiosk's own account cannot approve its sales: the attendant signs in with their own")
            }
            guard let found = try await store.searchRead("pos.session", domain: .leaf("id", .equal, .int(session)),
                                                         fields: ["state", "config_id", "company_id"], load: .classicWrite).first,
                  let config = found["config_id"]?.intValue, let company = found["company_id"]?.intValue
            else { throw ChainstoreError.missing("Session \(session) does not exist or is not yours") }
            let till = try await PosIngest.till(store, config: config)
            guard till.kiosk, found["state"] == "opened" else {
                throw ChainstoreError.userError("Attendants approve items on an open self-checkout kiosk's session only")
            }
            guard try await !store.search("product.product", domain: .leaf("id", .equal, .int(product))).isEmpty else {
                throw ChainstoreError.missing("Product \(product) does not exist or is not yours")
            }
            // Staff of this store: an internal user whose own company rules reach the kiosk's session.
            let staff = RecordStore(registry: store.registry, tx: store.tx,
                                    env: try await request.node.identity.environment(store.tx, uid: attendant, context: [:], logger: store.env.logger))
            guard staff.env.hasGroup(Base.Group.user),
                  try await !staff.search("pos.session", domain: .leaf("id", .equal, .int(session))).isEmpty,
                  let name = try await staff.read("res.users", ids: [attendant], fields: ["name"]).first?["name"]?.stringValue
            else { throw ChainstoreError(.accessError, "\(login) is not a member of this store's staff") }
            let token = try await store.tx.query("""
                INSERT INTO pos_attendant_approval (session_id, company_id, product_id, attendant_id, reason, create_uid, create_date, write_uid, write_date)
                VALUES (\(session), \(company), \(product), \(attendant), \(reason), \(store.env.uid), now(), \(store.env.uid), now())
                RETURNING token
                """)[0].decode(String.self)
            store.env.logger.info("attendant approval", metadata: ["session": "\(session)", "product": "\(product)", "attendant": "\(attendant)",
                                                                  "reason": "\(reason)"])
            return Value.dict(["approval": .string(token), "attendant": .dict(["id": .int(attendant), "name": .string(name)])])
        }
        return .json(answer)
    }

    /// `POST /api/v1/pos/display` with `{"config_id", "message": {…}}`: the till's cart for a
    /// customer display on another device, sent on the bus channel `["pos.config", ID, "display"]`
    /// (which those who may read the till may follow), type `pos.display/cart`.
    static func display(_ request: EndpointRequest) async throws -> EndpointResponse {
        let fields = try request.jsonObject()
        guard let config = fields["config_id"]?.intValue, let message = fields["message"], message.dictValue != nil else {
            throw ChainstoreError.valueError("The body must be {\"config_id\", \"message\": {...}}")
        }
        let caller = try request.signedIn()
        let database = caller.database.name
        try await caller.run(transaction: true) { store in
            guard try await !store.search("pos.config", domain: .leaf("id", .equal, .int(config))).isEmpty else {
                throw ChainstoreError.missing("Till \(config) does not exist or is not yours")
            }
            try await Bus.send(store.tx, [Bus.Notification(channel: Bus.channel(database, "pos.config", config, "display"), type: "pos.display/cart",
                                                           payload: message)], uid: store.env.uid)
        }
        return .json(.dict(["ok": true]))
    }

    /// `GET /api/v1/pos/orders?name=POS/00042-0007`: a paid sale of the caller's reach, by its
    /// receipt name, with what each line may still give back — what a refund at the till starts from.
    static func find(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let name = request.query["name"]?.trimmingCharacters(in: .whitespaces), !name.isEmpty, name.count <= 100 else {
            throw ChainstoreError.valueError("name (the receipt's order name) is required")
        }
        let answer = try await request.signedIn().run(transaction: false) { store in
            guard let order = try await store.searchRead(
                "pos.order", domain: .and([.leaf("name", .equal, .string(name)), .leaf("state", .in, ["paid", "done", "invoiced"]),
                                           .leaf("is_refund", .equal, false)]),
                fields: ["name", "amount_total", "date_order", "session_id", "company_id"], limit: 1, load: .classicWrite).first,
                let id = order["id"]?.intValue
            else { throw ChainstoreError.missing("No paid sale named \(name) in your reach") }
            let lines = try await store.searchRead("pos.order.line", domain: .leaf("order_id", .equal, .int(id)),
                                                   fields: ["product_id", "full_product_name", "qty", "refunded_qty", "price_unit", "discount",
                                                            "price_subtotal_incl"], order: "id", load: .classicWrite)
            let payments = try await store.searchRead("pos.payment", domain: .and([.leaf("pos_order_id", .equal, .int(id)), .leaf("is_change", .equal, false)]),
                                                      fields: ["payment_method_id", "amount", "payment_reference", "card_type"], order: "id",
                                                      load: .classicWrite)
            var found = order
            found["lines"] = .array(lines.map(Value.dict))
            found["payments"] = .array(payments.map(Value.dict))
            return Value.dict(found)
        }
        return .json(answer)
    }

    /// `GET /api/v1/pos/orders/{id}/receipt?format=escpos|html&width=58|80&lang=zh_CN|en`: the
    /// receipt of a paid order the caller may read, as ESC/POS bytes for a thermal printer
    /// (`application/octet-stream`) or as an HTML page.
    static func receipt(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let id = request.parameters["id"].flatMap({ Int64($0) }), id > 0 else { throw ChainstoreError.valueError("id must be an order id") }
        let format = request.query["format"] ?? "html"
        guard ["html", "escpos"].contains(format) else { throw ChainstoreError.valueError("format must be html or escpos") }
        let width = try request.integer("width") ?? 58
        guard width == 58 || width == 80 else { throw ChainstoreError.valueError("width must be 58 or 80 (mm)") }
        let lang = request.query["lang"] ?? "zh_CN"
        guard Receipt.labels[lang] != nil else { throw ChainstoreError.valueError("lang must be zh_CN or en") }
        let receipt = try await request.signedIn().run(transaction: false) { store in try await Receipt.load(store, id: id) }
        if format == "escpos" {
            return EndpointResponse(status: 200, headers: [("Content-Type", "application/octet-stream")],
                                    body: try receipt.escpos(width: width == 58 ? 32 : 48, lang: lang))
        }
        return EndpointResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(try receipt.html(lang: lang).utf8))
    }

    static func open(_ request: EndpointRequest) async throws -> EndpointResponse {
        let fields = request.body.isEmpty ? [:] : try request.jsonObject()
        let config = fields["config_id"]?.intValue
        let opening = fields["opening_cash"].flatMap(PosIngest.decimal)
        if let opening, opening < 0 || opening > 100_000_000 { throw ChainstoreError.valueError("opening_cash must be between 0 and 100000000") }
        let caller = try request.signedIn()
        let (cache, database) = (request.node.catalogueCache, caller.database)
        let answer = try await caller.run(transaction: true) { store in
            let found = try await store.searchRead(
                "pos.config", domain: config.map { .leaf("id", .equal, .int($0)) } ?? .leaf("company_id", .equal, .int(store.env.companyId)),
                fields: ["name", "company_id", "receipt_header", "receipt_footer", "discount_limit", "payment_method_ids", "iface_tax_included",
                         "self_ordering_mode", "customer_display_messages", "customer_display_remote"],
                limit: 1, order: "id", load: .classicWrite)
            guard let till = found.first, let tillId = till["id"]?.intValue else {
                throw ChainstoreError.missing(config.map { "Till \($0) does not exist or is not yours" } ?? "Your store has no till")
            }
            var session = try await store.searchRead(
                "pos.session", domain: .and([.leaf("config_id", .equal, .int(tillId)), .leaf("state", .notEqual, "closed"), .leaf("rescue", .equal, false)]),
                fields: ["name", "state", "login_number", "order_count"], limit: 1, order: "id desc").first
            if session == nil {
                let id = try await store.create("pos.session", [["config_id": .int(tillId)]])[0]
                session = try await store.read("pos.session", ids: [id], fields: ["name", "state", "login_number", "order_count"]).first
            }
            guard var session, let sessionId = session["id"]?.intValue else { throw ChainstoreError.missing("The session could not be opened") }
            if session["state"] == "opening_control", let opening {
                try await PosSessions.countOpening(store, ids: [sessionId], amount: opening.double, notes: nil)
            }
            // Each page load has its own receipt prefix.
            let login = try await store.tx.query("""
                UPDATE pos_session SET login_number = login_number + 1 WHERE id = \(sessionId) RETURNING login_number, state
                """)[0].decode((Int64, String).self)
            session["login_number"] = .int(login.0)
            session["state"] = .string(login.1)
            let methods = try await store.read("pos.payment.method", ids: (till["payment_method_ids"]?.arrayValue ?? []).compactMap(\.intValue),
                                               fields: ["name", "type", "payment_channel", "is_cash_count"])
            // The categories a kiosk calls an attendant for: those marked and everything under them.
            let ageChecked = try await store.tx.query("""
                SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}') FROM product_category c WHERE \(unsafeRaw: PosIngest.ageChecked)
                """)[0].decode([Int64].self)
            return Value.dict(["config": .dict(till), "session": .dict(session), "payment_methods": .array(methods.map(Value.dict)),
                               "user": .dict(["id": .int(store.env.uid), "company_id": .int(store.env.companyId)]),
                               "age_check_category_ids": .array(ageChecked.map(Value.int)),
                               "label_rules": .array(try await cache.labelRules(store.tx, database: database,
                                                                                company: till["company_id"]?.arrayValue?.first?.intValue ?? store.env.companyId))])
        }
        return .json(answer)
    }

    static func orders(_ request: EndpointRequest) async throws -> EndpointResponse {
        let fields = try request.jsonObject()
        guard let orders = fields["orders"]?.arrayValue else { throw ChainstoreError.valueError("The body must be {\"device_id\", \"pending\", \"orders\": [...]}") }
        guard orders.count <= 100 else { throw ChainstoreError.valueError("At most 100 orders per request") }
        let device = fields["device_id"]?.stringValue
        if let device, !(1...100).contains(device.utf8.count) { throw ChainstoreError.valueError("device_id must be 1 to 100 characters") }
        let pending = fields["pending"]?.intValue
        if let pending, pending < 0 || pending >= 1_000_000 { throw ChainstoreError.valueError("pending must be a count ≥ 0") }
        let results = try await request.signedIn().run(transaction: true) { store in
            let results = try await PosIngest.ingest(store, orders: orders, draft: false)
            if let device, let pending {
                var named = Set(fields["session_id"]?.intValue.map { [$0] } ?? [])
                for order in orders {
                    if let session = (order.dictValue?["data"]?.dictValue ?? order.dictValue)?["pos_session_id"]?.intValue { named.insert(session) }
                }
                // Only sessions the caller may read (company rules), whatever the body names.
                let visible = try await store.search("pos.session", domain: .leaf("id", .in, .array(named.sorted().map(Value.int))))
                try await PosClosing.recordPending(store, sessions: visible, device: device, pending: pending)
            }
            return results
        }
        return .json(.dict(["results": .array(results)]))
    }
}
