import ChainstoreCore
import ChainstoreDB
import XMLRPC

/// `/xmlrpc/2/<service>` and the legacy `/xmlrpc/<service>` (string fault codes, used by
/// odoo-client-lib): decode with the hardened codec, call the gateway, encode the answer.
public struct XMLRPCEndpoints: Sendable {
    public let gateway: RPCGateway
    public var limits = XMLRPCLimits()

    public init(gateway: RPCGateway) { self.gateway = gateway }

    public func handle(service: String, legacy: Bool, body: [UInt8], caller: Client) async -> [UInt8] {
        let call: XMLRPCCall
        do {
            call = try XMLRPCDecoder.decodeCall(body, limits: limits)
        } catch {
            caller.logger.notice("malformed xml-rpc request", metadata: ["error": "\(error)"])
            return fault(ChainstoreError.valueError("Invalid XML-RPC request: \(error)"), legacy: legacy)
        }
        let params = call.params.map(Self.value)
        do {
            let result: Value
            switch service {
            case "common": result = try await gateway.common(call.method, params, caller: caller)
            case "object": result = try await gateway.object(call.method, params, caller: caller)
            case "db": result = try await gateway.db(call.method, params, caller: caller)
            case "report": throw ChainstoreError.userError("Reports are not available over XML-RPC on this server.")
            default: throw ChainstoreError(.attributeError, "No such service '\(service)'")
            }
            return XMLRPCEncoder.response(Self.xmlrpc(result))
        } catch {
            if (error as? ChainstoreError) == nil { caller.logger.error("rpc call failed", metadata: ["error": "\(String(reflecting: error))"]) }
            return fault(error, legacy: legacy)
        }
    }

    private func fault(_ error: any Error, legacy: Bool) -> [UInt8] {
        let odoo = OdooError(error)
        if legacy {
            let (code, string) = odoo.legacyFault
            return XMLRPCEncoder.fault(XMLRPCFault(code: .string(code), string: string))
        }
        return XMLRPCEncoder.fault(XMLRPCFault(code: .int(odoo.faultCode), string: odoo.faultString))
    }

    static func value(_ x: XMLRPCValue) -> Value {
        switch x {
        case .int(let i): return .int(i)
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .double(let d): return .double(d)
        case .dateTime(let text): return .string(text)
        case .base64(let bytes): return .bytes(bytes)
        case .array(let items): return .array(items.map(value))
        case .structure(let members):
            var dict = RecordValues(minimumCapacity: members.count)
            for member in members { dict[member.name] = value(member.value) }
            return .dict(dict)
        case .nil_: return .null
        }
    }

    /// Odoo never sends nil: `None` goes out as `False`.
    public static func xmlrpc(_ v: Value) -> XMLRPCValue {
        switch v {
        case .null: return .bool(false)
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .bytes(let b): return .string(Base64.encode(b))
        case .array(let items): return .array(items.map(xmlrpc))
        case .dict(let dict): return .structure(dict.map { XMLRPCMember($0.key, xmlrpc($0.value)) })
        }
    }
}
