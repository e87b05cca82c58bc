import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation

/// `POST /api/v1/rfid/reads`: batches of reads from fixed readers and forklifts become
/// sightings (repeated reads of a tag by a reader within its window are one), and new
/// sightings become meaning:
/// - an SSCC-96 pallet through a dock door, or carried by a forklift to a shelf, is moved there
///   whole (a receipt at an inbound door, a dispatch at an outbound one); a pallet announced on an
///   open receipt of the door's company (a supplier's shipping notice, a DC's wave) is received
///   whole at a dock door, as one scan of its SSCC receives it;
/// - a GIAI-96 shelf tag read by a forklift says where it is; SGTIN-96 items read by a shelf
///   reader, or by a forklift at a shelf, are counted there (a draft count per shelf and batch,
///   one unit per distinct serial);
/// - a GRAI-96 returnable pallet's last place is kept.
/// Tags that cannot be decoded or name nothing known are kept as unknown sightings and
/// reported — never dropped.
public enum RFIDIngest {
    public struct Read: Sendable {
        public let reader: String, antenna: Int?, epc: String, rssi: Double?, time: Date
        public init(reader: String, antenna: Int?, epc: String, rssi: Double?, time: Date) {
            (self.reader, self.antenna, self.epc, self.rssi, self.time) = (reader, antenna, epc, rssi, time)
        }
    }

    public struct Outcome: Sendable {
        public var received = 0, sightings = 0, duplicates = 0
        public var unknown: [Value] = []
        public var events: [Value] = []

        public var value: Value {
            .dict(["received": .int(Int64(received)), "sightings": .int(Int64(sightings)), "duplicates": .int(Int64(duplicates)),
                   "unknown": .array(unknown), "events": .array(events)])
        }
    }

    struct Reader: Sendable { let id: Int64, role: String, location: Int64, window: Double, company: Int64? }

    /// One new sighting (the first read of a tag by a reader after its window).
    struct Sighting: Sendable {
        let reader: Reader, epc: String, antenna: Int?, rssi: Double?, first: Date, last: Date, reads: Int
        let decoded: EPC?, failure: String?
    }

    public static func ingest(_ store: RecordStore, reads: [Read]) async throws -> Outcome {
        try await store.checkAccess(try store.model("stock.rfid.sighting"), .create)
        var outcome = Outcome()
        outcome.received = reads.count
        guard !reads.isEmpty else { return outcome }
        let readers = try await lockReaders(store, codes: Array(Set(reads.map(\.reader))).sorted())

        // Reads of a tag by a reader, in time order, cut into sightings by the reader's window.
        let grouped = Dictionary(grouping: reads) { "\($0.reader)|\($0.epc.uppercased())" }
        var fresh: [Sighting] = []
        var merges: [(id: Int64, last: Date, reads: Int)] = []
        let latest = try await latestSightings(store, readers: readers, keys: grouped.values.map { (readers[$0[0].reader]!.id, $0[0].epc.uppercased()) })
        for group in grouped.values {
            let reader = readers[group[0].reader]!
            let epc = group[0].epc.uppercased()
            let ordered = group.sorted { $0.time < $1.time }
            var runs: [[Read]] = []
            for read in ordered {
                if let last = runs.last?.last, read.time.timeIntervalSince(last.time) <= reader.window { runs[runs.count - 1].append(read) } else {
                    runs.append([read])
                }
            }
            // Times come back from the database as doubles: a read sent again with the same
            // instant may differ from the stored one in the last bits, so a millisecond is allowed.
            if let previous = latest["\(reader.id)|\(epc)"], let first = runs.first?.first,
                first.time.timeIntervalSince(previous.last) <= reader.window, first.time.timeIntervalSince(previous.first) >= -0.001
            {
                merges.append((previous.id, max(previous.last, runs[0].last!.time), runs[0].count))
                runs.removeFirst()
            }
            let decoded = Result(catching: { () throws(BarcodeError) -> EPC in try EPC(hex: epc) })
            for run in runs {
                let strongest = run.compactMap(\.rssi).max()
                switch decoded {
                case .success(let value):
                    fresh.append(Sighting(reader: reader, epc: epc, antenna: run[0].antenna, rssi: strongest, first: run[0].time,
                                          last: run.last!.time, reads: run.count, decoded: value, failure: nil))
                case .failure(let error):
                    fresh.append(Sighting(reader: reader, epc: epc, antenna: run[0].antenna, rssi: strongest, first: run[0].time,
                                          last: run.last!.time, reads: run.count, decoded: nil, failure: "not a 96-bit GS1 EPC: \(error)"))
                }
            }
        }
        fresh.sort { ($0.first, $0.epc) < ($1.first, $1.epc) }
        outcome.sightings = fresh.count
        outcome.duplicates = reads.count - fresh.count
        try await merge(store, merges)
        let meaning = try await interpret(store, fresh)
        try await insert(store, fresh, unknown: meaning.unknown)
        outcome.unknown = fresh.enumerated().compactMap { index, sighting in
            meaning.unknown[index].map { reason in
                .dict(["reader": .int(sighting.reader.id), "epc": .string(sighting.epc), "uri": sighting.decoded.map { .string($0.pureIdentityURI) } ?? .null,
                       "reason": .string(reason)])
            }
        }
        outcome.events = try await apply(store, meaning)
        return outcome
    }

    /// The readers of the batch, locked for the transaction (one batch per reader at a time,
    /// so two batches cannot both open the same sighting).
    static func lockReaders(_ store: RecordStore, codes: [String]) async throws -> [String: Reader] {
        let found = try await store.searchRead("stock.rfid.reader", domain: .leaf("code", .in, .array(codes.map(Value.string))),
                                               fields: ["code", "role", "location_id", "dedup_seconds", "company_id"], load: .classicWrite)
        var readers: [String: Reader] = [:]
        for row in found {
            guard let code = row["code"]?.stringValue, let id = row["id"]?.intValue, let location = row["location_id"]?.intValue else { continue }
            readers[code] = Reader(id: id, role: row["role"]?.stringValue ?? "dock", location: location,
                                   window: Double(row["dedup_seconds"]?.intValue ?? 30), company: row["company_id"]?.intValue)
        }
        if let missing = codes.first(where: { readers[$0] == nil }) {
            throw ChainstoreError.valueError("Unknown RFID reader: \(missing)")
        }
        var lock = SQLBuilder("SELECT pg_advisory_xact_lock(7, id::int) FROM unnest(")
        lock.bind(.intArray(readers.values.map(\.id).sorted()), cast: "bigint[]")
        lock += ") AS id ORDER BY id"
        try await store.tx.query(lock)
        return readers
    }

    static func latestSightings(
        _ store: RecordStore, readers: [String: Reader], keys: [(Int64, String)]
    ) async throws -> [String: (id: Int64, first: Date, last: Date)] {
        var sql = SQLBuilder("SELECT DISTINCT ON (s.reader_id, s.epc) s.id, s.reader_id, s.epc, s.first_seen, s.last_seen FROM stock_rfid_sighting s ")
        sql += "JOIN unnest("
        sql.bind(.intArray(keys.map(\.0)), cast: "bigint[]")
        sql += ", "
        sql.bind(.textArray(keys.map(\.1)), cast: "text[]")
        sql += ") AS k(reader, epc) ON s.reader_id = k.reader AND s.epc = k.epc ORDER BY s.reader_id, s.epc, s.last_seen DESC"
        var latest: [String: (Int64, Date, Date)] = [:]
        for row in try await store.tx.query(sql) {
            let (id, reader, epc, first, last) = try row.decode((Int64, Int64, String, Date, Date).self)
            latest["\(reader)|\(epc)"] = (id, first, last)
        }
        return latest
    }

    static func merge(_ store: RecordStore, _ merges: [(id: Int64, last: Date, reads: Int)]) async throws {
        guard !merges.isEmpty else { return }
        var sql = SQLBuilder("UPDATE stock_rfid_sighting s SET last_seen = greatest(s.last_seen, to_timestamp(d.at)), reads = s.reads + d.reads, write_date = now() ")
        sql += "FROM unnest("
        sql.bind(.intArray(merges.map(\.id)), cast: "bigint[]")
        sql += ", "
        sql.bind(.textArray(merges.map { epochSeconds($0.last) }), cast: "float8[]")
        sql += ", "
        sql.bind(.intArray(merges.map { Int64($0.reads) }), cast: "int[]")
        sql += ") AS d(id, at, reads) WHERE s.id = d.id"
        try await store.tx.query(sql)
    }

    static func insert(_ store: RecordStore, _ sightings: [Sighting], unknown: [String?]) async throws {
        guard !sightings.isEmpty else { return }
        var sql = SQLBuilder("INSERT INTO stock_rfid_sighting (reader_id, antenna, epc, uri, scheme, rssi, first_seen, last_seen, reads, status, ")
        sql += "reason, company_id, create_uid, create_date, write_uid, write_date) SELECT d.reader, nullif(d.antenna, -1), d.epc, nullif(d.uri, ''), "
        sql += "nullif(d.scheme, ''), CASE WHEN d.rssi = 'NaN' THEN NULL ELSE d.rssi END, to_timestamp(d.first), to_timestamp(d.last), d.reads, CASE WHEN d.reason = '' THEN 'known' ELSE 'unknown' END, nullif(d.reason, ''), r.company_id, "
        sql.bind(.int(store.env.uid))
        sql += "::bigint, now(), "
        sql.bind(.int(store.env.uid))
        sql += "::bigint, now() FROM "
        sql.appendUnnest([
            (.intArray(sightings.map(\.reader.id)), "bigint[]"), (.intArray(sightings.map { Int64($0.antenna ?? -1) }), "int[]"),
            (.textArray(sightings.map(\.epc)), "text[]"), (.textArray(sightings.map { $0.decoded?.pureIdentityURI ?? "" }), "text[]"),
            (.textArray(sightings.map { $0.decoded?.scheme.rawValue ?? "" }), "text[]"),
            (.textArray(sightings.map { $0.rssi.map { String($0) } ?? "NaN" }), "float8[]"),
            (.textArray(sightings.map { epochSeconds($0.first) }), "float8[]"), (.textArray(sightings.map { epochSeconds($0.last) }), "float8[]"),
            (.intArray(sightings.map { Int64($0.reads) }), "int[]"), (.textArray(unknown.map { $0 ?? "" }), "text[]"),
        ], as: "d(reader, antenna, epc, uri, scheme, rssi, first, last, reads, reason)")
        sql += " JOIN stock_rfid_reader r ON r.id = d.reader"
        try await store.tx.query(sql)
    }

    // MARK: - Meaning

    struct Meaning: Sendable {
        var unknown: [String?] = []
        /// Pallets to move: package → (location, sscc, read at a dock door).
        var pallets: [Int64: (location: Int64, sscc: String, dock: Bool)] = [:]
        /// Items counted: location → product → serials.
        var counted: [Int64: [Int64: Set<String>]] = [:]
        var assets: [(uri: String, epc: String, location: Int64, reader: Int64, seen: Date, company: Int64?)] = []
        var shelves: [(reader: Int64, location: Int64)] = []
    }

    static func interpret(_ store: RecordStore, _ sightings: [Sighting]) async throws -> Meaning {
        var meaning = Meaning()
        meaning.unknown = sightings.map(\.failure)
        let decoded = sightings.compactMap(\.decoded)
        let packages = try await lookup(store, "SELECT name, id FROM stock_quant_package WHERE name = ANY(",
                                        decoded.filter { $0.scheme == .sscc96 }.map(\.gs1Key))
        let shelves = try await lookup(store, "SELECT rfid_tag, id FROM stock_location WHERE active AND rfid_tag = ANY(",
                                       decoded.filter { $0.scheme == .giai96 }.map(\.pureIdentityURI))
        let gtins = decoded.filter { $0.scheme == .sgtin96 }.map { String($0.gs1Key.prefix(14)) }
        let forms = gtins.flatMap { gtin in [gtin, String(gtin.dropFirst()), String(gtin.dropFirst(2))] }
        let products = try await lookup(store, "SELECT barcode, id FROM product_product WHERE active AND barcode = ANY(", forms)
        var at: [Int64: Int64] = [:]  // a forklift's current shelf
        for (index, sighting) in sightings.enumerated() {
            guard let epc = sighting.decoded else { continue }
            let reader = sighting.reader
            let here = reader.role == "forklift" ? at[reader.id] ?? reader.location : reader.location
            switch epc.scheme {
            case .giai96:
                guard let shelf = shelves[epc.pureIdentityURI] else { meaning.unknown[index] = "no location carries this GIAI tag"; continue }
                if reader.role == "forklift" {
                    at[reader.id] = shelf
                    meaning.shelves.append((reader.id, shelf))
                }
            case .sscc96:
                guard let package = packages[epc.gs1Key] else { meaning.unknown[index] = "no pallet with SSCC \(epc.gs1Key)"; continue }
                meaning.pallets[package] = (here, epc.gs1Key, reader.role == "dock")
            case .sgtin96:
                let gtin = String(epc.gs1Key.prefix(14))
                guard let product = products[gtin] ?? products[String(gtin.dropFirst())] ?? products[String(gtin.dropFirst(2))] else {
                    meaning.unknown[index] = "no product with GTIN \(gtin)"
                    continue
                }
                if reader.role != "dock" { meaning.counted[here, default: [:]][product, default: []].insert(epc.serial ?? epc.pureIdentityURI) }
            case .grai96:
                meaning.assets.append((epc.pureIdentityURI, sighting.epc, here, reader.id, sighting.last, reader.company))
            }
        }
        return meaning
    }

    static func lookup(_ store: RecordStore, _ prefix: String, _ keys: [String]) async throws -> [String: Int64] {
        guard !keys.isEmpty else { return [:] }
        var sql = SQLBuilder(prefix)
        sql.bind(.textArray(Array(Set(keys))), cast: "text[]")
        sql += ")"
        var found: [String: Int64] = [:]
        for row in try await store.tx.query(sql) {
            let (key, id) = try row.decode((String, Int64).self)
            found[key] = id
        }
        return found
    }

    /// Moves the pallets seen at `destination` together; when the ledger refuses (goods held where
    /// they are, such as pledged goods without a release), each on its own, and those it still
    /// refuses stay put: answers why, by pallet. The reads are kept either way.
    static func move(_ store: RecordStore, _ ledger: Ledger, _ pallets: [Int64], to destination: Int64) async throws -> [Int64: String] {
        guard !pallets.isEmpty else { return [:] }
        func attempt(_ group: [Int64]) async throws -> String? {
            try await store.tx.execute("SAVEPOINT rfid_pallets")
            do {
                try await ledger.movePackages(group, to: destination)
                try await store.tx.execute("RELEASE SAVEPOINT rfid_pallets")
                return nil
            } catch let error as ChainstoreError where error.code == .validationError || error.code == .userError {
                try await store.tx.execute("ROLLBACK TO SAVEPOINT rfid_pallets")
                return error.message
            }
        }
        guard try await attempt(pallets) != nil else { return [:] }
        var held: [Int64: String] = [:]
        for pallet in pallets {
            if let reason = try await attempt([pallet]) { held[pallet] = reason }
        }
        return held
    }

    static func apply(_ store: RecordStore, _ meaning: Meaning) async throws -> [Value] {
        var events: [Value] = []
        let ledger = Ledger(store: store.asSystem(reason: "pallet moves seen by RFID readers"))
        var arrived: Set<Int64> = []
        for (package, seen) in meaning.pallets.sorted(by: { $0.key < $1.key }) where seen.dock {
            let received: SQLBuilder = """
                WITH open AS (SELECT ml.id FROM stock_move_line ml JOIN stock_picking p ON p.id = ml.picking_id
                              JOIN stock_picking_type pt ON pt.id = p.picking_type_id AND pt.code = 'incoming'
                              WHERE ml.result_package_id = \(package) AND NOT ml.picked AND ml.state NOT IN ('done', 'cancel')
                                AND p.company_id = (SELECT company_id FROM stock_location WHERE id = \(seen.location))
                              ORDER BY ml.id FOR UPDATE OF ml)
                UPDATE stock_move_line ml SET picked = true, write_uid = \(store.env.uid), write_date = now() FROM open WHERE ml.id = open.id
                RETURNING ml.move_id, ml.picking_id
                """
            let rows = try await store.tx.query(received).map { try $0.decode((Int64, Int64).self) }
            guard let picking = rows.map(\.1).min() else { continue }
            for move in Set(rows.map(\.0)).sorted() { try await ledger.markPicked(move) }
            arrived.insert(package)
            events.append(.dict(["kind": "pallet_received", "sscc": .string(seen.sscc), "package_id": .int(package), "picking_id": .int(picking),
                                 "location_id": .int(seen.location)]))
        }
        let byDestination = Dictionary(grouping: meaning.pallets.filter { !arrived.contains($0.key) }.sorted { $0.key < $1.key }) { $0.value.location }
        for (destination, pallets) in byDestination.sorted(by: { $0.key < $1.key }) {
            var sql = SQLBuilder("SELECT id FROM stock_quant_package WHERE id = ANY(")
            sql.bind(.intArray(pallets.map(\.key)), cast: "bigint[]")
            sql += ") AND location_id IS DISTINCT FROM "
            sql.bind(.int(destination))
            sql += " AND EXISTS (SELECT 1 FROM stock_quant q WHERE q.package_id = stock_quant_package.id AND q.quantity > 0) ORDER BY id"
            let moving = try await store.tx.query(sql).map { try $0.decode(Int64.self) }
            let held = try await move(store, ledger, moving, to: destination)
            for (package, seen) in pallets {
                var event: RecordValues = ["kind": moving.contains(package) ? "pallet_moved" : "pallet_seen", "sscc": .string(seen.sscc),
                                              "package_id": .int(package), "location_id": .int(destination)]
                if let reason = held[package] { (event["kind"], event["reason"]) = ("pallet_held", .string(reason)) }
                events.append(.dict(event))
            }
        }
        for (location, products) in meaning.counted.sorted(by: { $0.key < $1.key }) {
            let count = try await store.create("stock.count", [[
                "name": "RFID count", "location_id": .int(location), "reason": "RFID shelf count",
                "product_ids": [[6, 0, .array(products.keys.sorted().map(Value.int))]],
            ]])[0]
            _ = try await store.create("stock.count.line", products.sorted { $0.key < $1.key }.map { product, serials in
                ["count_id": .int(count), "product_id": .int(product), "location_id": .int(location), "quantity": .int(Int64(serials.count))]
            })
            events.append(.dict(["kind": "shelf_count", "location_id": .int(location), "count_id": .int(count),
                                 "items": .int(Int64(products.values.reduce(0) { $0 + $1.count }))]))
        }
        if !meaning.assets.isEmpty {
            var sql = SQLBuilder("INSERT INTO stock_rfid_asset (uri, epc, location_id, reader_id, last_seen, company_id, create_uid, create_date, ")
            sql += "write_uid, write_date) SELECT DISTINCT ON (d.uri) d.uri, d.epc, d.loc, d.reader, to_timestamp(d.seen), nullif(d.company, 0), "
            sql.bind(.int(store.env.uid))
            sql += "::bigint, now(), "
            sql.bind(.int(store.env.uid))
            sql += "::bigint, now() FROM "
            sql.appendUnnest([
                (.textArray(meaning.assets.map(\.uri)), "text[]"), (.textArray(meaning.assets.map(\.epc)), "text[]"),
                (.intArray(meaning.assets.map(\.location)), "bigint[]"), (.intArray(meaning.assets.map(\.reader)), "bigint[]"),
                (.textArray(meaning.assets.map { epochSeconds($0.seen) }), "float8[]"), (.intArray(meaning.assets.map { $0.company ?? 0 }), "bigint[]"),
            ], as: "d(uri, epc, loc, reader, seen, company)")
            sql += " ORDER BY d.uri, d.seen DESC ON CONFLICT (uri) DO UPDATE SET "
            sql += "location_id = EXCLUDED.location_id, reader_id = EXCLUDED.reader_id, last_seen = EXCLUDED.last_seen, write_date = now() "
            sql += "WHERE stock_rfid_asset.last_seen IS NULL OR stock_rfid_asset.last_seen <= EXCLUDED.last_seen"
            try await store.tx.query(sql)
            for asset in meaning.assets {
                events.append(.dict(["kind": "asset_seen", "uri": .string(asset.uri), "location_id": .int(asset.location)]))
            }
        }
        return events
    }
}

/// A time bound as seconds since 1970 (`to_timestamp` in SQL): exact to the microsecond.
func epochSeconds(_ date: Date) -> String { String(date.timeIntervalSince1970) }
