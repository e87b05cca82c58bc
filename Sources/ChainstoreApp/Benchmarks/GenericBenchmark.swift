import AsyncHTTPClient
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import NIOCore
import ChainstoreRPC
import XMLRPC

/// `chainstore bench generic`: the Odoo API of a running node, called as each kind of user of the
/// group (JSON-RPC and XML-RPC, the whole request from the first byte sent to the last received),
/// beside hand-written SQL returning the same rows on the same database in the same run. Medians
/// of repeated calls; prints figures, never pass/fail.
public enum GenericBenchmark {
    public struct User: Sendable {
        public let label: String
        public let login: String
        public let password: String
        public init(label: String, login: String, password: String) {
            self.label = label
            self.login = login
            self.password = password
        }
    }

    public struct Options: Sendable {
        public var url = "http://127.0.0.1:8069"
        public var databaseName = "demo"
        public var repeats = 15
        public init() {}
    }

    /// One measured call: the RPC (model, method, positional and keyword arguments) and the SQL a
    /// programmer would write by hand for the same rows, given the companies the user sees.
    struct Call: Sendable {
        let name: String
        let model: String
        let method: String
        let args: [Value]
        let kwargs: RecordValues
        let xml: Bool
        let raw: @Sendable (Visible) -> SQLBuilder
    }

    /// What a user sees, resolved by hand: the companies (nil: every company) and, for a user
    /// whose companies are whole branches (a city), those branches, which the tables that keep
    /// their company's branch are filtered by.
    struct Visible: Sendable {
        let companies: [Int64]?
        let branches: [Int64]?
    }

    public static func run(_ database: Database, users: [User], options: Options, logger: Logger, print: @Sendable (String) -> Void) async throws {
        print("Chainstore generic path at the group's size — medians of \(options.repeats) calls per figure, node at \(options.url)")
        let sizes = try await database.transaction(logger: logger) { tx in
            try await tx.query("""
                SELECT (SELECT count(*) FROM res_company), (SELECT count(*) FROM product_product), (SELECT count(*) FROM res_partner),
                       (SELECT count(*) FROM stock_quant)
                """).first!.decode((Int64, Int64, Int64, Int64).self)
        }
        print("companies \(sizes.0), product variants \(sizes.1), partners \(sizes.2), stock balances \(sizes.3)")
        print("")
        print(pad("call", 46) + pad("user", 16) + pad("node ms", 10, right: true) + pad("raw SQL ms", 12, right: true) + pad("ratio", 8, right: true)
              + pad("rows", 8, right: true))
        for user in users {
            guard let uid = try await login(user, options: options) else {
                print("\(user.label) (\(user.login)): cannot sign in; skipped")
                continue
            }
            let visible = try await visibleCompanies(database, login: user.login, logger: logger)
            for call in calls {
                var node: [Double] = []
                var raw: [Double] = []
                var rows = 0
                for _ in 0..<options.repeats {
                    let started = ContinuousClock.now
                    let answer = try await rpc(call, uid: uid, user: user, options: options)
                    node.append(CoreBenchmark.seconds(ContinuousClock.now - started))
                    rows = try count(answer, call: call, user: user)
                    let sql = call.raw(visible)
                    raw.append(try await CoreBenchmark.timed {
                        _ = try await database.withoutTransaction(logger: logger) { tx in try await tx.query(sql).count }
                    })
                }
                let (n, r) = (CoreBenchmark.median(node) * 1000, CoreBenchmark.median(raw) * 1000)
                print(pad(call.name, 46) + pad(user.label, 16) + pad(String(format: "%.1f", n), 10, right: true)
                      + pad(String(format: "%.1f", r), 12, right: true) + pad(String(format: "%.2fx", n / max(r, 0.001)), 8, right: true)
                      + pad("\(rows)", 8, right: true))
            }
        }
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = text.count
        guard count < width else { return text + " " }
        let space = String(repeating: " ", count: width - count)
        return right ? space + text : text + space
    }

    static let productFields: [Value] = ["name", "default_code", "barcode", "list_price", "categ_id"]
    static let partnerFields: [Value] = ["name", "ref", "city", "email", "company_id"]
    static let quantFields: [Value] = ["product_id", "location_id", "quantity", "reserved_quantity", "lot_id"]

    /// `company_id` within what the user sees (everything when `companies` is nil); by the
    /// row's branch (`branch`, the alias's `company_branch`) where the table keeps it and the user
    /// sees whole branches.
    static func companyFilter(_ column: String, _ visible: Visible, branch alias: String? = nil) -> SQLBuilder {
        guard let companies = visible.companies else { return "TRUE" }
        if let alias, let branches = visible.branches {
            return "(\(unsafeRaw: column) IS NULL OR \(unsafeRaw: alias).company_branch = ANY(\(branches)))"
        }
        return "(\(unsafeRaw: column) IS NULL OR \(unsafeRaw: column) = ANY(\(companies)))"
    }

    static let calls: [Call] = [
        Call(name: "product.product search_read 1,000 × 5 (JSON)", model: "product.product", method: "search_read", args: [[]],
             kwargs: ["fields": .array(productFields), "limit": 1000], xml: false, raw: rawProducts),
        Call(name: "product.product search_read 1,000 × 5 (XML)", model: "product.product", method: "search_read", args: [[]],
             kwargs: ["fields": .array(productFields), "limit": 1000], xml: true, raw: rawProducts),
        Call(name: "res.partner search_read 1,000 × 5", model: "res.partner", method: "search_read", args: [[]],
             kwargs: ["fields": .array(partnerFields), "limit": 1000], xml: false, raw: { visible in
                 // A city's partners: the first page of its branch and of no company, each from
                 // the branch index in order, merged.
                 let rows: SQLBuilder = visible.branches.flatMap { $0.count == 1 ? $0[0] : nil }.map { branch in
                     """
                     ((SELECT * FROM res_partner p WHERE p.active AND p.company_branch = \(branch) ORDER BY p.name, p.id LIMIT 1000)
                      UNION ALL (SELECT * FROM res_partner p WHERE p.active AND p.company_branch IS NULL AND p.company_id IS NULL
                                 ORDER BY p.name, p.id LIMIT 1000))
                     """
                 } ?? "res_partner"
                 return """
                     SELECT p.id, p.name, p.ref, p.city, p.email, p.company_id, (SELECT c.name FROM res_company c WHERE c.id = p.company_id)
                     FROM \(rows) p WHERE p.active AND \(companyFilter("p.company_id", visible, branch: "p")) ORDER BY p.name, p.id LIMIT 1000
                     """
             }),
        Call(name: "stock.quant search_read 1,000 × 5", model: "stock.quant", method: "search_read", args: [[]],
             kwargs: ["fields": .array(quantFields), "limit": 1000], xml: false, raw: { visible in
                 """
                 SELECT q.id, q.product_id, (SELECT coalesce('[' || p.default_code || '] ', '') || t.name FROM product_product p
                   JOIN product_template t ON t.id = p.product_tmpl_id WHERE p.id = q.product_id),
                   q.location_id, (SELECT l.complete_name FROM stock_location l WHERE l.id = q.location_id), q.quantity, q.reserved_quantity,
                   q.lot_id, (SELECT lot.name FROM stock_lot lot WHERE lot.id = q.lot_id)
                 FROM stock_quant q WHERE \(companyFilter("q.company_id", visible, branch: "q")) ORDER BY q.id LIMIT 1000
                 """
             }),
        Call(name: "product.product search_count", model: "product.product", method: "search_count", args: [[]], kwargs: [:], xml: false,
             raw: { visible in "SELECT count(*) FROM product_product p WHERE p.active AND \(companyFilter("p.company_id", visible))" }),
        Call(name: "product.product name_search 'SKU00012'", model: "product.product", method: "name_search", args: ["SKU00012"], kwargs: [:],
             xml: false, raw: { visible in
                 """
                 SELECT p.id, '[' || p.default_code || '] ' || p.name FROM product_product p
                 WHERE p.active AND (p.default_code ILIKE '%SKU00012%' OR p.name ILIKE '%SKU00012%' OR p.barcode ILIKE '%SKU00012%')
                   AND \(companyFilter("p.company_id", visible)) ORDER BY p.default_code, p.id LIMIT 100
                 """
             }),
        Call(name: "res.partner name_search 'Store 0123'", model: "res.partner", method: "name_search", args: ["Store 0123"], kwargs: [:],
             xml: false, raw: { visible in
                 """
                 SELECT p.id, p.complete_name FROM res_partner p
                 WHERE p.active AND (p.complete_name ILIKE '%Store 0123%' OR p.email ILIKE '%Store 0123%' OR p.ref ILIKE '%Store 0123%')
                   AND \(companyFilter("p.company_id", visible)) ORDER BY p.name, p.id LIMIT 100
                 """
             }),
        Call(name: "product.template read_group by category", model: "product.template", method: "read_group", args: [[], ["list_price:avg"], ["categ_id"]],
             kwargs: ["lazy": false], xml: false, raw: { visible in
                 """
                 SELECT t.categ_id, (SELECT c.complete_name FROM product_category c WHERE c.id = t.categ_id), count(*), avg(t.list_price)
                 FROM product_template t WHERE t.active AND \(companyFilter("t.company_id", visible)) GROUP BY t.categ_id ORDER BY 2
                 """
             }),
    ]

    static let rawProducts: @Sendable (Visible) -> SQLBuilder = { visible in
        """
        SELECT p.id, t.name, p.default_code, p.barcode, t.list_price, t.categ_id, (SELECT c.complete_name FROM product_category c WHERE c.id = t.categ_id)
        FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id
        WHERE p.active AND \(companyFilter("p.company_id", visible)) ORDER BY p.default_code, p.id LIMIT 1000
        """
    }

    /// What a user sees, resolved once by hand: the subtrees of their companies and the parents
    /// above them (nil when that is every company), and their companies as branches when each
    /// is the top of its branch.
    static func visibleCompanies(_ database: Database, login: String, logger: Logger) async throws -> Visible {
        try await database.transaction(logger: logger) { tx in
            let roots = try await tx.query("""
                SELECT coalesce(nullif(ARRAY(SELECT r.cid FROM res_company_users_rel r WHERE r.user_id = u.id), '{}'), ARRAY[u.company_id])
                FROM res_users u WHERE u.login = \(login)
                """).first?.decode([Int64].self) ?? []
            let tops = try await tx.query("SELECT ARRAY(SELECT id FROM res_company WHERE parent_id IS NULL)").first?.decode([Int64].self) ?? []
            if Set(tops).isSubset(of: roots) { return Visible(companies: nil, branches: nil) }
            let companies = try await tx.query("""
                SELECT ARRAY(SELECT c.id FROM res_company r JOIN res_company c ON c.parent_path LIKE r.parent_path || '%' WHERE r.id = ANY(\(roots))
                             UNION SELECT unnest(string_to_array(rtrim(r.parent_path, '/'), '/'))::bigint FROM res_company r WHERE r.id = ANY(\(roots)))
                """).first?.decode([Int64].self)
            let whole = try await tx.query("SELECT coalesce(bool_and(branch_id = id), false) FROM res_company WHERE id = ANY(\(roots))").first?.decode(Bool.self)
            return Visible(companies: companies, branches: whole == true ? roots : nil)
        }
    }

    static func login(_ user: User, options: Options) async throws -> Int64? {
        let body: Value = .dict(["jsonrpc": "2.0", "method": "call", "id": 1, "params": .dict([
            "service": "common", "method": "login", "args": [.string(options.databaseName), .string(user.login), .string(user.password)],
        ])])
        let answer = try await post(options.url + "/jsonrpc", body: json(body), contentType: "application/json")
        guard let value = try? JSONReader.parse(answer), case .dict(let object) = value else { return nil }
        return object["result"]?.intValue
    }

    /// Sends one call and returns the answer's bytes (the time measured is the node's: from the
    /// first byte sent to the last received, not this client's decoding).
    static func rpc(_ call: Call, uid: Int64, user: User, options: Options) async throws -> [UInt8] {
        let args: [Value] = [.string(options.databaseName), .int(uid), .string(user.password), .string(call.model), .string(call.method),
                             .array(call.args), .dict(call.kwargs)]
        if call.xml {
            return try await post(options.url + "/xmlrpc/2/object", body: XMLRPCEncoder.call("execute_kw", args.map(XMLRPCEndpoints.xmlrpc)),
                                  contentType: "text/xml")
        }
        let body: Value = .dict(["jsonrpc": "2.0", "method": "call", "id": 1, "params": .dict([
            "service": "object", "method": "execute_kw", "args": .array(args),
        ])])
        return try await post(options.url + "/jsonrpc", body: json(body), contentType: "application/json")
    }

    /// How many records an answer holds (or the count itself); a fault is an error.
    static func count(_ answer: [UInt8], call: Call, user: User) throws -> Int {
        if call.xml {
            guard case .success(let value) = try XMLRPCDecoder.decodeResponse(answer) else {
                throw ChainstoreError.userError("\(call.name) as \(user.login): fault")
            }
            if case .array(let items) = value { return items.count }
            if case .int(let count) = value { return Int(count) }
            return 0
        }
        guard case .dict(let object) = try JSONReader.parse(answer), let result = object["result"] else {
            throw ChainstoreError.userError("\(call.name) as \(user.login): \(String(decoding: answer.prefix(300), as: UTF8.self))")
        }
        if case .array(let items) = result { return items.count }
        return Int(result.intValue ?? 0)
    }

    static func json(_ value: Value) -> [UInt8] {
        var writer = JSONWriter()
        writer.value(value)
        return writer.bytes
    }

    static func post(_ url: String, body: [UInt8], contentType: String, client: HTTPClient = .shared) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(120))
        var buffer = try await response.body.collect(upTo: 256 << 20)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
