import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation

/// Pallets a company packs for the transfers it ships (a DC's deliveries of a wave, one pallet
/// per store): each is a package named by an SSCC under the company's GS1 prefix, so the store
/// receives it whole with one scan. A pallet that travels between companies belongs to none (a
/// package's company only limits who sees it, and both the sender and the receiver must).
public enum Pallets {
    /// An SSCC: extension digit 0, the GS1 company prefix, the serial reference padded to fill
    /// 17 digits, and the check digit.
    public static func sscc(prefix: String, serial: Int64) throws -> String {
        let width = 16 - prefix.count
        let reference = String(serial)
        guard serial > 0, reference.count <= width else {
            throw ChainstoreError.userError("The SSCC serial references of GS1 prefix \(prefix) are used up (\(width) digits).")
        }
        let payload = "0" + prefix + String(repeating: "0", count: width - reference.count) + reference
        return payload + String(try CheckDigit.gs1(payload))
    }

    /// Puts what each transfer ships (its lines with a quantity and no pallet yet) on one pallet
    /// of its own, for transfers of companies with a GS1 prefix; the serials are taken from the
    /// company's counter under its row lock. Returns the pallets' SSCCs by transfer.
    @discardableResult
    public static func pack(_ store: RecordStore, pickings: [Int64]) async throws -> [Int64: String] {
        let tx = store.tx
        let open: SQLBuilder = """
            SELECT p.id, p.company_id, c.gs1_company_prefix FROM stock_picking p JOIN res_company c ON c.id = p.company_id
            WHERE p.id = ANY(\(pickings)) AND c.gs1_company_prefix IS NOT NULL AND p.state NOT IN ('done', 'cancel')
              AND EXISTS (SELECT 1 FROM stock_move_line ml WHERE ml.picking_id = p.id AND ml.quantity > 0 AND ml.result_package_id IS NULL
                          AND ml.state NOT IN ('done', 'cancel'))
            ORDER BY p.company_id, p.id
            """
        let rows = try await tx.query(open).map { try $0.decode((Int64, Int64, String).self) }
        var names: [Int64: String] = [:]
        for (company, group) in Dictionary(grouping: rows, by: \.1).sorted(by: { $0.key < $1.key }) {
            let taken: SQLBuilder = """
                UPDATE res_company SET sscc_last_serial = sscc_last_serial + \(Int64(group.count)) WHERE id = \(company) RETURNING sscc_last_serial
                """
            var serial = try await tx.query(taken)[0].decode(Int64.self) - Int64(group.count)
            for (picking, _, prefix) in group.sorted(by: { $0.0 < $1.0 }) {
                serial += 1
                let name = try sscc(prefix: prefix, serial: serial)
                let packed: SQLBuilder = """
                    WITH pkg AS (INSERT INTO stock_quant_package (name, company_id, create_uid, create_date, write_uid, write_date)
                                 VALUES (\(name), NULL, \(store.env.uid), now(), \(store.env.uid), now()) RETURNING id)
                    UPDATE stock_move_line SET result_package_id = (SELECT id FROM pkg), write_uid = \(store.env.uid), write_date = now()
                    WHERE picking_id = \(picking) AND quantity > 0 AND result_package_id IS NULL AND state NOT IN ('done', 'cancel')
                    """
                try await tx.query(packed)
                names[picking] = name
            }
        }
        return names
    }
}
