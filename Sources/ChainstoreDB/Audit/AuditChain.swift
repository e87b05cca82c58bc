import ChainstoreCore
import Crypto
import Foundation
import Logging

/// The tamper-evident seal over `audit_log`. Writers only insert rows (no lock, no hash on the
/// hot path, and no row is ever written twice); a sealer in the cron role chains the rows of
/// finished transactions in (transaction, id) order: `hash = SHA-256(previous hash ‖ canonical
/// row text)`, kept in blocks (`audit_seal_block`: the rows' ids and each row's hash).
/// `verify` recomputes the chain and names the first row that was altered, removed or added;
/// unsealed rows are counted, not judged.
public enum AuditChain {
    /// The canonical text of a row (aliased `a`), built by PostgreSQL so both sides agree byte for byte.
    public static let canonical = """
        concat_ws('|', a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), coalesce(a.uid::text, ''), \
        coalesce(a.company_id::text, ''), a.model, a.record_id, a.operation, coalesce(a.old_values::text, ''), \
        coalesce(a.new_values::text, ''))
        """

    /// The audit rows (aliased `a`) after the seal's cursor (aliased `s`, `audit_seal`): those not sealed yet.
    public static let unsealed = "a.txid >= s.last_txid AND (a.txid, a.id) > (s.last_txid, s.last_id)"

    static func chain(_ previous: [UInt8], _ text: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: Array(text.utf8))
        return Array(hasher.finalize())
    }

    /// The oldest transaction that may still add audit rows to this database: the statement
    /// snapshot's oldest running transaction, leaving out those seen running (or prepared) in
    /// another database of the cluster, which cannot write here; without one, the snapshot's
    /// `xmax`. A transaction that ended between the snapshot and the look at `pg_stat_activity`
    /// still counts (its database is no longer known), so the horizon only errs towards waiting.
    /// A long transaction in another tenant's database does not hold this one's seal back.
    public static let horizon = """
        (SELECT coalesce(min(x.xid), pg_snapshot_xmax(pg_current_snapshot())) \
        FROM pg_snapshot_xip(pg_current_snapshot()) AS x(xid) \
        WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity p WHERE p.backend_xid = x.xid::xid \
        AND p.datid <> (SELECT oid FROM pg_database WHERE datname = current_database())) \
        AND NOT EXISTS (SELECT 1 FROM pg_prepared_xacts p WHERE p.transaction = x.xid::xid AND p.database <> current_database()))
        """

    /// The rows of a full block.
    public static let block = 5000

    /// Seals up to `batch` rows as one block; returns how many were sealed. Only rows of
    /// transactions below the `horizon` are taken: those have ended, so every row they wrote is
    /// visible now (or, rolled back, never will be) and none can appear behind the cursor. A
    /// transaction still running in this database holds back the rows of transactions that
    /// began after it (they are sealed once it ends).
    @discardableResult
    public static func sealPending(_ database: Database, logger: Logger, batch: Int = block) async throws -> Int {
        try await database.transaction(logger: logger) { tx in
            // Only a sealer locks the seal's row, and one seals at a time: a wait for it means a
            // transaction left holding it, which fails the run (the error kept on the job) rather
            // than holding the job for ever.
            try await tx.execute("SET LOCAL lock_timeout = '10s'")
            guard let head = try await tx.query(SQLBuilder("""
                SELECT last_seq, encode(last_hash, 'hex'), last_block, last_txid::text, last_id FROM audit_seal WHERE id = 1 FOR UPDATE
                """)).first
            else { return 0 }
            let (seq, hashHex, block, afterTx, afterId) = try head.decode((Int64, String, Int64, String, Int64).self)
            let rows = try await tx.query("""
                SELECT a.txid::text, a.id, \(unsafeRaw: canonical) FROM audit_log a
                WHERE a.txid >= \(afterTx)::xid8 AND (a.txid, a.id) > (\(afterTx)::xid8, \(afterId))
                  AND a.txid < \(unsafeRaw: horizon)
                ORDER BY a.txid, a.id LIMIT \(Int64(batch))
                """)
            var hash = Hex.decode(hashHex)
            var ids: [Int64] = [], hashes: [UInt8] = [], last = (txid: afterTx, id: afterId)
            for row in rows {
                let (txid, id, text) = try row.decode((String, Int64, String).self)
                hash = chain(hash, text)
                ids.append(id)
                hashes += hash
                last = (txid, id)
            }
            guard !ids.isEmpty else { return 0 }
            let headHex = Hex.encode(hash)
            try await tx.query("""
                INSERT INTO audit_seal_block (block, first_seq, ids, hashes, after_txid, after_id, last_txid, last_id)
                VALUES (\(block + 1), \(seq + 1), \(ids), \(SQLBind.bytes(hashes), cast: "bytea"), \(afterTx)::xid8, \(afterId), \(last.txid)::xid8, \(last.id))
                """)
            try await tx.query("""
                UPDATE audit_seal SET last_seq = \(seq + Int64(ids.count)), last_hash = decode(\(headHex), 'hex'), last_block = \(block + 1),
                    last_txid = \(last.txid)::xid8, last_id = \(last.id), sealed_at = now()
                WHERE id = 1
                """)
            logger.info("audit rows sealed", metadata: ["count": "\(ids.count)", "seal": "\(seq + Int64(ids.count))", "head": "\(headHex)"])
            return ids.count
        }
    }

    /// Rows not sealed yet (waiting for the sealer, or for an older transaction still running).
    public static func unsealedCount(_ tx: Transaction) async throws -> Int64 {
        try await tx.query(SQLBuilder("""
            SELECT count(*) FROM audit_log a, audit_seal s WHERE s.id = 1 AND (\(unsafeRaw: unsealed) OR (a.txid IS NULL AND a.seal_seq IS NULL))
            """)).first?.decode(Int64.self) ?? 0
    }

    /// Seals until no row is left unsealed, waiting (up to `timeout`) for transactions that
    /// began before the rows' own to end: for tools and tests that need the whole trail sealed
    /// now. Returns how many rows were sealed.
    @discardableResult
    public static func sealAll(_ database: Database, logger: Logger, timeout: Duration = .seconds(30)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        var total = 0
        while true {
            while case let sealed = try await sealPending(database, logger: logger), sealed > 0 { total += sealed }
            let left = try await database.withoutTransaction(logger: logger) { tx in try await unsealedCount(tx) }
            if left == 0 || ContinuousClock.now >= deadline { return total }
            try await Task.sleep(for: .milliseconds(50))
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

    /// Where a walk along the chain stands.
    struct Walk {
        var hash = [UInt8](repeating: 0, count: 32)
        /// The seal number the next row must have.
        var expected: Int64 = 1
        var lastId: Int64 = 0
        var report = Report()
    }

    /// Recomputes the whole chain in seal order (rows sealed one by one first, then the blocks),
    /// stopping at the first break.
    public static func verify(_ database: Database, logger: Logger, batch: Int = 10_000) async throws -> Report {
        try await database.transaction(logger: logger, isolation: .repeatableRead) { tx in
            var walk = Walk()
            let head = try await tx.query(SQLBuilder("SELECT last_seq, encode(last_hash, 'hex'), legacy_seq FROM audit_seal WHERE id = 1")).first
            let (headSeq, headHex, legacySeq) = try head?.decode((Int64, String, Int64).self) ?? (Int64(0), "", Int64(0))
            walk.report.head = headHex
            walk.report.unsealed = try await unsealedCount(tx)
            try await verifyRowSeals(tx, upTo: legacySeq, batch: batch, &walk)
            if walk.report.isIntact { try await verifyBlocks(tx, &walk) }
            if walk.report.isIntact {
                if walk.expected - 1 < headSeq {
                    walk.report.problems.append("sealed rows \(walk.expected)…\(headSeq) were removed (after audit row \(walk.lastId))")
                } else if headSeq > 0, Hex.encode(walk.hash) != headHex {
                    walk.report.problems.append("the seal head does not match the last sealed row \(walk.lastId)")
                }
            }
            return walk.report
        }
    }

    /// The rows sealed one by one (`seal_seq`, `hash` on the row), as the first seals did.
    static func verifyRowSeals(_ tx: Transaction, upTo last: Int64, batch: Int, _ walk: inout Walk) async throws {
        while walk.report.isIntact, walk.expected <= last {
            let rows = try await tx.query("""
                SELECT a.id, a.seal_seq, encode(a.hash, 'hex'), \(unsafeRaw: canonical) FROM audit_log a
                WHERE a.seal_seq >= \(walk.expected) AND a.seal_seq <= \(last) ORDER BY a.seal_seq LIMIT \(Int64(batch))
                """)
            if rows.isEmpty { break }
            for row in rows {
                let (id, seq, storedHex, text) = try row.decode((Int64, Int64, String?, String).self)
                if seq != walk.expected {
                    walk.report.problems.append("sealed rows \(walk.expected)…\(seq - 1) were removed (between audit rows \(walk.lastId) and \(id))")
                    return
                }
                walk.hash = chain(walk.hash, text)
                if storedHex != Hex.encode(walk.hash) {
                    walk.report.problems.append("audit row \(id) (seal \(seq)) was altered")
                    return
                }
                walk.report.checked += 1
                walk.expected += 1
                walk.lastId = id
            }
        }
    }

    /// The blocks, in order: each must start where the previous one ended, and its range of
    /// (transaction, id) must hold exactly the rows it names, each hashing to its stored hash.
    static func verifyBlocks(_ tx: Transaction, _ walk: inout Walk) async throws {
        var block: Int64 = 0
        var cursor: (txid: String, id: Int64)? = nil
        while walk.report.isIntact {
            let blocks = try await tx.query("""
                SELECT block, first_seq, ids, encode(hashes, 'hex'), after_txid::text, after_id, last_txid::text, last_id
                FROM audit_seal_block WHERE block > \(block) ORDER BY block LIMIT 100
                """).map { try $0.decode((Int64, Int64, [Int64], String, String, Int64, String, Int64).self) }
            if blocks.isEmpty { return }
            for (number, first, ids, hashesHex, afterTx, afterId, lastTx, lastId) in blocks {
                guard number == block + 1, first == walk.expected, cursor.map({ $0 == (afterTx, afterId) }) ?? true else {
                    walk.report.problems.append("seal block \(block + 1) is missing or out of place (found block \(number) at seal \(first))")
                    return
                }
                let stored = Hex.decode(hashesHex)
                let rows = try await tx.query("""
                    SELECT a.id, \(unsafeRaw: canonical) FROM audit_log a
                    WHERE a.txid >= \(afterTx)::xid8 AND (a.txid, a.id) > (\(afterTx)::xid8, \(afterId))
                      AND (a.txid, a.id) <= (\(lastTx)::xid8, \(lastId))
                    ORDER BY a.txid, a.id
                    """).map { try $0.decode((Int64, String).self) }
                var position = 0
                for (id, text) in rows {
                    guard position < ids.count, ids[position] == id else {
                        if let found = ids[position...].firstIndex(of: id) {
                            let to = walk.expected + Int64(found - position) - 1
                            walk.report.problems.append("sealed rows \(walk.expected)…\(to) were removed (between audit rows \(walk.lastId) and \(id))")
                        } else {
                            walk.report.problems.append("audit row \(id) was added among sealed rows (after audit row \(walk.lastId))")
                        }
                        return
                    }
                    walk.hash = chain(walk.hash, text)
                    if stored.count < position * 32 + 32 || walk.hash[...] != stored[(position * 32)..<(position * 32 + 32)] {
                        walk.report.problems.append("audit row \(id) (seal \(walk.expected)) was altered")
                        return
                    }
                    walk.report.checked += 1
                    walk.expected += 1
                    walk.lastId = id
                    position += 1
                }
                if position < ids.count {
                    walk.report.problems.append(
                        "sealed rows \(walk.expected)…\(walk.expected + Int64(ids.count - position) - 1) were removed (after audit row \(walk.lastId))")
                    return
                }
                block = number
                cursor = (lastTx, lastId)
            }
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
