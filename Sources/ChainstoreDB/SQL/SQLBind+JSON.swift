import ChainstoreCore

extension JSONWriter {
    /// A bound value as JSON, for batch binds read by `jsonb_to_recordset`.
    mutating func append(_ bind: SQLBind) {
        switch bind {
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .text(let s): string(s)
        case .bool(let b): b ? raw("true") : raw("false")
        case .null: raw("null")
        case .bytes(let b): string(Base64.encode(b))
        case .intArray(let a): value(.array(a.map(Value.int)))
        case .textArray(let a): value(.array(a.map(Value.string)))
        }
    }
}
