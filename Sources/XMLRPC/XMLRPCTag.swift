// The XML-RPC element names; anything else is refused by the lexer.

enum Tag: UInt8, Sendable, CaseIterable {
    case methodCall, methodResponse, methodName, params, param, fault, value
    case int, i4, i8, boolean, string, double, dateTime, base64, nil_
    case structure, member, name, array, data

    var xmlName: StaticString {
        switch self {
        case .methodCall: "methodCall"
        case .methodResponse: "methodResponse"
        case .methodName: "methodName"
        case .params: "params"
        case .param: "param"
        case .fault: "fault"
        case .value: "value"
        case .int: "int"
        case .i4: "i4"
        case .i8: "i8"
        case .boolean: "boolean"
        case .string: "string"
        case .double: "double"
        case .dateTime: "dateTime.iso8601"
        case .base64: "base64"
        case .nil_: "nil"
        case .structure: "struct"
        case .member: "member"
        case .name: "name"
        case .array: "array"
        case .data: "data"
        }
    }

    static func lookup(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Tag? {
        let length = end - start
        guard length >= 2 else { return nil }
        let candidate: Tag
        switch (length, p[start]) {  // pick the only possible name, then compare it fully
        case (2, 0x69): candidate = p[start + 1] == 0x34 ? .i4 : .i8
        case (3, 0x69): candidate = .int
        case (3, 0x6E): candidate = .nil_
        case (4, 0x6E): candidate = .name
        case (4, 0x64): candidate = .data
        case (5, 0x76): candidate = .value
        case (5, 0x70): candidate = .param
        case (5, 0x61): candidate = .array
        case (5, 0x66): candidate = .fault
        case (6, 0x70): candidate = .params
        case (6, 0x73): candidate = p[start + 3] == 0x69 ? .string : .structure
        case (6, 0x64): candidate = .double
        case (6, 0x62): candidate = .base64
        case (6, 0x6D): candidate = .member
        case (7, 0x62): candidate = .boolean
        case (10, 0x6D): candidate = p[start + 6] == 0x43 ? .methodCall : .methodName
        case (14, 0x6D): candidate = .methodResponse
        case (16, 0x64): candidate = .dateTime
        default: return nil
        }
        let name = candidate.xmlName
        guard name.utf8CodeUnitCount == length else { return nil }
        for i in 0..<length where name.utf8Start[i] != p[start + i] { return nil }
        return candidate
    }
}
