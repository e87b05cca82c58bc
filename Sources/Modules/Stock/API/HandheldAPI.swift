import ChainstoreCore
import ChainstoreDB
import Foundation
import Product

/// The warehouse's calls: handheld scans and RFID reads.
/// - `POST /api/v1/scan` with `{"operation", "code" | "action", …state}`: a handheld scan applied
///   in one transaction (see `WarehouseScan`); 422 with the state unchanged when it does not fit.
/// - `POST /api/v1/rfid/reads` with `{"reads": [{"reader", "antenna", "epc", "rssi", "time"}]}`: a
///   batch from fixed readers and forklifts, deduplicated and interpreted in one transaction (see
///   `RFIDIngest`). At most 20,000 reads and 4 MiB per batch.
enum HandheldAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.post, "/api/v1/scan", handler: scan),
        Endpoint(.post, "/api/v1/rfid/reads", maxBodyBytes: 4 << 20, handler: rfidReads),
    ]

    static func scan(_ request: EndpointRequest) async throws -> EndpointResponse {
        let fields = try request.jsonObject()
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
        let (code, action) = (fields["code"]?.stringValue, fields["action"]?.stringValue)
        let cache = request.node.catalogueCache
        let caller = try request.signedIn()
        let database = caller.database
        do {
            let answer = try await caller.run(transaction: true) { store in
                try await WarehouseScan.handle(store, cache: cache, database: database, operation: operation, code: code, action: action,
                                               state: state, today: ChinaCalendar.today())
            }
            return .json(answer.value)
        } catch let refusal as WarehouseScan.Refusal {
            request.client.logger.info("scan refused", metadata: ["operation": "\(name)", "reason": "\(refusal.message)"])
            return .json(["ok": false, "error": "wrong_context", "message": .string(refusal.message), "state": state.value], status: 422)
        }
    }

    static func rfidReads(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let items = (try? JSONReader.parse(request.body))?.dictValue?["reads"]?.arrayValue else {
            throw ChainstoreError.valueError("The body must be {\"reads\": [...]}")
        }
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
        let outcome = try await request.signedIn().run(transaction: true) { store in try await RFIDIngest.ingest(store, reads: reads) }
        if !outcome.unknown.isEmpty {
            request.client.logger.notice("unknown RFID tags", metadata: ["count": "\(outcome.unknown.count)"])
        }
        return .json(outcome.value)
    }
}
