import ChainstoreCore
import Crypto
import Foundation
import Logging

/// The tamper-evident seal over `audit_log`. Writers only insert rows (no lock, no hash on the
/// hot path); a sealer in the cron role chains the committed rows in seal order:
/// `hash = SHA-256(previous hash ‖ canonical row text)`. `verify` recomputes the chain and names
/// the first row that was altered or removed; unsealed rows are counted, not judged.
public enum AuditChain {
    /// The canonical text of a row, built by PostgreSQL so both sides agree byte for byte.
    static let canonical = """
        concat_ws('|', a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), coalesce(a.uid::text, ''), \
        coalesce(a.company_id::text, ''), a.model, a.record_id, a.operation, coalesce(a.old_values::text, ''), \
        coalesce(a.new_values::text, ''))
        """

    static func chain(_ previous: [UInt8], _ text: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: Array(text.utf8))
        return Array(hasher.finalize())
    }

    /// Seals up to `batch` committed rows in id order; returns how many were sealed.
    @discardableResult
    public static func sealPending(_ database: Database, logger: Logger, batch: Int = 5000) async throws -> Int {
        try await database.transaction(logger: logger) { tx in
            guard let head = try await tx.query(SQLBuilder("SELECT last_seq, encode(last_hash, 'hex') FROM audit_seal WHERE id = 1 FOR UPDATE")).first
            else { return 0 }
            var (seq, hashHex) = try head.decode((Int64, String).self)
            var hash = Hex.decode(hashHex)
            var select = SQLBuilder("SELECT a.id, \(unsafeRaw: canonical) FROM audit_log a WHERE a.seal_seq IS NULL ORDER BY a.id LIMIT ")
            select.bind(.int(Int64(batch)))
            var ids: [Int64] = []
            var seqs: [Int64] = []
            var hashes: [String] = []
            for row in try await tx.query(select) {
                let (id, text) = try row.decode((Int64, String).self)
                seq += 1
                hash = chain(hash, text)
                ids.append(id)
                seqs.append(seq)
                hashes.append(Hex.encode(hash))
            }
            guard !ids.isEmpty else { return 0 }
            hashHex = Hex.encode(hash)
            var update = SQLBuilder("UPDATE audit_log a SET seal_seq = u.seq, hash = decode(u.hash, 'hex') FROM unnest(")
            update.bind(.intArray(ids), cast: "bigint[]")
            update += ", "
            update.bind(.intArray(seqs), cast: "bigint[]")
            update += ", "
            update.bind(.textArray(hashes), cast: "text[]")
            update += ") AS u(id, seq, hash) WHERE a.id = u.id"
            try await tx.query(update)
            var seal = SQLBuilder("UPDATE audit_seal SET last_seq = ")
            seal.bind(.int(seq))
            seal += ", last_hash = decode("
            seal.bind(.text(hashHex))
            seal += ", 'hex'), sealed_at = now() WHERE id = 1"
            try await tx.query(seal)
            logger.info("audit rows sealed", metadata: ["count": "\(ids.count)", "seal": "\(seq)", "head": "\(hashHex)"])
            return ids.count
        }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var checked: Int64 = 0
        public var unsealed: Int64 = 0
        public var head: String = ""
        public var problems: [String] = []
        public var isIntact: Bool { problems.isEmpty }
        public var description: String {
            var lines = ["audit rows checked: \(checked)", "unsealed rows (not yet judged): \(unsealed)", "chain head: \(head)"]
            lines += problems.isEmpty ? ["chain intact"] : problems.map { "TAMPERED: " + $0 }
            return lines.joined(separator: "\n")
        }
    }

    /// Recomputes the whole chain in seal order, stopping at the first break.
    public static func verify(_ database: Database, logger: Logger, batch: Int = 10_000) async throws -> Report {
        try await database.transaction(logger: logger, isolation: .repeatableRead) { tx in
            var report = Report()
            let head = try await tx.query(SQLBuilder("SELECT last_seq, encode(last_hash, 'hex') FROM audit_seal WHERE id = 1")).first
            let (headSeq, headHex) = try head?.decode((Int64, String).self) ?? (Int64(0), "")
            report.head = headHex
            report.unsealed = try await tx.query(SQLBuilder("SELECT count(*) FROM audit_log WHERE seal_seq IS NULL")).first?.decode(Int64.self) ?? 0
            var hash = [UInt8](repeating: 0, count: 32)
            var expected: Int64 = 1
            var lastId: Int64 = 0
            while report.problems.isEmpty {
                var select = SQLBuilder("SELECT a.id, a.seal_seq, encode(a.hash, 'hex'), \(unsafeRaw: canonical) FROM audit_log a WHERE a.seal_seq >= ")
                select.bind(.int(expected))
                select += " ORDER BY a.seal_seq LIMIT "
                select.bind(.int(Int64(batch)))
                let rows = try await tx.query(select)
                if rows.isEmpty { break }
                for row in rows {
                    let (id, seq, storedHex, text) = try row.decode((Int64, Int64, String?, String).self)
                    if seq != expected {
                        report.problems.append("sealed rows \(expected)…\(seq - 1) were removed (between audit rows \(lastId) and \(id))")
                        break
                    }
                    hash = chain(hash, text)
                    if storedHex != Hex.encode(hash) {
                        report.problems.append("audit row \(id) (seal \(seq)) was altered")
                        break
                    }
                    report.checked += 1
                    expected += 1
                    lastId = id
                }
            }
            if report.problems.isEmpty {
                if expected - 1 < headSeq {
                    report.problems.append("sealed rows \(expected)…\(headSeq) were removed (after audit row \(lastId))")
                } else if headSeq > 0, Hex.encode(hash) != headHex {
                    report.problems.append("the seal head does not match the last sealed row \(lastId)")
                }
            }
            return report
        }
    }
}

enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        for c in text.utf8 {
            let v: UInt8
            switch c {
            case 48...57: v = c - 48
            case 97...102: v = c - 87
            case 65...70: v = c - 55
            default: continue
            }
            if let h = high { bytes.append(h << 4 | v); high = nil } else { high = v }
        }
        return bytes
    }
}
