import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Logging
import Testing

/// The logs database: records shipped in one statement, partitioned by day, old days dropped,
/// a bounded buffer; and the JSON line format.
@Suite("Logs database", .enabled(if: TestDatabase.isAvailable))
struct LogShipperTests {
    static func record(_ message: String, _ metadata: [String: String] = [:], level: Logger.Level = .info) -> LogRecord {
        LogRecord(at: Date(), level: level, label: "chainstore", source: "Test", message: message, metadata: metadata)
    }

    @Test func recordsAreShippedByDayAndOldDaysDropped() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let logger = TestDatabase.logger
            let shipper = LogShipper(database: database, node: "node-a", retentionDays: 3, logger: logger)
            let day: TimeInterval = 86_400
            // Ten days ago the table had its partitions then; today's maintenance drops them.
            try await shipper.maintain(today: Date().addingTimeInterval(-10 * day))
            try await shipper.maintain()
            let partitions = try await database.withoutTransaction(logger: logger) { tx in
                try await tx.query("""
                    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                    WHERE i.inhparent = 'chainstore_log'::regclass ORDER BY 1
                    """).map { try $0.decode(String.self) }
            }
            #expect(partitions.count == 3, "today and the next two days: \(partitions)")

            shipper.accept(Self.record("order 42 \"paid\"\nsecond line", ["request_id": "abc123", "uid": "7"]))
            shipper.accept(Self.record("lost connection", ["error": "x'); DROP TABLE chainstore_log; --"], level: .warning))
            try await shipper.flush()
            let rows = try await database.withoutTransaction(logger: logger) { tx in
                try await tx.query("SELECT level, node, message, request_id, metadata->>'uid', metadata->>'error' FROM chainstore_log ORDER BY at, level")
                    .map { try $0.decode((String, String, String, String?, String?, String?).self) }
            }
            #expect(rows.count == 2)
            #expect(rows.first { $0.0 == "info" }.map { $0.2 == "order 42 \"paid\"\nsecond line" && $0.3 == "abc123" && $0.4 == "7" && $0.1 == "node-a" } == true)
            #expect(rows.first { $0.0 == "warning" }?.5 == "x'); DROP TABLE chainstore_log; --")

            // A full buffer keeps the newest records.
            let small = LogShipper(database: database, node: "node-b", capacity: 5, logger: logger)
            for n in 1...8 { small.accept(Self.record("line \(n)")) }
            try await small.flush()
            let kept = try await database.withoutTransaction(logger: logger) { tx in
                try await tx.query("SELECT message FROM chainstore_log WHERE node = 'node-b' ORDER BY message").map { try $0.decode(String.self) }
            }
            #expect(kept == ["line 4", "line 5", "line 6", "line 7", "line 8"])
        }
    }

    @Test func aJSONLineIsOneObjectWithTheMetadata() throws {
        let line = Self.record("签收 \"done\"\t", ["request_id": "r1", "msg": "not the message"]).json
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["msg"] == "签收 \"done\"\t" && object["level"] == "info" && object["request_id"] == "r1" && object["source"] == "Test")
        #expect(object["ts"]?.hasSuffix("Z") == true && object["ts"]?.count == 27)
    }
}
