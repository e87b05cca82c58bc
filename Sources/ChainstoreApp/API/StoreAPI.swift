import Barcode
import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreServer
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Product
import Stock
import Synchronization

/// The till's HTTP API beside the Odoo one: `GET /api/v1/scan` and `GET /api/v1/catalogue`.
/// Calls carry HTTP Basic credentials (login or uid, and password or API key) and optionally
/// `db`; each answers in one database round trip once the caller is known.
public struct StoreAPI: Sendable {
    let directory: DatabaseDirectory
    let registry: Registry
    let cache: CatalogueCache
    let authCache: AuthCache
    let callers = CallerCache()

    public init(directory: DatabaseDirectory, registry: Registry, cache: CatalogueCache, authCache: AuthCache) {
        self.directory = directory
        self.registry = registry
        self.cache = cache
        self.authCache = authCache
    }

    /// Who a request says it is and where: login or uid, secret, database, and the key it is
    /// remembered under once verified.
    struct Credentials: Sendable {
        let name: String
        let secret: String
        let database: Database
        let key: String
    }

    func credentials(_ request: Request) async throws -> Credentials {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) }),
            let colon = decoded.firstIndex(of: ":")
        else { throw ChainstoreError(.accessDenied, "HTTP Basic credentials (login:password or API key) are required") }
        let databaseName = request.uri.queryParameters.get("db") ?? request.headers[HTTPField.Name("X-Chainstore-Database")!]
        let database = try await directory.database(named: databaseName ?? directory.main.name, host: request.head.authority)
        let (name, secret) = (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
        return Credentials(name: name, secret: secret, database: database, key: "\(database.name)|\(name)|" + authCache.fingerprint(name, secret))
    }

    /// Runs `body` as the caller of `request`, in `db` (default: the node's main database),
    /// statement by statement (these are reads).
    func asCaller<T: Sendable>(
        _ caller: Credentials, _ context: ChainstoreRequestContext, transaction: Bool = false,
        _ body: @escaping @Sendable (RecordStore, Database) async throws -> T
    ) async throws -> T {
        let (name, secret, database, key) = (caller.name, caller.secret, caller.database, caller.key)
        let registry = self.registry
        let authenticator = Authenticator(database: database, cache: authCache)
        let address = context.clientAddress
        let logger = context.logger
        let known = callers.lookup(key)
        do {
            return try await database.run(logger: logger, transaction: transaction) { tx in
                var user = known
                if user == nil {
                    let uid: Int64
                    if let given = Int64(name) { uid = given } else { uid = try await Users.uid(tx, login: name) }
                    user = try await authenticator.verifyCall(tx, uid: uid, secret: secret, address: address)
                }
                guard let user else { throw ChainstoreError(.accessDenied, "Access Denied") }
                if known == nil { self.callers.store(key, user) }
                let env = try await EnvLoader.env(tx, user: user, context: [:], logger: logger)
                return try await body(RecordStore(registry: registry, tx: tx, env: env), database)
            }
        } catch let error as ChainstoreError where error.code == .accessDenied || error.message.hasPrefix("No user with login") {
            if let uid = Int64(name) { await authenticator.recordFailure(uid: uid, address: address, logger: logger) }
            throw ChainstoreError(.accessDenied, "Access Denied")
        }
    }

    /// `GET /api/v1/scan?code=…[&company=ID][&qty=N]`: what the code is and costs at that company.
    func scan(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let code = query.get("code") else { throw ChainstoreError.valueError("code is required") }
        let quantity = try query.get("qty").map { text -> Decimal in
            guard let value = Decimal(string: text), value > 0 else { throw ChainstoreError.valueError("qty must be a positive number") }
            return value
        } ?? 1
        let company = try query.get("company").map { text -> Int64 in
            guard let id = Int64(text) else { throw ChainstoreError.valueError("company must be a company id") }
            return id
        }
        let cache = self.cache
        let today = try CodecTools.today(query.get("today"))
        // A known caller scanning a code the node has seen is answered from memory.
        let caller = try await credentials(request)
        if let user = callers.lookup(caller.key),
            let result = try Scan.resolveCached(
                cache: cache, database: caller.database.name, registry: registry, env: EnvLoader.env(user: user, logger: context.logger),
                code: code, company: company, quantity: quantity, today: today)
        {
            var json = JSONWriter(capacity: 512)
            json.value(result.value)
            return Self.json(json.text)
        }
        let result = try await asCaller(caller, context) { store, database in
            try await Scan.resolve(store, cache: cache, database: database, code: code, company: company ?? store.env.companyId,
                                          quantity: quantity, today: today)
        }
        var json = JSONWriter(capacity: 512)
        json.value(result.value)
        return Self.json(json.text)
    }

    /// `GET /api/v1/catalogue?[company=ID][&after=ID|&since=VERSION][&limit=N]`.
    func catalogue(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        func number(_ name: String) throws -> Int64? {
            try query.get(name).map { text in
                guard let value = Int64(text) else { throw ChainstoreError.valueError("\(name) must be an integer") }
                return value
            }
        }
        let (company, after, since, limit) = (try number("company"), try number("after") ?? 0, try number("since"), try number("limit") ?? 2000)
        let cache = self.cache
        let page = try await asCaller(try await credentials(request), context) { store, database in
            try await CatalogueFeed.page(store, cache: cache, database: database, company: company ?? store.env.companyId,
                                                after: after, since: since, limit: Int(limit))
        }
        return Self.json(page.json)
    }

    /// `POST /api/v1/scan` with `{"operation", "code" | "action", …state}`: a handheld scan
    /// applied in one transaction (see `WarehouseScan`). 422 when the scan does not fit.
    func warehouseScan(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 16 * 1024) } catch {
            throw ChainstoreError.valueError("A scan is at most 16 KiB of JSON")
        }
        let parsed: Value
        do { parsed = try JSONReader.parse(Array(buffer: body)) } catch {
            throw ChainstoreError.valueError("The body must be a JSON object: \(error)")
        }
        guard let fields = parsed.dictValue else { throw ChainstoreError.valueError("The body must be a JSON object") }
        guard let name = fields["operation"]?.stringValue, let operation = WarehouseScan.Operation(rawValue: name) else {
            throw ChainstoreError.valueError("operation must be one of \(WarehouseScan.Operation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func id(_ key: String) throws -> Int64? {
            guard let value = fields[key], value != .null, value != .false else { return nil }
            guard let id = value.intValue, id > 0 else { throw ChainstoreError.valueError("\(key) must be a record id") }
            return id
        }
        var quantity: Decimal?
        if let given = fields["quantity"], given != .null {
            guard let number = given.doubleValue ?? given.intValue.map(Double.init), number > 0, number < 1e9 else {
                throw ChainstoreError.valueError("quantity must be a positive number")
            }
            quantity = Decimal(string: String(number))
        }
        let state = WarehouseScan.State(pickingId: try id("picking_id"), locationId: try id("location_id"), productId: try id("product_id"),
                                        quantity: quantity, packageId: try id("package_id"), countId: try id("count_id"))
        let code = fields["code"]?.stringValue
        let action = fields["action"]?.stringValue
        let cache = self.cache
        let today = try CodecTools.today(request.uri.queryParameters.get("today"))
        do {
            let answer = try await asCaller(try await credentials(request), context, transaction: true) { store, database in
                try await WarehouseScan.handle(store, cache: cache, database: database, operation: operation, code: code, action: action,
                                               state: state, today: today)
            }
            var json = JSONWriter(capacity: 1024)
            json.value(answer.value)
            return Self.json(json.text)
        } catch let refusal as WarehouseScan.Refusal {
            context.logger.info("scan refused", metadata: ["operation": "\(name)", "reason": "\(refusal.message)"])
            var json = JSONWriter()
            json.value(["ok": false, "error": "wrong_context", "message": .string(refusal.message), "state": state.value])
            return Self.json(json.text, status: .unprocessableContent)
        }
    }

    /// `POST /api/v1/rfid/reads` with `{"reads": [{"reader", "antenna", "epc", "rssi", "time"}]}`:
    /// a batch from fixed readers and forklifts, deduplicated and interpreted in one transaction
    /// (see `RFIDIngest`). At most 20,000 reads and 4 MiB per batch.
    func rfidReads(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 4 << 20) } catch {
            throw ChainstoreError.valueError("A batch of reads is at most 4 MiB of JSON")
        }
        let parsed: Value
        do { parsed = try JSONReader.parse(Array(buffer: body)) } catch {
            throw ChainstoreError.valueError("The body must be a JSON object: \(error)")
        }
        guard let items = parsed.dictValue?["reads"]?.arrayValue else { throw ChainstoreError.valueError("The body must be {\"reads\": [...]}") }
        guard items.count <= 20_000 else { throw ChainstoreError.valueError("At most 20,000 reads per batch") }
        let precise = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let plain = Date.ISO8601FormatStyle()
        let reads = try items.enumerated().map { index, item -> RFIDIngest.Read in
            guard let read = item.dictValue, let reader = read["reader"]?.stringValue, !reader.isEmpty, reader.utf8.count <= 64,
                let epc = read["epc"]?.stringValue, !epc.isEmpty, epc.utf8.count <= 64
            else { throw ChainstoreError.valueError("reads[\(index)] needs a reader code and an epc (hex)") }
            let time: Date
            if let text = read["time"]?.stringValue {
                guard let parsed = (try? precise.parse(text)) ?? (try? plain.parse(text)) else {
                    throw ChainstoreError.valueError("reads[\(index)].time must be an ISO 8601 time, not \(text)")
                }
                time = parsed
            } else if let number = read["time"]?.doubleValue ?? read["time"]?.intValue.map(Double.init) {
                time = Date(timeIntervalSince1970: number)
            } else {
                throw ChainstoreError.valueError("reads[\(index)].time is required")
            }
            let rssi = read["rssi"]?.doubleValue ?? read["rssi"]?.intValue.map(Double.init)
            return RFIDIngest.Read(reader: reader, antenna: read["antenna"]?.intValue.map { Int($0) }, epc: epc, rssi: rssi, time: time)
        }
        let outcome = try await asCaller(try await credentials(request), context, transaction: true) { store, _ in
            try await RFIDIngest.ingest(store, reads: reads)
        }
        if !outcome.unknown.isEmpty {
            context.logger.notice("unknown RFID tags", metadata: ["count": "\(outcome.unknown.count)"])
        }
        var json = JSONWriter(capacity: 256 + 128 * outcome.unknown.count)
        json.value(outcome.value)
        return Self.json(json.text)
    }

    /// A browser app: one self-contained page, its own scripts and styles only, data: images,
    /// calls to this origin, never framed.
    static func page(_ html: String) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func failure(_ error: any Error) -> Response {
        let failure = error as? ChainstoreError ?? ChainstoreError(.internalError, "Internal server error")
        let status: HTTPResponse.Status = switch failure.code {
        case .accessDenied: .unauthorized
        case .accessError: .forbidden
        case .missingError: .notFound
        case .valueError, .validationError, .typeError, .userError: .badRequest
        case .throttled: .tooManyRequests
        default: .internalServerError
        }
        var json = JSONWriter()
        let error: String = switch status {
        case .notFound: "unknown_code"
        case .badRequest: "malformed"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        default: "error"
        }
        json.value(["ok": false, "error": .string(error), "message": .string(failure.message),
                    "detail": ["code": .string(failure.code.description), "message": .string(failure.message)]])
        var response = Self.json(json.text, status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Basic realm=\"chainstore\"" }
        return response
    }
}

extension Router where Context == ChainstoreRequestContext {
    public func addStoreAPIRoutes(_ api: StoreAPI) {
        get("/api/v1/scan") { request, context in
            do { return try await api.scan(request, context) } catch { return StoreAPI.failure(error) }
        }
        get("/api/v1/catalogue") { request, context in
            do { return try await api.catalogue(request, context) } catch { return StoreAPI.failure(error) }
        }
        get("/scan") { _, _ in StoreAPI.page(ScanAppPage.html) }
        get("/display") { _, _ in StoreAPI.page(DisplayAppPage.html) }
        post("/api/v1/rfid/reads") { request, context in
            do { return try await api.rfidReads(request, context) } catch { return StoreAPI.failure(error) }
        }
        post("/api/v1/scan") { request, context in
            do { return try await api.warehouseScan(request, context) } catch { return StoreAPI.failure(error) }
        }
    }
}

/// Callers recently verified, for a few seconds: a till scanning all day costs one query per
/// scan, not two. A changed password or a disabled user takes effect within `lifetime`.
final class CallerCache: Sendable {
    let lifetime: Duration = .seconds(5)
    private let entries = Mutex<[String: (UserRow, ContinuousClock.Instant)]>([:])

    func lookup(_ key: String) -> UserRow? {
        entries.withLock { all in
            guard let (user, expires) = all[key], expires > .now else { return nil }
            return user
        }
    }

    func store(_ key: String, _ user: UserRow) {
        let expires = ContinuousClock.now + lifetime
        entries.withLock { all in
            if all.count > 50_000 { all.removeAll(keepingCapacity: true) }
            all[key] = (user, expires)
        }
    }
}
