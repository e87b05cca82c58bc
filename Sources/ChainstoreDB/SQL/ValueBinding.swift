import ChainstoreCore

/// Turns a client value into a typed bind for one field, or a clear `ValueError`. Dates and
/// datetimes are checked here, so a bad value never reaches PostgreSQL as a cast failure.
enum ValueBinding {
    /// The bind and the SQL cast for a scalar `value` compared with or written to `field`.
    static func scalar(_ value: Value, for field: FieldSpec, model: String) throws -> (SQLBind, String) {
        func wrong() -> ChainstoreError {
            ChainstoreError.valueError("Wrong value \(value) for field '\(field.name)' (\(field.kind.typeName)) on model '\(model)'")
        }
        switch field.kind {
        case .char, .text, .html:
            guard case .string(let s) = value else { throw wrong() }
            guard !s.utf8.contains(0) else { throw wrong() }
            return (.text(s), "text")
        case .selection(let options):
            guard case .string(let s) = value else { throw wrong() }
            _ = options
            return (.text(s), "text")
        case .integer:
            guard let i = value.intValue else { throw wrong() }
            return (.int(i), "bigint")
        case .many2one:
            if case .array(let pair) = value, pair.count == 2, let id = pair[0].intValue { return (.int(id), "bigint") }
            guard let i = value.intValue else { throw wrong() }
            return (.int(i), "bigint")
        case .float:
            guard let d = value.doubleValue else { throw wrong() }
            return (.double(d), "double precision")
        case .decimal, .monetary:
            switch value {
            case .int(let i): return (.text(String(i)), "numeric")
            case .double(let d) where d.isFinite: return (.text(decimalText(d)), "numeric")
            default: throw wrong()
            }
        case .boolean:
            switch value {
            case .bool(let b): return (.bool(b), "boolean")
            case .int(0): return (.bool(false), "boolean")
            case .int(1): return (.bool(true), "boolean")
            default: throw wrong()
            }
        case .date:
            guard case .string(let s) = value, DateText.isDate(s) else { throw wrong() }
            return (.text(s), "date")
        case .datetime:
            guard case .string(let s) = value, let normalized = DateText.datetime(s) else { throw wrong() }
            return (.text(normalized), "timestamptz")
        case .binary:
            switch value {
            case .bytes(let b): return (.bytes(b), "bytea")
            case .string(let s):
                guard let b = Base64.decode(s) else { throw wrong() }
                return (.bytes(b), "bytea")
            default: throw wrong()
            }
        case .one2many, .many2many:
            throw wrong()
        }
    }

    /// Shortest decimal text that round-trips the double (`0.1`, not `0.1000000000000000055`).
    static func decimalText(_ d: Double) -> String {
        if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}

/// Odoo's date and datetime strings. Datetimes are naive UTC `YYYY-MM-DD HH:MM:SS`.
enum DateText {
    static func isDate(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == 45, u[7] == 45 else { return false }
        guard let y = number(u[0..<4]), let m = number(u[5..<7]), let d = number(u[8..<10]) else { return false }
        guard y >= 1, m >= 1, m <= 12, d >= 1 else { return false }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    /// A datetime (or a date, taken as midnight) in Odoo's format, as a UTC literal for PostgreSQL.
    static func datetime(_ s: String) -> String? {
        if isDate(s) { return s + " 00:00:00+00" }
        let u = Array(s.utf8)
        guard u.count >= 19, isDate(String(decoding: u[0..<10], as: UTF8.self)), u[10] == 32 || u[10] == 84,
            u[13] == 58, u[16] == 58,
            let h = number(u[11..<13]), let mi = number(u[14..<16]), let se = number(u[17..<19]), h < 24, mi < 60, se < 60
        else { return nil }
        var fraction = ""
        if u.count > 19 {
            guard u[19] == 46, u.count <= 26, number(u[20...]) != nil else { return nil }
            fraction = String(decoding: u[19...], as: UTF8.self)
        }
        return String(decoding: u[0..<10], as: UTF8.self) + " " + String(decoding: u[11..<19], as: UTF8.self) + fraction + "+00"
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var n = 0
        for c in digits {
            guard c >= 48, c <= 57 else { return nil }
            n = n * 10 + Int(c - 48)
        }
        return digits.isEmpty ? nil : n
    }
}
