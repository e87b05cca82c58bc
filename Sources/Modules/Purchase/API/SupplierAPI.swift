import ChainstoreCore
import ChainstoreDB
import Foundation

/// The supplier portal's API (the `/supplier` page uses it; suppliers' systems may too), as the
/// supplier's portal user (HTTP Basic or the web session):
/// - `GET /api/v1/supplier/orders[?limit=50]`: the supplier's confirmed orders, newest first,
///   with their lines (ordered, received, what the supplier answered) and shipping notices;
/// - `POST /api/v1/supplier/orders/{id}/response {"key", "lines": [{"line_id", "quantity",
///   "date", "note"}]}`: the supplier's answer per line (201; the same again 200 duplicate;
///   another answer under a used key 409);
/// - `POST /api/v1/supplier/asns`: an advance shipping notice (replenishment.md §3.5): 201
///   `{"id", "state", "version", "warnings"}`; the same notice again 200 with `"duplicate":
///   true`; a changed one before it arrived replaces it (a new version); after, 409;
/// - `GET /api/v1/supplier/asns/{id}/labels`: the pallets' GS1 logistic labels as a page to print.
enum SupplierAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.get, "/api/v1/supplier/orders", handler: orders),
        Endpoint(.post, "/api/v1/supplier/orders/{id}/response", maxBodyBytes: 256 << 10, handler: respond),
        Endpoint(.post, "/api/v1/supplier/asns", maxBodyBytes: 2 << 20, handler: announce),
        Endpoint(.get, "/api/v1/supplier/asns/{id}/labels", handler: labels),
    ]

    static func orders(_ request: EndpointRequest) async throws -> EndpointResponse {
        let limit = try request.integer("limit") ?? 50
        guard (1...500).contains(limit) else { throw ChainstoreError.valueError("limit must be 1 to 500") }
        let caller = try request.signedIn()
        let value = try await caller.run(transaction: true) { store -> Value in
            try await SupplierPortal.mayAct(store)
            return ["orders": try await SupplierPortal.orders(store, limit: Int(limit))]
        }
        return .json(value)
    }

    static func respond(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let id = request.parameters["id"].flatMap({ Int64($0) }), id > 0 else { throw ChainstoreError.valueError("The order id must be a number") }
        let fields = try request.jsonObject()
        guard let key = fields["key"]?.stringValue, (8...64).contains(key.count),
              key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw ChainstoreError.valueError("key must be 8 to 64 letters, digits, - or _")
        }
        guard let items = fields["lines"]?.arrayValue, (1...1000).contains(items.count) else {
            throw ChainstoreError.valueError("lines must list 1 to 1,000 answers")
        }
        let answers: [SupplierPortal.Answer] = try items.enumerated().map { index, item in
            let line = SupplierPortal.Fields(item.dictValue ?? [:], at: "lines[\(index)].")
            guard let id = try line.integer("line_id") else { throw ChainstoreError.valueError("lines[\(index)].line_id is required") }
            guard let quantity = try line.decimal("quantity", above: -1) else {
                throw ChainstoreError.valueError("lines[\(index)].quantity is required (0 refuses the line)")
            }
            return SupplierPortal.Answer(line: id, quantity: quantity, date: try line.day("date"), note: try line.text("note", max: 500, required: false))
        }
        guard Set(answers.map(\.line)).count == answers.count else { throw ChainstoreError.valueError("A line is answered twice") }
        let caller = try request.signedIn()
        let outcome = try await caller.run(transaction: true) { store in
            try await SupplierPortal.respond(store, order: id, key: key, answers: answers)
        }
        return response(outcome)
    }

    static func announce(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let body = try? JSONReader.parse(request.body) else { throw ChainstoreError.valueError("The body must be a JSON object") }
        let notice = try SupplierPortal.notice(body)
        let caller = try request.signedIn()
        let outcome = try await caller.run(transaction: true) { store in try await SupplierPortal.announce(store, notice) }
        return response(outcome)
    }

    static func labels(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let id = request.parameters["id"].flatMap({ Int64($0) }), id > 0 else { throw ChainstoreError.valueError("The notice id must be a number") }
        let caller = try request.signedIn()
        let page = try await caller.run(transaction: true) { store in try await SupplierPortal.labels(store, notice: id) }
        return .text(page, contentType: "text/html; charset=utf-8")
    }

    static func response(_ outcome: SupplierPortal.Outcome) -> EndpointResponse {
        switch outcome {
        case .done(let value, let created): .json(value, status: created ? 201 : 200)
        case .conflict(let message): .json(["ok": false, "error": "conflict", "message": .string(message)], status: 409)
        }
    }
}
