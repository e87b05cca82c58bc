import ChainstoreCore
import ChainstoreDB
import Foundation
import Stock

/// Pick-to-light (IoT spec §2.4): a transfer, or every transfer of a wave, lights the shelf of
/// each line to pick — the `pick_to_light` device at the line's source location gets a
/// `light.show` command with the quantity; the picker's confirm button (`evt/confirm`, carrying
/// the digits shown, which the picker may have counted down) records that quantity on the line
/// as picked, the shortage button (`evt/shortage`) records a short pick. When every line of a
/// transfer is picked, the transfer is validated; what was short becomes a backorder.
public enum PickToLight {
    /// Lights the lines of `pickings` not picked yet; answers the lines lit (with their command)
    /// and the lines left dark with why (no light at the shelf, or the light is offline).
    static func light(_ store: RecordStore, pickings: [Int64]) async throws -> Value {
        try await store.lockAndCheck(try store.model("stock.picking"), ids: pickings, operation: .write)
        let sql: SQLBuilder = """
            SELECT ml.id, ml.quantity::text, coalesce(pt.name, ''), light.id, light.online, coalesce(light.address, '')
            FROM stock_move_line ml
            JOIN stock_picking p ON p.id = ml.picking_id
            JOIN product_product pp ON pp.id = ml.product_id JOIN product_template pt ON pt.id = pp.product_tmpl_id
            LEFT JOIN LATERAL (
                SELECT d.id, d.online, d.address FROM iot_device d
                WHERE d.location_id = ml.location_id AND d.type = 'pick_to_light' AND d.state <> 'retired'
                ORDER BY d.online DESC, d.id LIMIT 1) light ON true
            WHERE ml.picking_id = ANY(\(pickings)) AND NOT coalesce(ml.picked, false) AND ml.quantity > 0 AND p.state NOT IN ('done', 'cancel')
            ORDER BY ml.picking_id, ml.id
            """
        let lines = try await store.tx.query(sql).map { try $0.decode((Int64, String, String, Int64?, Bool?, String).self) }
        let system = RecordStore(registry: store.registry, tx: store.tx, env: Env.system(reason: "pick-to-light", logger: store.env.logger))
        var lit: [Value] = [], dark: [Value] = []
        for (line, quantity, product, light, online, address) in lines {
            guard let light else {
                dark.append(["line": .int(line), "reason": .string("no light at the shelf")])
                continue
            }
            guard online == true else {
                dark.append(["line": .int(line), "reason": .string("the shelf's light is offline")])
                continue
            }
            let shown = Self.digits(quantity)
            let command = try await Commands.send(
                system, device: light, type: "light.show",
                params: ["address": .string(address), "text": .string(shown), "qty": .string(quantity), "product": .string(product),
                         "color": .string("green"), "blink": .false, "buzzer": .false, "confirm": .true, "move_line_id": .int(line)],
                expiresIn: 4 * 3600, whenOffline: .reject, origin: ("stock.move.line", line))
            lit.append(["line": .int(line), "command": .int(command)])
        }
        return ["lit": .array(lit), "dark": .array(dark)]
    }

    /// A quantity as a light tag's six characters, right-aligned (`"    12"`).
    static func digits(_ quantity: String) -> String {
        var text = quantity
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        text = String(text.prefix(6))
        return String(repeating: " ", count: 6 - text.count) + text
    }

    /// The picker pressed confirm (or shortage) on the light of command `cmd_id`. False when the
    /// event names no lit line of this device, or a quantity that is not a number between zero and
    /// what was asked.
    static func picked(_ store: RecordStore, database: String, uid: String, body: OrderedDictionary<String, Value>, short: Bool) async throws -> Bool {
        guard case .string(let cmdID)? = body["cmd_id"], UUID(uuidString: cmdID) != nil else { return false }
        let shown: String
        switch body["qty_shown"] ?? body["qty"] {
        case .string(let text)?: shown = text.trimmingCharacters(in: .whitespaces)
        case .int(let number)?: shown = "\(number)"
        case .double(let number)?: shown = "\(number)"
        default: return false
        }
        guard let quantity = Decimal(string: shown), quantity >= 0, shown.count <= 12 else { return false }
        let tx = store.tx
        let sql: SQLBuilder = """
            SELECT c.id, c.company_id, ml.id, ml.picking_id, coalesce(ml.picked, false), ml.quantity::text
            FROM iot_command c JOIN iot_device d ON d.id = c.device_id
            JOIN stock_move_line ml ON ml.id = c.origin_id JOIN stock_picking p ON p.id = ml.picking_id
            WHERE c.cmd_id = lower(\(cmdID)) AND d.uid = \(uid) AND c.origin_model = 'stock.move.line'
            FOR UPDATE OF c, ml, p
            """
        // The transfer is locked too: two presses on its last two lines, taken by two nodes, see
        // each other's line picked, and one of them validates.
        guard let row = try await tx.query(sql).first else { return false }
        let (command, site, line, picking, done, asked) = try row.decode((Int64, Int64, Int64, Int64, Bool, String).self)
        guard !done else { return true }  // the same press, delivered again
        guard let requested = Decimal(string: asked), quantity <= requested else { return false }
        try await store.write("stock.move.line", ids: [line], ["quantity": .double(NSDecimalNumber(decimal: quantity).doubleValue), "picked": .true])
        var result = JSONWriter()
        result.value(["confirmed": .string("\(quantity)"), "short": .bool(short || quantity < requested)])
        let close: SQLBuilder = """
            UPDATE iot_command SET result = \(result.text), state = CASE WHEN state IN ('sent', 'acked', 'timed_out') THEN 'succeeded' ELSE state END,
                done_at = coalesce(done_at, now()), write_date = now()
            WHERE id = \(command)
            """
        try await tx.query(close)
        try await Bus.send(tx, [IoT.notice(database, site: site, short || quantity < requested ? "iot.pick/short" : "iot.pick/confirmed",
                                           ["move_line_id": .int(line), "picking_id": .int(picking), "quantity": .string("\(quantity)")])])
        let rest: SQLBuilder = """
            SELECT count(*) FILTER (WHERE NOT coalesce(picked, false)), coalesce(sum(quantity) FILTER (WHERE picked), 0) > 0
            FROM stock_move_line WHERE picking_id = \(picking)
            """
        let (open, anything) = try await tx.query(rest)[0].decode((Int64, Bool).self)
        if open == 0 && anything {
            try await Stock.validate(store, pickings: [picking], backorder: true)
        }
        return true
    }
}
