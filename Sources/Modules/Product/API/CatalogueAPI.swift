import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation

/// The till's catalogue calls beside the Odoo API, each one database round trip once the caller
/// is known (and none for a known caller scanning a code the node has seen):
/// - `GET /api/v1/scan?code=…[&company=ID][&qty=N]`: what the code is and costs at that company.
/// - `GET /api/v1/catalogue?[company=ID][&after=ID|&since=VERSION][&limit=N]`: the products the
///   company sells, with prices, in pages; or what changed since a version.
enum CatalogueAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.get, "/api/v1/scan", handler: scan),
        Endpoint(.get, "/api/v1/catalogue", handler: catalogue),
    ]

    static func scan(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let code = request.query["code"] else { throw ChainstoreError.valueError("code is required") }
        let quantity = try request.query["qty"].map { text -> Decimal in
            guard let value = Decimal(string: text), value > 0 else { throw ChainstoreError.valueError("qty must be a positive number") }
            return value
        } ?? 1
        let company = try request.integer("company")
        let cache = request.node.catalogueCache
        let caller = try request.signedIn()
        let today = ChinaCalendar.today()
        if let env = caller.remembered,
            let result = try Scan.resolveCached(cache: cache, database: caller.database.name, registry: caller.registry, env: env, code: code,
                                                company: company, quantity: quantity, today: today)
        {
            return .json(result.value)
        }
        let database = caller.database
        let result = try await caller.run { store in
            try await Scan.resolve(store, cache: cache, database: database, code: code, company: company ?? store.env.companyId,
                                   quantity: quantity, today: today)
        }
        return .json(result.value)
    }

    static func catalogue(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (company, after, since, limit) = (try request.integer("company"), try request.integer("after") ?? 0, try request.integer("since"),
                                              try request.integer("limit") ?? 2000)
        let cache = request.node.catalogueCache
        let caller = try request.signedIn()
        let database = caller.database
        let page = try await caller.read { store in
            try await CatalogueFeed.page(store, cache: cache, database: database, company: company ?? store.env.companyId,
                                         after: after, since: since, limit: Int(limit))
        }
        return EndpointResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(page.json.utf8))
    }
}

extension NodeContext {
    /// The node's catalogue cache (prices, taxes, company paths, the product index), kept
    /// honest by the listener the product module starts.
    public var catalogueCache: CatalogueCache { shared { CatalogueCache() } }
}

/// Dates as the group lives them: China keeps UTC+8 all year.
public enum ChinaCalendar {
    /// Today's date in China, as GS1 dates on labels are read (plain arithmetic: it runs on every scan).
    public static func today(at date: Date = Date()) -> GS1Date {
        let days = Int((date.timeIntervalSince1970 + 8 * 3600) / 86400)
        // Civil date from days since 1970-01-01 (proleptic Gregorian).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return GS1Date(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)!
    }
}
