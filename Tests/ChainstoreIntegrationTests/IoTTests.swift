import ChainstoreCore
import ChainstoreDB
import ChainstoreTestSupport
import Foundation
import Testing

@testable import IoT

/// The IoT platform's pieces that need no broker: device timestamps, the broker's password hash,
/// a light tag's digits, and telemetry at rest (rollups, partitions ahead, retention by dropping
/// whole days).
@Suite("IoT platform")
struct IoTTests {
    @Test func deviceTimestampsAreReadAsRFC3339Instants() {
        #expect(Timestamp.millis(rfc3339: "2026-03-01T02:15:04.120Z") == 1_772_331_304_120)
        #expect(Timestamp.millis(rfc3339: "1999-12-31T23:59:59Z") == 946_684_799_000)
        #expect(Timestamp.millis(rfc3339: "2024-02-29T12:00:00.5Z") == 1_709_208_000_500)
        #expect(Timestamp.millis(rfc3339: "2026-12-05T20:31:00.123456Z") == 1_796_502_660_123)
        #expect(Timestamp.millis(rfc3339: "2026-03-01T10:15:04+08:00") == 1_772_331_304_000)  // China time, the same instant
        for bad in ["", "yesterday", "2026-03-01 02:15:04Z", "2026-13-01T00:00:00Z", "2026-03-01T02:15:04.Z", "２０２６-03-01T02:15:04Z"] {
            #expect(Timestamp.millis(rfc3339: bad) == nil, "\(bad)")
        }
    }

    /// Mosquitto's `$7$` line: PBKDF2-SHA512 over the token with the salt's bytes (the same
    /// value Python's hashlib gives; the conformance tests sign devices in with it).
    @Test func brokerPasswordsUseMosquittosOwnFormat() throws {
        let hash = try BrokerAuth.hash("secret", salt: Array(0..<12))
        #expect(hash == "$7$1000$AAECAwQFBgcICQoL$4wTcmyeXKbX+eU8mRAv8RuY7FkPT5YqwsG6AZlmHKNwWPzuBfjOpFNbp6eDXGOQ94FxpOi30RqAptC1OfHP0KA==")
        #expect(try BrokerAuth.hash("secret") != BrokerAuth.hash("secret"))  // a new salt each time
    }

    @Test func aLightShowsSixCharactersRightAligned() {
        #expect(PickToLight.digits("6.000") == "     6")
        #expect(PickToLight.digits("12.500") == "  12.5")
        #expect(PickToLight.digits("1234567.000") == "123456")
        #expect(PickToLight.digits("40") == "    40")
    }

    @Test(.enabled(if: TestDatabase.isAvailable))
    func telemetryIsRolledUpAndOldDaysAreDroppedWhole() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let log = TestDatabase.logger
            let old = "iot_telemetry_' || to_char((now() AT TIME ZONE 'UTC')::date - 40, 'YYYYMMDD') || '"
            let ahead = "iot_telemetry_' || to_char((now() AT TIME ZONE 'UTC')::date + 7, 'YYYYMMDD') || '"
            let setUp = [
                "INSERT INTO iot_device (name, uid, device_type_id, company_id) SELECT 'probe', 'probe-0001', id, 1 FROM iot_device_type WHERE code = 'temp_probe'",
                "INSERT INTO iot_metric (name) VALUES ('temp_c')",
                "SELECT iot_telemetry_partition((now() AT TIME ZONE 'UTC')::date - 40)",
                "DO $$ BEGIN EXECUTE 'DROP TABLE \(ahead)'; END $$",
                "INSERT INTO iot_telemetry (device_id, ts, metric, value) SELECT d.id, date_trunc('minute', now()) - interval '3 minutes' + s * interval '10 seconds', 1, s FROM iot_device d, generate_series(1, 3) s UNION ALL SELECT d.id, now() - interval '40 days', 1, 99 FROM iot_device d",
                "UPDATE iot_rollup SET done_until = date_trunc('minute', now()) - interval '10 minutes' WHERE name = '1m'",
            ]
            try await database.transaction(logger: log) { tx in for statement in setUp { try await tx.execute(statement) } }
            try await database.transaction(logger: log) { tx in try await TelemetryStore.maintain(tx) }
            try await database.transaction(logger: log) { tx in try await TelemetryStore.maintain(tx) }  // again: nothing counted twice
            let (oldDay, aheadDay, samples, low, high, total, raw) = try await database.transaction(logger: log) { tx in
                try await tx.query(SQLBuilder("""
                    SELECT to_regclass('\(unsafeRaw: old)') IS NOT NULL, to_regclass('\(unsafeRaw: ahead)') IS NOT NULL,
                        (SELECT sum(samples)::bigint FROM iot_telemetry_1m), (SELECT min(minimum) FROM iot_telemetry_1m),
                        (SELECT max(maximum) FROM iot_telemetry_1m), (SELECT sum(total) FROM iot_telemetry_1m), (SELECT count(*) FROM iot_telemetry)
                    """))[0].decode((Bool, Bool, Int64?, Double?, Double?, Double?, Int64).self)
            }
            #expect(oldDay == false)  // 40 days back: past the 30 days kept
            #expect(aheadDay == true)  // a week ahead is made again
            #expect(samples == 3 && low == 1 && high == 3 && total == 6)
            #expect(raw == 3)
        }
    }

    /// Two batches (two nodes) bring the first breach of a rule by one device at the same moment:
    /// one alert opens, and the other batch is not rolled back.
    @Test(.enabled(if: TestDatabase.isAvailable))
    func aFirstBreachTakenTwiceAtOnceOpensOneAlert() async throws {
        try await TestDatabase.withFreshDatabase { database, _ in
            let log = TestDatabase.logger
            let setUp = [
                "INSERT INTO iot_device (name, uid, device_type_id, company_id) SELECT 'freezer', 'freezer-0001', id, 1 FROM iot_device_type WHERE code = 'temp_probe'",
                "INSERT INTO iot_alert_rule (name, metric, op, threshold, for_s) VALUES ('warm', 'temp_c', '>', -15, 0)",
            ]
            try await database.transaction(logger: log) { tx in for statement in setUp { try await tx.execute(statement) } }
            let observe = "SELECT count(*) FROM iot_alerts_observe(ARRAY['freezer-0001'], ARRAY['temp_c'], ARRAY[now()], ARRAY[-3.0::float8])"
            let first = Task {
                try await database.transaction(logger: log) { tx in
                    let opened = try await tx.query(SQLBuilder(observe))[0].decode(Int64.self)
                    try await Task.sleep(for: .milliseconds(800))  // the second batch waits on the open alert's index entry
                    return opened
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            let second = try await database.transaction(logger: log) { tx in try await tx.query(SQLBuilder(observe))[0].decode(Int64.self) }
            let opened = try await first.value
            let open = try await database.transaction(logger: log) { tx in
                try await tx.query(SQLBuilder("SELECT count(*) FROM iot_alert WHERE state = 'firing'"))[0].decode(Int64.self)
            }
            #expect(opened == 1 && second == 0)
            #expect(open == 1)
        }
    }
}
